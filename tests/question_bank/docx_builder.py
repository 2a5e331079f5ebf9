"""Builds Word tests the way Vietnamese teachers write them, with python-docx."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from docx import Document
from docx.oxml import parse_xml
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph
from PIL import Image

M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
OMML_FRACTION = (
    f'<m:oMath xmlns:m="{M_NS}"><m:f><m:num><m:r><m:t>1</m:t></m:r></m:num>'
    "<m:den><m:r><m:t>2</m:t></m:r></m:den></m:f>"
    "<m:sSup><m:e><m:r><m:t>x</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup>"
    "</m:oMath>"
)


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def options_line(
    doc: Any,
    options: list[tuple[str, str]],
    mark: Callable[[object], None] | None = None,
    marked: str = "",
) -> Paragraph:
    """One paragraph "A. x<TAB>B. y ...", the option `marked` styled with `mark`."""
    p = doc.add_paragraph()
    for i, (label, text) in enumerate(options):
        if i:
            p.add_run("\t")
        run = p.add_run(f"{label}.")
        if mark is not None and label == marked:
            mark(run)
        p.add_run(f" {text}")
    return p


def underline(run: object) -> None:
    run.underline = True


def bold(run: object) -> None:
    run.bold = True


def red(run: object) -> None:
    run.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)


def teacher_test() -> bytes:
    """A 2025-format test using every way teachers mark keys."""
    doc = Document()
    doc.add_paragraph("SỞ GIÁO DỤC VÀ ĐÀO TẠO — ĐỀ KIỂM TRA GIỮA KÌ I — MÔN TOÁN 12")
    doc.add_paragraph("PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn.")
    # Câu 1: underline, options on one line
    doc.add_paragraph("Câu 1: Nghiệm của phương trình bậc hai x² − 3x + 2 = 0 là")
    options_line(
        doc,
        [("A", "x = 1; x = 2"), ("B", "x = −1"), ("C", "x = 3"), ("D", "x = 0")],
        underline,
        "A",
    )
    # Câu 2: bold, one option per line, with a solution
    doc.add_paragraph("Câu 2. Đạo hàm của hàm số y = x³ là")
    for label, text in [("A", "x²"), ("B", "3x²"), ("C", "3x"), ("D", "x³")]:
        p = doc.add_paragraph()
        run = p.add_run(f"{label}.")
        if label == "B":
            run.bold = True
        p.add_run(f" {text}")
    doc.add_paragraph("Lời giải: Ta có y' = 3x².")
    # Câu 3: red colour on the whole option, an image in the stem
    p = doc.add_paragraph("Câu 3: Hình vẽ bên là đồ thị hàm số nào?")
    p.add_run().add_picture(io.BytesIO(png_bytes()))
    for label, text in [("A", "y = x"), ("B", "y = −x"), ("C", "y = x²"), ("D", "y = 2")]:
        p = doc.add_paragraph()
        run = p.add_run(f"{label}. {text}")
        if label == "C":
            red(run)
    # Câu 4: leading asterisk, an OMML equation in the stem
    p = doc.add_paragraph("Câu 4: Giá trị của biểu thức ")
    p._p.append(parse_xml(OMML_FRACTION))
    p.add_run(" khi x = 2 là")
    options_line(doc, [("A", "1"), ("B", "4")])
    doc.add_paragraph("C. 3")
    doc.add_paragraph("*D. 2")
    # Câu 5: "Đáp án:" line
    doc.add_paragraph("Câu 5: Số cạnh của hình lập phương là")
    options_line(doc, [("A", "6"), ("B", "8"), ("C", "12"), ("D", "10")])
    doc.add_paragraph("Đáp án: C")
    # Câu 6: key only in the answer table at the end
    doc.add_paragraph("Câu 6: Tập xác định của hàm số y = 1/x là")
    options_line(doc, [("A", "ℝ"), ("B", "ℝ \\ {0}"), ("C", "(0; +∞)"), ("D", "[0; +∞)")])
    # Câu 7: "Chọn D" at the end of "Hướng dẫn giải"
    doc.add_paragraph("Câu 7: Hàm số y = sin x có chu kì là")
    options_line(doc, [("A", "π/2"), ("B", "π"), ("C", "3π"), ("D", "2π")])
    doc.add_paragraph("Hướng dẫn giải")
    doc.add_paragraph("Chu kì của sin x là 2π. Chọn D.")

    doc.add_paragraph("PHẦN II. Câu trắc nghiệm đúng sai.")
    doc.add_paragraph("Câu 1: Cho hàm số f(x) = x² − 4x + 3.")
    doc.add_paragraph("a) f(1) = 0.")
    doc.add_paragraph("b) Đồ thị có trục đối xứng x = −2.")
    doc.add_paragraph("c) Hàm số đồng biến trên (2; +∞).")
    doc.add_paragraph("d) Giá trị nhỏ nhất của hàm số bằng 1.")
    doc.add_paragraph("Đáp án: a) Đ, b) S, c) Đ, d) S")
    doc.add_paragraph("Câu 2: Trong không gian Oxyz cho điểm M(1; 2; 3).")
    for label, text, true in [
        ("a", "Hoành độ của M là 1.", True),
        ("b", "M thuộc mặt phẳng Oxy.", False),
        ("c", "OM = √14.", True),
        ("d", "M thuộc trục Oz.", False),
    ]:
        p = doc.add_paragraph()
        run = p.add_run(f"{label})")
        if true:
            red(run)
        p.add_run(f" {text}")

    doc.add_paragraph("PHẦN III. Câu trắc nghiệm trả lời ngắn.")
    doc.add_paragraph("Câu 1: Giải phương trình 2x + 3 = 0.")
    doc.add_paragraph("Đáp án: -1,5")
    doc.add_paragraph("Câu 2: Tính xác suất để gieo đồng xu hai lần đều được mặt ngửa.")

    doc.add_paragraph("BẢNG ĐÁP ÁN")
    doc.add_paragraph("PHẦN I")
    table = doc.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [["Câu", "5", "6"], ["Đáp án", "C", "B"]], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    doc.add_paragraph("PHẦN III")
    doc.add_paragraph("Câu 2: 0,25")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def numbered_test(count: int) -> bytes:
    """`count` single-choice questions with underlined keys (for the import benchmark)."""
    doc = Document()
    doc.add_paragraph("PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn.")
    for n in range(1, count + 1):
        doc.add_paragraph(
            f"Câu {n}: Phương trình bậc hai số {n} có bao nhiêu nghiệm thực phân biệt?"
        )
        options_line(
            doc, [("A", "0"), ("B", "1"), ("C", "2"), ("D", "3")], underline, "ABCD"[n % 4]
        )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
