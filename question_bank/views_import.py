"""The import wizard: upload → preview with located errors → commit (big files in Celery with
progress polled by HTMX) → report; plus the downloadable templates."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api import workbook_bytes, xlsx_response

from . import permissions, services
from .importers import FORMATS
from .importers.tabular import TEMPLATE_HEADERS, TEMPLATE_ROWS
from .models import ImportJob

FORMAT_LABELS = {
    "auto": gettext_lazy("Tự nhận dạng"),
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "csv": "CSV",
    "qti": "QTI 2.1/2.2/3.0 (.xml, .zip)",
    "moodlexml": "Moodle XML",
    "gift": "GIFT",
    "aiken": "Aiken",
    "cloze": "Moodle cloze",
}
MAX_UPLOAD = 20 * 1024 * 1024


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    # another person's upload is 404, like other schools' objects
    return get_object_or_404(ImportJob, pk=job_id, owner=request.user)


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    if not permissions.can_author(request.user):
        raise PermissionDenied
    context = {"formats": [(f, FORMAT_LABELS[f]) for f in FORMATS], "values": request.POST}
    if request.method == "POST":
        upload = request.FILES.get("file")
        fmt = request.POST.get("format", "auto")
        error = ""
        if upload is None:
            error = _("Chưa chọn tệp.")
        elif upload.size and upload.size > MAX_UPLOAD:
            error = _("Tệp quá lớn (tối đa 20 MB).")
        elif fmt not in FORMATS:
            error = _("Định dạng không được hỗ trợ.")
        if error:
            context["error"] = error
            return render(request, "question_bank/import_start.html", context, status=400)
        assert upload is not None
        try:
            job = services.upload_import(
                request.user,
                upload.read(),
                upload.name or "upload",
                fmt=fmt,
                bank=request.POST.get("bank", "").strip(),
                all_or_nothing=request.POST.get("mode") == "all_or_nothing",
            )
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "question_bank/import_start.html", context, status=400)
        return redirect("question_bank:import_job", job_id=job.pk)
    return render(request, "question_bank/import_start.html", context)


def _job_context(job: ImportJob) -> dict[str, object]:
    progress = services.import_progress(job.pk)
    total = progress["total"] or job.total or 1
    return {
        "job": job,
        "report": job.report,
        "bad": sum(1 for row in job.preview if row["errors"]),
        "progress": progress,
        "percent": min(100, round(progress["done"] * 100 / total)),
    }


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "question_bank/import_job.html", _job_context(_job(request, job_id)))


@login_required
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """HTMX polls this while the job runs; the fragment stops polling once the job is done."""
    return render(
        request, "question_bank/_import_progress.html", _job_context(_job(request, job_id))
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    services.commit_import(request.user, job)
    return redirect("question_bank:import_job", job_id=job.pk)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse | FileResponse:
    """Blank templates with a sample of each 2025 part: docx (docs/), xlsx and csv."""
    if kind == "docx":
        path = Path(settings.BASE_DIR) / "docs" / "question-bank-template.docx"
        return FileResponse(path.open("rb"), as_attachment=True, filename="mau-cau-hoi.docx")
    if kind == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(out)
        writer.writerow(TEMPLATE_HEADERS)
        writer.writerows(TEMPLATE_ROWS)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="mau-cau-hoi.csv"'
        return response
    if kind == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Câu hỏi"
        sheet.append(list(TEMPLATE_HEADERS))
        for row in TEMPLATE_ROWS:
            sheet.append(list(row))
        return xlsx_response(workbook_bytes(book), "mau-cau-hoi.xlsx")
    raise Http404
