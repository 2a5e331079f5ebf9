"""Optional TOTP second factor (django-otp) with one-time recovery codes.

Required for a person once they enrol, and for every school/department admin and exam
coordinator when OTP_REQUIRED_FOR_ADMIN_ROLES is on. After a password (or OIDC) sign-in,
`SecondFactorMiddleware` sends such a person to the verification page until they give a code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, permissions
from .models import Role, User

ADMIN_ROLES = (Role.SCHOOL_ADMIN, Role.DEPARTMENT_ADMIN, Role.EXAM_COORDINATOR)
RECOVERY_CODES = 10
SESSION_KEY = "second_factor_required"
# Pages a person who still owes a code may reach.
EXEMPT_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/oidc/",
    "/static/",
    "/healthz",
    "/i18n/",
)


def is_enrolled(user: User) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def role_requires_it(user: User) -> bool:
    return bool(
        settings.OTP_REQUIRED_FOR_ADMIN_ROLES
        and (user.is_superuser or permissions.has_role(user, ADMIN_ROLES))
    )


def start_enrolment(user: User) -> TOTPDevice:
    """The person's unconfirmed authenticator, made once and shown until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="totp", confirmed=False)
    return device


def confirm_enrolment(request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Check the first code from the app; on success turn the factor on and return fresh
    recovery codes (shown once). None when the code is wrong."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        audit.record("auth.otp_enrol_failed", user, actor=user)
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record("auth.otp_enrol", user, actor=user, after={"recovery_codes": len(codes)})
    django_otp.login(request, device)
    request.session[SESSION_KEY] = {"uid": user.pk, "required": True}
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


def verify(request: HttpRequest, user: User, token: str) -> bool:
    """A TOTP code or an unused recovery code; marks the session verified."""
    token = token.strip().replace(" ", "")
    for device in django_otp.devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            django_otp.login(request, device)
            kind = "recovery" if isinstance(device, StaticDevice) else "totp"
            audit.record("auth.otp_verify", user, actor=user, after={"device": kind})
            return True
    audit.record("auth.otp_failed", user, actor=user)
    return False


def disable(actor: Any, user: User) -> None:
    with transaction.atomic():
        for device in list(django_otp.devices_for_user(user, confirmed=None)):
            device.delete()
        audit.record("auth.otp_disable", user, actor=actor)


def remember_requirement(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = {
            "uid": user.pk,
            "required": is_enrolled(user) or role_requires_it(user),
        }


def _required(request: HttpRequest) -> bool:
    """Computed once per signed-in session: the check costs queries and runs on every page."""
    user = request.user
    cached = request.session.get(SESSION_KEY)
    if not isinstance(cached, dict) or cached.get("uid") != user.pk:
        assert isinstance(user, User)
        cached = {"uid": user.pk, "required": is_enrolled(user) or role_requires_it(user)}
        request.session[SESSION_KEY] = cached
    return bool(cached["required"])


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: hold back people who owe a second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and _required(request)
            # is_verified comes from django_otp's OTPMiddleware, which runs before this one.
            and not user.is_verified()  # type: ignore[union-attr,attr-defined,unused-ignore]
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Cần xác thực hai lớp trước khi dùng API.")}, status=403
                )
            assert isinstance(user, User)
            target = "otp_verify" if is_enrolled(user) else "otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
