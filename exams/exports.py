"""The exam's Excel exports, built here so the views only check access and answer.

Every row goes through core's safe_row: names, class names and subject names are typed by people
and a leading "=" must stay text in the coordinator's spreadsheet program.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.api import safe_row, workbook_bytes

from .analysis import analyse_subject
from .models import Candidate, Exam


def results_workbook(exam: Exam) -> bytes:
    """One sheet per room, one per class: number, name, version, state, score, receipt."""
    from openpyxl import Workbook

    rows = list(
        Candidate.objects.filter(exam=exam)
        .select_related("room", "attempt")
        .order_by("room__name", "seat", "number")
    )
    header = [
        _("Số báo danh"),
        _("Họ và tên"),
        _("Lớp"),
        _("Phòng"),
        _("Ghế"),
        _("Mã đề"),
        _("Trạng thái"),
        _("Điểm"),
        _("Mã biên nhận"),
    ]
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    groups: dict[str, list[Candidate]] = {}
    for c in rows:
        groups.setdefault(_("Phòng %(r)s") % {"r": c.room.name if c.room else "—"}, []).append(c)
    for c in sorted(rows, key=lambda c: (c.class_name, c.name_key)):
        groups.setdefault(_("Lớp %(c)s") % {"c": c.class_name or "—"}, []).append(c)
    for title, members in groups.items():
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for c in members:
            a = c.attempt
            ws.append(
                safe_row(
                    [
                        c.number,
                        c.full_name,
                        c.class_name,
                        c.room.name if c.room else "",
                        c.seat,
                        a.version_code,
                        a.get_state_display(),
                        float(a.score) if a.score is not None else None,
                        a.receipt,
                    ]
                )
            )
    return workbook_bytes(wb)


def item_analysis_workbook(exam: Exam) -> bytes:
    """Item statistics of every subject of the exam, and the true/false statements apart."""
    from openpyxl import Workbook

    wb = Workbook()
    items = wb.active
    assert items is not None
    items.title = _("Phân tích câu hỏi")
    items.append(
        safe_row(
            [
                _("Môn thi"),
                _("Câu"),
                _("Phiên bản câu hỏi"),
                _("Loại"),
                _("Đáp án"),
                _("Số bài"),
                _("Độ khó p"),
                _("Hệ số tương quan điểm – tổng"),
                _("Độ phân biệt D"),
                _("Số lượt chọn từng phương án"),
            ]
        )
    )
    statements = wb.create_sheet(_("Mệnh đề đúng sai"))
    statements.append(
        safe_row(
            [
                _("Môn thi"),
                _("Câu"),
                _("Mệnh đề"),
                _("Đáp án"),
                _("Chọn Đ"),
                _("Chọn S"),
                _("Bỏ trống"),
                _("Độ khó p"),
                _("Độ phân biệt D"),
            ]
        )
    )
    for subject in exam.subjects.select_related("test").order_by("pk"):
        for i in analyse_subject(subject).items:
            items.append(
                safe_row(
                    [
                        subject.name,
                        i.number,
                        i.item_version,
                        i.type,
                        i.key,
                        i.responses,
                        i.facility,
                        i.point_biserial,
                        i.discrimination_27,
                        "; ".join(f"{k or '—'}: {n}" for k, n in i.distractors.items()),
                    ]
                )
            )
            for s in i.statements:
                statements.append(
                    safe_row(
                        [
                            subject.name,
                            i.number,
                            s.statement,
                            s.key,
                            s.counts["Đ"],
                            s.counts["S"],
                            s.counts[""],
                            s.facility,
                            s.discrimination_27,
                        ]
                    )
                )
    return workbook_bytes(wb)
