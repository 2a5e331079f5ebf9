"""Sign-in through the sector identity provider / VNeID (OpenID Connect, mozilla-django-oidc).

The provider vouches for a national identifier (a claim, named by `OIDC_NATIONAL_ID_CLAIM`).
We never create accounts from it: a person signs in only if the roster already gave them an
account with that identifier and the account is active. Every sign-in and every refusal is
audited; a refusal keeps only a masked identifier, since the person may not be ours.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import audit
from .models import NATIONAL_ID_RE, User

REFUSAL_SESSION_KEY = "oidc_refusal"


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def mask(national_id: str) -> str:
    """Enough to recognise a typo, not enough to identify a stranger."""
    if len(national_id) < 8:
        return "*" * len(national_id)
    return national_id[:3] + "*" * (len(national_id) - 7) + national_id[-4:]


class Refused(Exception):
    def __init__(self, reason: str, national_id: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.national_id = national_id


def match_roster_person(claims: dict[str, Any]) -> User:
    """The account the claims belong to, or `Refused` with the reason."""
    raw = claims.get(settings.OIDC_NATIONAL_ID_CLAIM)
    national_id = str(raw).strip() if raw is not None else ""
    if not re.fullmatch(NATIONAL_ID_RE, national_id):
        raise Refused("no_national_id", national_id)
    user = User.objects.filter(national_id=national_id).first()
    if user is None:
        raise Refused("not_in_roster", national_id)
    if not user.is_active:
        raise Refused("inactive", national_id)
    return user


def record_refusal(request: HttpRequest | None, refusal: Refused) -> None:
    audit.record(
        "auth.oidc_refused",
        object_type=User._meta.label_lower,
        object_repr=mask(refusal.national_id),
        after={"reason": refusal.reason, "claim": settings.OIDC_NATIONAL_ID_CLAIM},
    )
    if request is not None and hasattr(request, "session"):
        request.session[REFUSAL_SESSION_KEY] = refusal.reason


class RosterOIDCBackend(OIDCAuthenticationBackend):
    """Links a provider identity to the roster account with the same national identifier."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if not enabled():
            return None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        # Either token may carry the identifier; the verified ID token wins over userinfo.
        claims = {**userinfo, **payload}
        try:
            user = match_roster_person(claims)
        except Refused as refusal:
            record_refusal(self.request, refusal)
            return None
        audit.record(
            "auth.oidc_login",
            user,
            actor=user,
            after={"claim": settings.OIDC_NATIONAL_ID_CLAIM, "sub": str(claims.get("sub", ""))},
        )
        return user


class AuthenticateView(OIDCAuthenticationRequestView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        return super().get(request)


def refused(request: HttpRequest) -> HttpResponse:
    """Where a refused sign-in lands: says why in plain Vietnamese, with no account made."""
    reason = request.session.pop(REFUSAL_SESSION_KEY, "failed")
    return render(request, "registration/oidc_refused.html", {"reason": reason}, status=403)
