"""Pages for the TOTP second factor: enrol (QR code), verify after sign-in, turn off."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import twofactor
from .http import AuthedRequest


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã xác thực"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: AuthedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return "/"
    return target


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: AuthedRequest) -> HttpResponse:
    enrolled = twofactor.is_enrolled(request.user)
    if enrolled and request.method == "GET":
        return render(request, "core/otp_setup.html", {"enrolled": True})
    device = twofactor.start_enrolment(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_enrolment(request, request.user, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "core/otp_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", _("Mã không đúng. Hãy nhập mã đang hiện trong ứng dụng xác thực."))
    return render(
        request,
        "core/otp_setup.html",
        {
            "enrolled": False,
            "form": form,
            "secret": device.config_url.split("secret=")[1].split("&")[0],
            "next": _next(request),
        },
    )


@never_cache
@login_required
@require_GET
def qr(request: AuthedRequest) -> HttpResponse:
    """The enrolment QR code as an image, never for an already confirmed factor."""
    device = twofactor.start_enrolment(request.user)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthedRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request, request.user, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("Mã không đúng hoặc đã dùng."))
    return render(request, "core/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
@require_POST
def disable(request: AuthedRequest) -> HttpResponse:
    twofactor.disable(request.user, request.user)
    request.session.pop(twofactor.SESSION_KEY, None)
    messages.success(request, _("Đã tắt xác thực hai lớp."))
    return redirect("otp_setup")
