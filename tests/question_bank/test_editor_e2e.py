"""The item editor in Debian's Chromium: a stem with LaTeX and a picture shows in the live
preview rendered by KaTeX; saving gives version 1, editing again gives version 2."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_editor_preview_renders_maths_and_picture_then_saves_versions(demo_server, page):
    login(page, demo_server.url, "giaovien")
    page.wait_for_url(f"{demo_server.url}/")
    page.goto(f"{demo_server.url}/question-bank/items/new/")
    editor = page.locator("[data-testid=item-editor]")
    editor.locator("select[name=type]").select_option("single_choice")
    stem = "Nghiệm dương của phương trình $x^2 - 5x + 6 = 0$ lớn nhất là"
    editor.locator("textarea[name=stem]").fill(stem)
    for letter, text in zip("ABCD", ("3", "2", "6", "-1"), strict=True):
        editor.locator(f"input[name=choice_{letter}]").fill(text)
    editor.locator("input[name=key_single][value=A]").check()
    # the picture is uploaded and its <img> put into the stem by the editor's script
    editor.locator("input[type=file][data-target=stem]").set_input_files(
        files=[{"name": "do-thi.png", "mimeType": "image/png", "buffer": png()}]
    )
    stem_box = editor.locator("textarea[name=stem]")
    page.wait_for_function(
        "el => el.value.includes('/question-bank/assets/')", arg=stem_box.element_handle()
    )

    preview = page.locator("#item-preview")
    # KaTeX turned $x^2 - 5x + 6 = 0$ into rendered maths; the raw TeX is not shown as text
    preview.locator(".katex").first.wait_for()
    preview.locator("img[src^='/question-bank/assets/']").wait_for()
    assert "x^2" not in preview.inner_text()
    assert (preview.locator(".katex-mathml annotation").first.text_content() or "").startswith(
        "x^2"
    )
    image = preview.locator("img[src^='/question-bank/assets/']")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 24", arg=image.element_handle()
    )
    assert page.locator("[data-testid=preview-errors]").count() == 0

    editor.get_by_role("button", name="Lưu phiên bản mới").click()
    page.wait_for_url(re.compile(r"/question-bank/items/\d+/$"))
    item_url = page.url
    versions = page.locator("table.qb-versions")
    assert "v1 (hiện tại)" in versions.inner_text()
    page.locator(".katex").first.wait_for()  # the saved item renders its maths too

    # an edit is a new version; the first one stays listed
    page.get_by_role("link", name="Sửa (tạo phiên bản mới)").click()
    editor = page.locator("[data-testid=item-editor]")
    box = editor.locator("textarea[name=stem]")
    box.fill(box.input_value().replace("lớn nhất", "nhỏ nhất"))
    editor.locator("input[name=key_single][value=B]").check()
    page.locator("#item-preview .katex").first.wait_for()
    editor.get_by_role("button", name="Lưu phiên bản mới").click()
    page.wait_for_url(item_url)
    text = page.locator("table.qb-versions").inner_text()
    assert "v2 (hiện tại)" in text
    assert "v1" in text
    assert "nhỏ nhất" in page.locator("main").inner_text()
