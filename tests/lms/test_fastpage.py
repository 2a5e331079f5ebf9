"""The course page's fast path (lms/fastpage.py) against Django's own course page.

Each scenario fetches the page through the production ASGI application (config.asgi) over httpx
with the fast path off (Django answers) and on, with the cookies a browser would send (session,
CSRF, language); status, headers and body must be the same, CSRF tokens aside (fresh on every
response, each checked against the request's CSRF cookie). The fast path needs PostgreSQL, the
Redis cache and cache-backed sessions: those tests run on the CI's PostgreSQL + Redis leg; on
SQLite + local memory the page must go through Django unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from lms import fastpage, services
from lms.models import Activity, Course
from tests import aio
from tests.conftest import World, client_for

K, R = Activity.Kind, Activity.Rule
FAST = connection.vendor == "postgresql" and settings.CACHES["default"]["BACKEND"].endswith(
    ".RedisCache"
)
needs_fast = pytest.mark.skipif(
    not FAST, reason="the fast path needs PostgreSQL and the Redis cache (REDIS_URL)"
)
pytestmark = pytest.mark.django_db(transaction=True)
Page = tuple[int, list[tuple[str, str]], str]


@pytest.fixture(autouse=True)
def _cached_sessions(settings: Any) -> None:
    # Production's engine: sessions read from the cache, written through to the database.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.LMS_FAST_COURSE_PAGE = True


def _layer() -> fastpage.FastCoursePage:
    from config.asgi import application

    layer = application.application_mapping["http"].app
    assert isinstance(layer, fastpage.FastCoursePage)
    return layer


def _browser(user: Any, url: str, language: str | None = None) -> dict[str, str]:
    """A signed-in browser's cookies after its first visit (Django sets the CSRF cookie)."""
    client = client_for(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.get(url)
    return {name: morsel.value for name, morsel in client.cookies.items()}


def _fetch(url: str, cookies: dict[str, str], *, fast: bool, times: int = 1) -> list[Page]:
    """The page through config.asgi, `times` times, with the fast path on or off."""
    from config.asgi import application

    settings.LMS_FAST_COURSE_PAGE = fast

    async def go() -> list[Page]:
        out: list[Page] = []
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver:8000"
        ) as client:
            for _ in range(times):
                header = "; ".join(f"{k}={v}" for k, v in cookies.items())
                r = await client.get(url, headers={"Cookie": header} if header else {})
                headers = [(k.decode(), v.decode()) for k, v in r.headers.raw]
                out.append((r.status_code, headers, r.text))
        await _layer().aclose()
        return out

    try:
        return aio.run(go())
    finally:
        settings.LMS_FAST_COURSE_PAGE = True


def _same(page: Page, cookies: dict[str, str]) -> tuple[int, list[tuple[str, str]], str]:
    """The page with its CSRF tokens checked against the CSRF cookie and blanked, and without
    the headers that differ on every response."""
    status, headers, body = page
    secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
    parts = fastpage._cut_tokens(body.encode(), secret) if secret else [body.encode()]
    if status == 200:
        assert len(parts) > 1, "the page carries CSRF tokens for the cookie"
    kept = []
    for name, value in headers:
        if name.lower() == "set-cookie":
            # Django renews the CSRF cookie of a page with a form (same value, later expiry).
            assert status != 200 or value.startswith(f"{settings.CSRF_COOKIE_NAME}={secret};")
            value = re.sub(r"expires=[^;]*; ", "", value)
        if name.lower() not in ("x-request-id", "date", "server"):
            kept.append((name, value))
    assert any(k.lower() == "x-request-id" for k, _v in headers)
    return status, kept, b"CSRF".join(parts).decode()


def _compare(url: str, cookies: dict[str, str], *, served: bool) -> str:
    """Django's page and the fast path's (a miss, then a hit) are the same; returns the body."""
    (django_page,) = _fetch(url, cookies, fast=False)
    before = _layer().served
    (first,) = _fetch(url, cookies, fast=True)
    middle = _layer().served
    (second,) = _fetch(url, cookies, fast=True)
    expected = _same(django_page, cookies)
    assert _same(first, cookies) == expected
    assert _same(second, cookies) == expected
    # The frame and the block are shared: the first may already be served (from what an
    # earlier page kept), the second must be.
    assert middle - before in ((0, 1) if served else (0,))
    assert _layer().served - middle == (1 if served else 0)
    return expected[2]


@needs_fast
def test_production_asgi_puts_the_course_page_fast_path_in_front_of_django() -> None:
    assert fastpage.enabled()
    assert isinstance(_layer(), fastpage.FastCoursePage)


@needs_fast
def test_enrolled_learner_gets_djangos_page_with_fresh_csrf_tokens(
    world: World, pd_course: Course
) -> None:
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    services.record_view(teacher, Activity.objects.get(title="Bài 1.1"))
    url = reverse("lms:course", args=[pd_course.pk])
    cookies = _browser(teacher, url)
    body = _compare(url, cookies, served=True)
    assert "Bài 2.3" in body
    assert "17%" in body
    assert body.count("✓") == 1
    assert "Soạn khoá học" not in body
    # Every served page has its own tokens, all valid for the browser's CSRF cookie.
    pages = _fetch(url, cookies, fast=True, times=2)
    tokens = [fastpage._MASKED.findall(p[2].encode())[0].decode() for p in pages if p[0] == 200]
    assert len(set(tokens)) == 2
    assert {_unmask_cipher_token(t) for t in tokens} == {cookies[settings.CSRF_COOKIE_NAME]}
    # Django's CSRF check takes a served token (the language switch of the page's header),
    # and refuses the same form with the token altered.
    browser = Client(enforce_csrf_checks=True)
    for name, value in cookies.items():
        browser.cookies[name] = value
    switch = reverse("set_language")
    forged = tokens[0][:-1] + ("a" if tokens[0][-1] != "a" else "b")
    assert (
        browser.post(switch, {"language": "en", "csrfmiddlewaretoken": forged}).status_code == 403
    )
    switched = browser.post(switch, {"language": "en", "csrfmiddlewaretoken": tokens[0]})
    assert switched.status_code == 302
    headers = {k.lower(): v for k, v in pages[0][1]}
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


@needs_fast
def test_progress_outline_and_name_changes_show_at_once(world: World, pd_course: Course) -> None:
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    url = reverse("lms:course", args=[pd_course.pk])
    cookies = _browser(teacher, url)
    assert "✓" not in _compare(url, cookies, served=True)
    services.record_view(teacher, Activity.objects.get(title="Bài 2.1"))
    assert _compare(url, cookies, served=True).count("✓") == 1
    module = pd_course.modules.first()
    assert module is not None
    services.add_activity(
        world.department_admin, module, kind=K.CONTENT, title="Bài mới", rule=R.VIEWED
    )
    assert "Bài mới" in _compare(url, cookies, served=True)
    teacher.full_name = "Nguyễn Thị Mới"
    teacher.save(update_fields=["full_name"])
    assert "Nguyễn Thị Mới" in _compare(url, cookies, served=True)


@needs_fast
def test_learners_share_the_frame_but_see_only_their_own_name_and_progress(
    world: World, pd_course: Course
) -> None:
    url = reverse("lms:course", args=[pd_course.pk])
    first, second = world.a.teacher, world.b.teacher
    first.full_name, second.full_name = "Lê Văn <Một>", "Trần Thị Hai"
    first.save(update_fields=["full_name"])
    second.save(update_fields=["full_name"])
    for teacher in (first, second):
        services.enrol_self(teacher, pd_course)
    services.record_view(first, Activity.objects.get(title="Bài 1.1"))
    body = _compare(url, _browser(first, url), served=True)
    assert "Lê Văn &lt;Một&gt;" in body
    assert body.count("✓") == 1
    # The second learner's page is made from the frame kept for the first one.
    cookies = _browser(second, url)
    before = _layer().served
    (page,) = _fetch(url, cookies, fast=True)
    assert _layer().served == before + 1
    assert "Trần Thị Hai" in page[2]
    assert "Một" not in page[2]
    assert "✓" not in page[2]
    (django_page,) = _fetch(url, cookies, fast=False)
    assert _same(page, cookies) == _same(django_page, cookies)


@needs_fast
def test_changed_password_refuses_the_old_session_as_django_does(
    world: World, pd_course: Course
) -> None:
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    url = reverse("lms:course", args=[pd_course.pk])
    cookies = _browser(teacher, url)
    _compare(url, cookies, served=True)  # the page is in the cache
    # Django flushes a refused session: each path gets its own copy of the old one.
    copies = [_copy_session(cookies) for _ in range(2)]
    teacher.set_password("mật-khẩu-mới-2026")
    teacher.save()
    pages = [
        _fetch(url, copy, fast=fast)[0] for copy, fast in zip(copies, (False, True), strict=True)
    ]
    assert _same(pages[0], copies[0])[:2] == _same(pages[1], copies[1])[:2]
    for status, headers, _body in pages:
        assert status == 302
        assert {k.lower(): v for k, v in headers}["location"].startswith(reverse("login"))


def _copy_session(cookies: dict[str, str]) -> dict[str, str]:
    """Another session with the same contents (same user, same password hash)."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    old = SessionStore(session_key=cookies[settings.SESSION_COOKIE_NAME]).load()
    fresh = SessionStore()
    fresh.update(old)
    fresh.create()
    return {**cookies, settings.SESSION_COOKIE_NAME: str(fresh.session_key)}


@needs_fast
def test_refusals_are_djangos(world: World, pd_course: Course) -> None:
    url = reverse("lms:course", args=[pd_course.pk])
    # Not enrolled: 404 from Django on both paths.
    cookies = _browser(world.b.teacher, url)
    _compare(url, cookies, served=False)
    assert _fetch(url, cookies, fast=True)[0][0] == 404
    # Signed out: the sign-in redirect.
    anonymous = {settings.CSRF_COOKIE_NAME: cookies[settings.CSRF_COOKIE_NAME]}
    _compare(url, anonymous, served=False)
    assert _fetch(url, anonymous, fast=True)[0][0] == 302
    # Signed in but no CSRF cookie yet: Django sets one, so Django answers.
    services.enrol_self(world.b.teacher, pd_course)
    without = {k: v for k, v in cookies.items() if k != settings.CSRF_COOKIE_NAME}
    before = _layer().served
    status, headers, _body = _fetch(url, without, fast=True)[0]
    assert status == 200
    assert any(k.lower() == "set-cookie" for k, _v in headers)
    assert _layer().served == before
    # Unenrolled after the page was cached: Django's 404 again.
    _compare(url, cookies, served=True)
    pd_course.enrolments.filter(user=world.b.teacher).delete()
    assert _fetch(url, cookies, fast=True)[0][0] == 404


@needs_fast
def test_managers_and_staff(world: World, pd_course: Course) -> None:
    url = reverse("lms:course", args=[pd_course.pk])
    # The course's author manages it: Django's page with the editor link, never the fast path.
    services.enrol_self(world.department_admin, pd_course)
    body = _compare(url, _browser(world.department_admin, url), served=False)
    assert "Soạn khoá học" in body
    # A staff learner sees the CMS link in the menu, as Django shows it.
    teacher = world.a.teacher
    teacher.is_staff = True
    teacher.save(update_fields=["is_staff"])
    services.enrol_self(teacher, pd_course)
    body = _compare(url, _browser(teacher, url), served=True)
    assert "/cms/" in body
    assert "Soạn khoá học" not in body


@needs_fast
def test_language_follows_the_switch(world: World, pd_course: Course) -> None:
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    url = reverse("lms:course", args=[pd_course.pk])
    english = _browser(teacher, url, language="en")
    body = _compare(url, english, served=True)
    assert '<html lang="en">' in body
    vietnamese = {k: v for k, v in english.items() if k != settings.LANGUAGE_COOKIE_NAME}
    assert '<html lang="vi">' in _compare(url, vietnamese, served=True)
    # A language Django does not offer: Django decides.
    _compare(url, {**english, settings.LANGUAGE_COOKIE_NAME: "fr"}, served=False)


@needs_fast
def test_switched_off_everything_goes_to_django(
    world: World, pd_course: Course, settings: Any
) -> None:
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    url = reverse("lms:course", args=[pd_course.pk])
    cookies = _browser(teacher, url)
    before = _layer().served
    _fetch(url, cookies, fast=False, times=2)
    assert _layer().served == before


def test_without_postgresql_and_redis_the_page_is_djangos(world: World, pd_course: Course) -> None:
    """On SQLite + local memory (or any other setup the fast path does not know) the ASGI
    application gives Django's page unchanged, for learners and refusals alike."""
    if FAST:
        pytest.skip("runs where the fast path is off")
    assert not fastpage.enabled()
    teacher = world.a.teacher
    services.enrol_self(teacher, pd_course)
    url = reverse("lms:course", args=[pd_course.pk])
    cookies = _browser(teacher, url)
    before = _layer().served
    (page,) = _fetch(url, cookies, fast=True)
    expected = Client()
    expected.cookies.load(cookies)
    reference = expected.get(url)
    assert page[0] == reference.status_code == 200
    assert (
        _same(page, cookies)[2]
        == _same((200, [("X-Request-ID", "x")], reference.content.decode()), cookies)[2]
    )
    assert _fetch(url, _browser(world.b.teacher, url), fast=True)[0][0] == 404
    assert _layer().served == before
