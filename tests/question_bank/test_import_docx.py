# ruff: noqa: E501 - the expected messages are quoted whole
"""The Vietnamese teachers' Word format, built here with python-docx: every way of marking keys."""

from __future__ import annotations

import io

import pytest
from docx import Document

from question_bank.importers import UnreadableFile, parse_bytes
from question_bank.interchange import Part

from .docx_builder import teacher_test


@pytest.fixture(scope="module")
def parsed():
    return parse_bytes(teacher_test(), "de-giua-ki.docx")


def test_every_marking_style_gives_the_right_key(parsed):
    got = [(i.part, i.number, i.content.type.value, i.content.key) for i in parsed.items]
    assert got == [
        (Part.I, "1", "single_choice", "A"),  # underlined letter, options on one line
        (Part.I, "2", "single_choice", "B"),  # bold letter, one option per line
        (Part.I, "3", "single_choice", "C"),  # whole option in red
        (Part.I, "4", "single_choice", "D"),  # leading asterisk
        (Part.I, "5", "single_choice", "C"),  # "Đáp án: C" line
        (Part.I, "6", "single_choice", "B"),  # BẢNG ĐÁP ÁN table
        (Part.I, "7", "single_choice", "D"),  # "Chọn D." in Hướng dẫn giải
        (Part.II, "1", "true_false_cluster", {"a": True, "b": False, "c": True, "d": False}),
        (Part.II, "2", "true_false_cluster", {"a": True, "b": False, "c": True, "d": False}),
        (Part.III, "1", "short_numeric", "-1,5"),  # "Đáp án: -1,5"
        (Part.III, "2", "short_numeric", "0,25"),  # from the answer table
    ]
    assert parsed.problems == []


def test_content_options_solution_image_and_equation(parsed):
    items = {(i.part, i.number): i for i in parsed.items}
    first = items[(Part.I, "1")].content
    assert first.stem_html == "<p>Nghiệm của phương trình bậc hai x² − 3x + 2 = 0 là</p>"
    assert [(c.id, c.html) for c in first.choices] == [
        ("A", "x = 1; x = 2"),
        ("B", "x = −1"),
        ("C", "x = 3"),
        ("D", "x = 0"),
    ]
    assert items[(Part.I, "2")].content.solution_html == "<p>Ta có y' = 3x².</p>"
    third = items[(Part.I, "3")]
    assert (
        third.content.stem_html
        == '<p>Hình vẽ bên là đồ thị hàm số nào?<img src="image1.png" alt=""></p>'
    )
    assert [(a.name, a.mime, a.data[:4]) for a in third.assets] == [
        ("image1.png", "image/png", b"\x89PNG")
    ]
    fourth = items[(Part.I, "4")].content
    assert fourth.stem_html == "<p>Giá trị của biểu thức \\(\\frac{1}{2}{x}^{2}\\) khi x = 2 là</p>"
    assert [c.html for c in fourth.choices] == ["1", "4", "3", "2"]
    cluster = items[(Part.II, "1")].content
    assert [(c.id, c.html) for c in cluster.choices][1] == ("b", "Đồ thị có trục đối xứng x = −2.")
    assert items[(Part.I, "7")].content.solution_html == "<p>Chu kì của sin x là 2π. Chọn D.</p>"


def _doc(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_located_errors_for_missing_keys():
    data = _doc(
        "PHẦN I",
        "Câu 1: Không có đáp án nào được đánh dấu",
        "A. 1",
        "B. 2",
        "Câu 2: Câu tốt",
        "A. 1",
        "*B. 2",
        "PHẦN II",
        "Câu 1: Thiếu đáp án đúng sai",
        "a) ý một",
        "b) ý hai",
        "PHẦN III",
        "Câu 1: Đáp án quá dài",
        "Đáp án: 12,345",
    )
    result = parse_bytes(data, "de.docx")
    assert [(i.number, i.content.key) for i in result.items] == [("2", "B"), ("1", "12,345")]
    assert [(p.location, p.message) for p in result.problems] == [
        (
            "de.docx, Phần I, Câu 1 (đoạn 2)",
            "Không xác định được đáp án đúng (gạch chân, in đậm, tô đỏ, dấu *, dòng “Đáp án:” "
            "hoặc bảng đáp án).",
        ),
        ("de.docx, Phần II, Câu 1 (đoạn 9)", "Chưa có đáp án Đúng/Sai (Đ/S) cho các ý."),
    ]


def test_shared_stimulus_and_essay():
    data = _doc(
        "Đọc đoạn văn sau và trả lời câu 1 đến câu 2:",
        "Hà Nội là thủ đô của Việt Nam.",
        "Câu 1: Thủ đô của Việt Nam là",
        "A. Huế",
        "B. Hà Nội",
        "Đáp án: B",
        "Câu 2: Viết một đoạn văn giới thiệu về Hà Nội.",
        "Câu 3: Nêu cảm nghĩ của em.",
    )
    result = parse_bytes(data, "van.docx")
    assert [(i.number, i.content.type.value, i.stimulus_ref) for i in result.items] == [
        ("1", "single_choice", "s1"),
        ("2", "essay", "s1"),
        ("3", "essay", None),
    ]
    assert [(s.ref, s.html) for s in result.stimuli] == [
        (
            "s1",
            "<p>Đọc đoạn văn sau và trả lời câu 1 đến câu 2:</p><p>Hà Nội là thủ đô của Việt Nam.</p>",
        )
    ]


def test_multiple_response_from_answer_line():
    result = parse_bytes(
        _doc("Câu 1: Chọn các số nguyên tố", "A. 2", "B. 4", "C. 5", "D. 9", "Đáp án: A, C"),
        "x.docx",
    )
    assert [(i.content.type.value, i.content.key) for i in result.items] == [
        ("multiple_response", ["A", "C"])
    ]


def test_not_a_docx_is_unreadable():
    with pytest.raises(UnreadableFile) as exc:
        parse_bytes(b"not a zip", "hong.docx")
    assert str(exc.value).startswith("hong.docx: không phải tệp Word .docx đọc được")
