"""A teacher's Word lesson plan (5512 structure): import, export to .docx and PDF, re-import."""

from __future__ import annotations

import io

import pytest
from docx import Document
from weasyprint import HTML

from content.lessonplan import LessonPlanData, print_html, read_docx, write_docx, write_pdf
from content.models import LessonPlanPage
from content.services import import_lesson_plan_docx

from .conftest import ContentWorld


def teacher_docx() -> bytes:
    """A lesson plan as teachers write it: numbered headings, colons, a stray header and annex."""
    doc = Document()
    doc.add_paragraph("Trường THPT Lê Lợi — Tổ Toán")
    doc.add_paragraph("Ngày soạn: 05/09/2026")
    doc.add_heading("I. MỤC TIÊU", level=1)
    doc.add_paragraph("1. Kiến thức: Nhận biết hàm số bậc hai.")
    doc.add_paragraph("Vẽ được đồ thị y = ax² + bx + c.")
    doc.add_paragraph("2. Năng lực")
    doc.add_paragraph("Tư duy và lập luận toán học.")
    doc.add_paragraph("3. Phẩm chất: Chăm chỉ, trách nhiệm.")
    doc.add_heading("II. THIẾT BỊ DẠY HỌC VÀ HỌC LIỆU", level=1)
    doc.add_paragraph("Máy chiếu, phiếu học tập số 1.")
    doc.add_heading("III. TIẾN TRÌNH DẠY HỌC", level=1)
    doc.add_heading("Hoạt động 1: Khởi động (5 phút)", level=2)
    doc.add_paragraph("a) Mục tiêu: Gợi nhu cầu tìm hiểu parabol.")
    doc.add_paragraph("b) Nội dung: Quan sát cổng parabol.")
    doc.add_paragraph("c) Sản phẩm: Câu trả lời của HS.")
    doc.add_paragraph("d) Tổ chức thực hiện:")
    doc.add_paragraph("GV chiếu ảnh, HS thảo luận cặp đôi.")
    doc.add_heading("Hoạt động 2: Hình thành kiến thức mới", level=2)
    doc.add_paragraph("a) Mục tiêu: Nắm định nghĩa.")
    doc.add_heading("Hoạt động 3: Luyện tập", level=2)
    doc.add_paragraph("b) Nội dung: Bài 1, 2 trang 42.")
    doc.add_heading("Hoạt động 4: Vận dụng", level=2)
    doc.add_paragraph("c) Sản phẩm: Mô hình cổng parabol.")
    doc.add_heading("IV. PHỤ LỤC", level=1)
    doc.add_paragraph("Phiếu học tập số 1.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def expected() -> dict:
    return {
        "title": "Trường THPT Lê Lợi — Tổ Toán",
        "objectives": {
            "knowledge": ["Nhận biết hàm số bậc hai.", "Vẽ được đồ thị y = ax² + bx + c."],
            "competences": ["Tư duy và lập luận toán học."],
            "qualities": ["Chăm chỉ, trách nhiệm."],
        },
        "equipment": ["Máy chiếu, phiếu học tập số 1."],
        "activities": [
            (
                "opening",
                "Khởi động (5 phút)",
                {
                    "aim": ["Gợi nhu cầu tìm hiểu parabol."],
                    "content": ["Quan sát cổng parabol."],
                    "product": ["Câu trả lời của HS."],
                    "organisation": ["GV chiếu ảnh, HS thảo luận cặp đôi."],
                },
            ),
            (
                "new_knowledge",
                "Hình thành kiến thức mới",
                {"aim": ["Nắm định nghĩa."], "content": [], "product": [], "organisation": []},
            ),
            (
                "practice",
                "Luyện tập",
                {"aim": [], "content": ["Bài 1, 2 trang 42."], "product": [], "organisation": []},
            ),
            (
                "application",
                "Vận dụng",
                {
                    "aim": [],
                    "content": [],
                    "product": ["Mô hình cổng parabol."],
                    "organisation": [],
                },
            ),
        ],
        "unmapped": ["Ngày soạn: 05/09/2026", "IV. PHỤ LỤC", "Phiếu học tập số 1."],
    }


def as_dict(data: LessonPlanData) -> dict:
    return {
        "title": data.title,
        "objectives": data.objectives,
        "equipment": data.equipment,
        "activities": [(a.kind, a.title, a.parts) for a in data.activities],
        "unmapped": data.unmapped,
    }


def test_teacher_docx_maps_onto_5512_structure() -> None:
    assert as_dict(read_docx(io.BytesIO(teacher_docx()))) == expected()


def test_docx_export_then_import_round_trips() -> None:
    first = read_docx(io.BytesIO(teacher_docx()))
    again = read_docx(io.BytesIO(write_docx(first)))
    assert as_dict(again) == as_dict(first)


def test_pdf_export_is_made_from_the_structured_plan() -> None:
    data = read_docx(io.BytesIO(teacher_docx()))
    markup = print_html(data)
    assert "<h3>Hoạt động 1: Khởi động (5 phút)</h3>" in markup
    assert "<h4>d) Tổ chức thực hiện</h4>" in markup
    assert "<p>GV chiếu ảnh, HS thảo luận cặp đôi.</p>" in markup
    pdf = write_pdf(data)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(HTML(string=markup).render().pages) >= 1


@pytest.mark.django_db
def test_import_into_a_page_and_export_from_it(content_world: ContentWorld) -> None:
    w = content_world.world
    page, _ = import_lesson_plan_docx(
        content_world.library_a,
        io.BytesIO(teacher_docx()),
        author=w.a.teacher,
        subject=content_world.maths,
        grade=10,
        topic="Hàm số bậc hai",
        school=w.a.school,
    )
    page = LessonPlanPage.objects.get(pk=page.pk)
    assert page.live is False
    assert page.title == "Trường THPT Lê Lợi — Tổ Toán"
    assert page.search_folded == "truong thpt le loi — to toan ham so bac hai "
    assert [b.block_type for b in page.objectives] == ["knowledge", "competences", "qualities"]
    assert "<p>Ngày soạn: 05/09/2026</p>" in page.unmapped
    from_page = LessonPlanData.from_page(page)
    assert as_dict(from_page) == expected()
    assert as_dict(read_docx(io.BytesIO(write_docx(from_page)))) == expected()
