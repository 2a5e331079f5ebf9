"""The English catalogue is complete, and the language switch changes what people read."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


def _entries() -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete]


def _describe(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r} ({where})"


def test_every_english_entry_is_translated_and_not_fuzzy():
    entries = _entries()
    assert len(entries) > 100
    untranslated = [
        _describe(e)
        for e in entries
        if (e.msgid_plural and not all(e.msgstr_plural.values()))
        or (not e.msgid_plural and not e.msgstr)
    ]
    fuzzy = [_describe(e) for e in entries if "fuzzy" in e.flags]
    assert untranslated == [], "untranslated in locale/en: " + "; ".join(untranslated)
    assert fuzzy == [], "fuzzy in locale/en: " + "; ".join(fuzzy)


def test_translations_keep_every_placeholder():
    broken = []
    for e in _entries():
        wanted = sorted(PLACEHOLDER.findall(e.msgid))
        got = [e.msgstr] if not e.msgid_plural else list(e.msgstr_plural.values())
        for text in got:
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                broken.append(f"{_describe(e)} -> {text!r}")
    assert broken == []


def test_catalogue_has_the_english_plural_rule():
    po = polib.pofile(str(CATALOGUE))
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"
    assert po.metadata["Language"] == "en"


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    # Django spells some language names with combining accents; compare in composed form.
    return unicodedata.normalize("NFC", response.content.decode())


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "page has no <html lang>"
    return match.group(1)


@pytest.mark.django_db
def test_login_page_is_vietnamese_by_default_even_for_english_browsers():
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = _page(client, "/accounts/login/")
    assert _lang(html) == "vi"
    assert '<h1 id="login-h">Đăng nhập</h1>' in html
    # The switch names each language in that language.
    assert '<option value="vi" lang="vi" selected>Tiếng Việt</option>' in html
    assert '<option value="en" lang="en">English</option>' in html


@pytest.mark.django_db
def test_switching_to_english_renders_the_login_page_in_english():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    html = _page(client, "/accounts/login/")
    assert _lang(html) == "en"
    assert '<h1 id="login-h">Sign in</h1>' in html
    assert "Skip to main content" in html
    assert "Đăng nhập" not in html
    assert '<option value="en" lang="en" selected>English</option>' in html


@pytest.mark.django_db
def test_switching_back_to_vietnamese():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    html = _page(client, "/accounts/login/")
    assert _lang(html) == "vi"
    assert '<h1 id="login-h">Đăng nhập</h1>' in html


@pytest.mark.django_db
def test_teacher_dashboard_in_english_after_the_switch(world):
    teacher = world.a.teacher
    client = Client()
    client.force_login(teacher)

    html_vi = _page(client, "/")
    assert _lang(html_vi) == "vi"
    assert f"Xin chào, {teacher.full_name}" in html_vi
    assert "Lớp tôi dạy" in html_vi

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = _page(client, "/")
    assert _lang(html) == "en"
    assert f"Hello, {teacher.full_name}" in html
    assert '<h2 id="teaching-h">Classes I teach</h2>' in html
    assert '<li class="badge">Teacher</li>' in html
    assert "1 class<" in html
    assert "1 student<" in html
    assert "Sign out" in html
    for vietnamese in ("Xin chào", "Lớp tôi dạy", "Đăng xuất", "Trang chủ", "học sinh"):
        assert vietnamese not in html
