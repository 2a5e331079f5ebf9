"""The public verification page: no login, anyone can check a bundle or an item code."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .api import latest, verify
from .bundle import verify_zip
from .verification import Verdict

MAX_BUNDLE_BYTES = 500 * 1024 * 1024


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _context(verdict: Verdict) -> dict[str, object]:
    by_role = {s.role: s for s in verdict.signers}
    return {
        "verdict": verdict,
        "author": by_role.get("author"),
        "approver": by_role.get("approver"),
        "seal": by_role.get("seal"),
        "manifest": verdict.manifest or {},
    }


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("provenance:item", code=code)
    context: dict[str, object] = {}
    if request.method == "POST":
        upload = request.FILES.get("bundle")
        if upload is None:
            context["error"] = _("Hãy chọn tệp gói học liệu (.zip) để kiểm tra.")
        elif upload.size is not None and upload.size > MAX_BUNDLE_BYTES:
            context["error"] = _("Tệp quá lớn (tối đa 500 MB).")
        else:
            context |= _context(verify_zip(upload.open("rb")))
            context["uploaded_name"] = upload.name
    return render(request, "provenance/verify.html", context)


def item_page(request: HttpRequest, code: str) -> HttpResponse:
    context: dict[str, object] = {"code": code}
    if latest(code) is not None:
        context |= _context(verify(code))
        url = request.build_absolute_uri(reverse("provenance:item", args=[code]))
        context["qr_svg"] = _qr_svg(url)
        context["page_url"] = url
    status = 200 if "verdict" in context else 404
    return render(request, "provenance/verify.html", context, status=status)
