"""OpenID Connect sign-in against a real provider (django-oauth-toolkit) on loopback."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core import oidc
from core.models import AuditEvent, User
from tests import factories
from tests.identity.conftest import IN_ROSTER, INACTIVE, STRANGER
from tests.identity.oidc_flow import sign_in

pytestmark = pytest.mark.django_db


def _student(national_id: str, **kwargs: Any) -> User:
    return factories.StudentFactory.create(national_id=national_id, username=national_id, **kwargs)


def _signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_roster_person_signs_in_and_is_linked_once(oidc_on):
    student = _student(IN_ROSTER)
    users_before = User.objects.count()
    client = Client()
    assert sign_in(client, oidc_on, "hocsinh", "mk-hocsinh-1") == "/"
    assert _signed_in_as(client) == student.pk
    assert client.get("/").status_code == 200

    again = Client()
    sign_in(again, oidc_on, "hocsinh", "mk-hocsinh-1")
    assert _signed_in_as(again) == student.pk
    assert User.objects.count() == users_before
    logins = AuditEvent.objects.filter(action="auth.oidc_login", object_id=str(student.pk))
    assert logins.count() == 2
    assert logins.first().actor_id == student.pk
    assert logins.first().after["claim"] == "national_id"


def test_person_not_in_roster_is_refused_and_no_account_is_made(oidc_on):
    users_before = User.objects.count()
    client = Client()
    landing = sign_in(client, oidc_on, "nguoila", "mk-nguoila-1")
    assert landing == "/accounts/oidc/refused/"
    assert _signed_in_as(client) is None
    page = client.get(landing)
    assert page.status_code == 403
    assert "chưa có trong danh sách" in page.content.decode()
    assert User.objects.count() == users_before
    assert not User.objects.filter(national_id=STRANGER).exists()
    refusal = AuditEvent.objects.get(action="auth.oidc_refused")
    assert refusal.after["reason"] == "not_in_roster"
    # Only a masked identifier is kept about someone who is not ours.
    assert STRANGER not in refusal.object_repr
    assert refusal.object_repr == "001*****0777"


def test_inactive_account_is_refused(oidc_on):
    _student(INACTIVE, is_active=False)
    client = Client()
    landing = sign_in(client, oidc_on, "dakhoa", "mk-dakhoa-1")
    assert landing == "/accounts/oidc/refused/"
    assert _signed_in_as(client) is None
    assert "đã bị khoá" in client.get(landing).content.decode()
    assert AuditEvent.objects.get(action="auth.oidc_refused").after["reason"] == "inactive"


def test_provider_without_the_identifier_claim_is_refused(oidc_on):
    client = Client()
    assert sign_in(client, oidc_on, "khongma", "mk-khongma-1") == "/accounts/oidc/refused/"
    assert _signed_in_as(client) is None
    assert AuditEvent.objects.get(action="auth.oidc_refused").after["reason"] == ("no_national_id")


def test_claim_name_comes_from_settings(oidc_on, settings):
    _student(IN_ROSTER)
    # The provider sends the identifier as "national_id"; told to read "name" instead, the
    # platform finds no 12-digit identifier there and refuses.
    settings.OIDC_NATIONAL_ID_CLAIM = "name"
    client = Client()
    assert sign_in(client, oidc_on, "hocsinh", "mk-hocsinh-1") == "/accounts/oidc/refused/"
    assert _signed_in_as(client) is None


def test_matching_reads_the_configured_claim(settings):
    student = _student("079208009999")
    settings.OIDC_NATIONAL_ID_CLAIM = "so_dinh_danh"
    assert oidc.match_roster_person({"so_dinh_danh": "079208009999"}) == student
    with pytest.raises(oidc.Refused) as refused:
        oidc.match_roster_person({"national_id": "079208009999"})
    assert refused.value.reason == "no_national_id"


def test_login_page_offers_the_button_only_when_enabled(client, settings):
    settings.OIDC_ENABLED = False
    page = client.get("/accounts/login/").content.decode()
    assert "Đăng nhập bằng VNeID / định danh ngành" not in page
    assert client.get("/oidc/authenticate/").status_code == 404
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://sso.example.vn/o/authorize/"
    settings.OIDC_RP_CLIENT_ID = "hoclieu"
    page = client.get("/accounts/login/").content.decode()
    assert "Đăng nhập bằng VNeID / định danh ngành" in page
    assert 'href="/oidc/authenticate/"' in page
    # Local sign-in stays.
    assert 'name="password"' in page


def test_callback_is_closed_when_disabled(client, settings):
    settings.OIDC_ENABLED = False
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
