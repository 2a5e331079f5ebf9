"""Upload page for IMS Common Cartridges: upload → preview of the pages and problems → confirm.

The uploaded file waits in storage between preview and confirmation, named by a signed token
that only its uploader can use (for an hour); confirming imports it all or nothing.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.api import Subject, permissions

from . import services
from .cartridge_pages import plan_cartridge
from .models import LibraryPage, Licence
from .packages.report import UnreadablePackage

SALT = "content.cartridge"
MAX_AGE = 3600
MAX_BYTES = 500 * 1024 * 1024
STAGING = "cartridge-imports/"


def _libraries(user: Any) -> list[LibraryPage]:
    """The school libraries the person may add materials to."""
    return [
        library
        for library in LibraryPage.objects.filter(school__isnull=False).select_related("school")
        if permissions.reaches(user, library.school, permissions.STAFF_ROLES)
    ]


class CartridgeForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp IMS Common Cartridge (.imscc)"))
    library = forms.TypedChoiceField(label=gettext_lazy("Thư viện của trường"), coerce=int)
    subject = forms.ModelChoiceField(Subject.objects.all(), label=gettext_lazy("Môn học"))
    grade = forms.TypedChoiceField(
        label=gettext_lazy("Khối lớp"), coerce=int, choices=[(g, g) for g in range(1, 13)]
    )
    licence = forms.ChoiceField(label=gettext_lazy("Giấy phép"), choices=Licence.choices)

    def __init__(self, *args: Any, libraries: list[LibraryPage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["library"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(lib.pk, lib.title) for lib in libraries]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".imscc", ".zip")):
            raise ValidationError(_("Hãy chọn tệp .imscc (hoặc .zip) của gói Common Cartridge."))
        if upload.size > MAX_BYTES:
            raise ValidationError(_("Tệp lớn hơn 500 MB."))
        return upload


@contextmanager
def _local_copy(name: str) -> Iterator[Path]:
    """The staged upload as a local file (storage may be remote)."""
    with tempfile.TemporaryDirectory(prefix="imscc-") as work:
        target = Path(work) / "cartridge.imscc"
        with default_storage.open(name, "rb") as stream, target.open("wb") as out:
            shutil.copyfileobj(stream, out)
        yield target


def _problems(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def cartridge_import(request: HttpRequest) -> HttpResponse:
    libraries = _libraries(request.user)
    if not libraries:
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("token"):
        return _confirm(request, libraries)
    form = CartridgeForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        libraries=libraries,
    )
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        staged = default_storage.save(f"{STAGING}{uuid.uuid4()}.imscc", form.cleaned_data["file"])
        try:
            with _local_copy(staged) as path:
                plan = plan_cartridge(path)
        except UnreadablePackage as exc:
            default_storage.delete(staged)
            context["errors"] = [_("Không đọc được tệp: %(error)s") % {"error": exc}]
        except ValidationError as exc:
            default_storage.delete(staged)
            context["errors"] = _problems(exc)
        else:
            data = form.cleaned_data
            context["plan"] = plan
            context["token"] = signing.dumps(
                {
                    "u": request.user.pk,
                    "f": staged,
                    "l": data["library"],
                    "s": data["subject"].pk,
                    "g": data["grade"],
                    "c": data["licence"],
                    "n": form.cleaned_data["file"].name,
                },
                salt=SALT,
            )
    return render(request, "content/cartridge_import.html", context)


def _confirm(request: HttpRequest, libraries: list[LibraryPage]) -> HttpResponse:
    try:
        data = signing.loads(request.POST["token"], salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("u") != request.user.pk:
        errors = [_("Phiên xem trước đã hết hạn, hãy tải tệp lên lại.")]
        return render(request, "content/cartridge_import.html", {"errors": errors}, status=400)
    library = next((lib for lib in libraries if lib.pk == data["l"]), None)
    if library is None or not default_storage.exists(data["f"]):
        errors = [_("Phiên xem trước đã hết hạn, hãy tải tệp lên lại.")]
        return render(request, "content/cartridge_import.html", {"errors": errors}, status=400)
    try:
        with _local_copy(data["f"]) as path:
            result = services.import_cartridge(
                library,
                path,
                author=request.user,
                subject=Subject.objects.get(pk=data["s"]),
                grade=data["g"],
                licence=data["c"],
                school=library.school,
                source_name=data["n"],
            )
    except ValidationError as exc:
        context = {"errors": _problems(exc)}
        return render(request, "content/cartridge_import.html", context, status=400)
    default_storage.delete(data["f"])
    return render(request, "content/cartridge_import.html", {"result": result})
