"""Web pages: the browser with search-as-you-type, the review queue, stored images."""

from __future__ import annotations

import pytest

from question_bank import services
from question_bank.interchange import Asset
from question_bank.models import Status

from .conftest import single_choice
from .docx_builder import png_bytes

pytestmark = pytest.mark.django_db


def test_browse_and_search_as_you_type(bank, login):
    services.create_item(bank.author, single_choice(), school=bank.school, subject=bank.maths)
    services.create_item(
        bank.author, single_choice("Động năng của vật"), school=bank.school, subject=bank.physics
    )
    client = login(bank.author)
    page = client.get("/question-bank/", {"q": "phuong trinh"})
    assert page.status_code == 200
    assert "Nghiệm của phương trình bậc hai" in page.content.decode()
    assert "Động năng" not in page.content.decode()
    partial = client.get("/question-bank/", {"q": "dong nang"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body
    assert "Động năng của vật" in body
    assert "phương trình" not in body


def test_review_queue_approve_and_reject(bank, login):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    services.submit_item(bank.author, item)
    head = login(bank.maths_head)
    assert "Nghiệm của phương trình" in head.get("/question-bank/review/").content.decode()
    refused = head.post(f"/question-bank/review/{item.pk}/", {"decision": "reject", "comment": ""})
    assert refused.status_code == 400
    done = head.post(f"/question-bank/review/{item.pk}/", {"decision": "approve", "comment": "Tốt"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.APPROVED
    other = login(bank.physics_head).post(
        f"/question-bank/review/{item.pk}/", {"decision": "approve"}
    )
    assert other.status_code == 404


def test_stored_asset_is_served(bank, login):
    data = png_bytes()
    services.save_assets([Asset("h.png", "image/png", data)])
    digest = services.asset_digest(Asset("h.png", "image/png", data))
    response = login(bank.author).get(f"/question-bank/assets/{digest}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == data
