# ruff: noqa: E501 - the expected messages are quoted whole
"""Every shared third-party fixture imports with the right keys; malformed ones are rejected
with a located reason; unsupported interactions are reported by name."""

from __future__ import annotations

import pytest

from question_bank.importers import UnreadableFile, parse_file
from tests.fixtures import fixture_path

UNSUPPORTED = "chưa được hỗ trợ; câu này không được nhập."


def keys(path: str) -> list[tuple[str, object]]:
    result = parse_file(fixture_path(*path.split("/")))
    out: list[tuple[str, object]] = []
    for item in result.items:
        c = item.content
        key = [g.key for g in c.gaps] if c.type == "cloze" else c.key
        out.append((c.type.value, key))
    return out


def problems(path: str) -> list[tuple[str, str]]:
    result = parse_file(fixture_path(*path.split("/")))
    return [(p.location, p.message) for p in result.problems]


EXPECTED = {
    # Aiken
    "aiken/questions.aiken.txt": [("single_choice", "B"), ("single_choice", "A")],
    "aiken/aiken_errors.txt": [
        ("single_choice", "A"),
        ("single_choice", "B"),
        ("single_choice", "A"),
    ],
    # GIFT
    "gift/questions.gift.txt": [
        ("essay", None),
        ("matching", {"1": "A", "2": "B", "3": "C", "4": "D"}),
        ("single_choice", "A"),
        ("multiple_response", ["A", "C"]),
        ("short_numeric", "3"),
        ("short_text", ["Frog"]),
        ("single_choice", "B"),
        ("single_choice", "A"),
        ("single_choice", "A"),
    ],
    "gift/qtype_ordering.testimport.gift.txt": [("ordering", ["A", "B", "C", "D", "E", "F"])],
    "gift/questions_in_category.gift.txt": [
        ("matching", {"1": "A", "2": "B", "3": "C", "4": "D"}),
        ("single_choice", "B"),
        ("short_text", ["Moodler"]),
        ("single_choice", "A"),
    ],
    "gift/questions_encoding_windows-1252.gift.txt": [
        ("essay", None),
        ("essay", None),
        ("matching", {"1": "A", "2": "A", "3": "A"}),
    ],
    # Moodle cloze (embedded answers text)
    "moodle-cloze/questions.multianswer.txt": [("cloze", ["A", "B", "A", "B", ["Paris"]])],
    # Moodle XML
    "moodle-xml/multichoice.xml": [("single_choice", "B")],
    "moodle-xml/truefalse.xml": [("single_choice", "B"), ("single_choice", "A")],
    "moodle-xml/category_with_description.xml": [("single_choice", "A")],
    "moodle-xml/html_chars_in_idnumbers.xml": [("single_choice", "A")],
    "moodle-xml/old_format_file.xml": [("single_choice", "A"), ("single_choice", "A")],
    "moodle-xml/nested_categories_with_questions.xml": [
        ("single_choice", "A"),
        ("essay", None),
        ("single_choice", "A"),
        ("single_choice", "A"),
        ("single_choice", "A"),
    ],
    "moodle-xml/multianswer.xml": [("cloze", ["A", "B", "A", "B", ["Paris"]])],
    "moodle-xml/multianswer-all-types.xml": [
        (
            "cloze",
            [
                "B",
                "B",
                "B",
                "C",
                "B",
                "A",
                ["A", "C"],
                ["A", "C"],
                ["A", "B", "D"],
                ["A", "B", "D"],
                "32",
                "212",
                "1701",
                ["Fahrenheit"],
                ["H<sub>2</sub>O", "H2O"],
                ["Whisky", "Whiskey"],
            ],
        )
    ],
    "moodle-xml/qtypes/qtype_multichoice.testquestion.moodle.xml": [
        ("multiple_response", ["C", "E"])
    ],
    "moodle-xml/qtypes/qtype_truefalse.testquestion.moodle.xml": [("single_choice", "A")],
    "moodle-xml/qtypes/qtype_shortanswer.testquestion.moodle.xml": [("short_text", ["frog"])],
    "moodle-xml/qtypes/qtype_numerical.testquestion.moodle.xml": [("short_numeric", "6.25")],
    "moodle-xml/qtypes/qtype_essay.testquestion.moodle.xml": [("essay", None)],
    "moodle-xml/qtypes/qtype_match.testquestion.moodle.xml": [
        ("matching", {"1": "A", "2": "B", "3": "A"})
    ],
    "moodle-xml/qtypes/qtype_ordering.testquestion.moodle.xml": [
        ("ordering", ["A", "B", "C", "D", "E", "F"])
    ],
    "moodle-xml/qtypes/qtype_gapselect.testquestion.moodle.xml": [("cloze", ["A", "B", "C"])],
    "moodle-xml/qtypes/qtype_ddwtos.testquestion.moodle.xml": [("cloze", ["A", "B", "C"])],
    # QTI 2.1
    "qti21/ims-examples/choice.xml": [("single_choice", "ChoiceA")],
    "qti21/ims-examples/choice_multiple.xml": [("multiple_response", ["H", "O"])],
    "qti21/ims-examples/extended_text.xml": [("essay", None)],
    "qti21/ims-examples/feedback.xml": [("single_choice", "MGH001C")],
    "qti21/ims-examples/gap_match.xml": [("cloze", ["W", "Su"])],
    "qti21/ims-examples/inline_choice.xml": [("cloze", ["Y"])],
    "qti21/ims-examples/match.xml": [("matching", {"C": "R", "D": "M", "L": "M", "P": "T"})],
    "qti21/ims-examples/math.xml": [("single_choice", "E")],
    "qti21/ims-examples/order.xml": [("ordering", ["DriverC", "DriverA", "DriverB"])],
    "qti21/ims-examples/order_partial_scoring.xml": [
        ("ordering", ["DriverC", "DriverA", "DriverB"])
    ],
    "qti21/ims-examples/text_entry.xml": [("short_text", ["York", "york"])],
    "qti21/packages/Aardvark-cannon.zip": [("single_choice", "CHOICE2")],
    "qti21/packages/tao/package.zip": [("single_choice", "A")],
    "qti21/packages/WebDeveloperTest1.zip": [
        ("single_choice", "ChoiceC"),
        ("single_choice", "ChoiceA"),
        ("single_choice", "ChoiceC"),
        ("single_choice", "ChoiceD"),
        ("multiple_response", ["ChoiceB", "ChoiceE"]),
        ("single_choice", "ChoiceD"),
        ("single_choice", "ChoiceA"),
        ("cloze", ["ChoiceB", "Choice2"]),
        ("multiple_response", ["ChoiceA", "ChoiceB"]),
    ],
    # QTI 2.2
    "qti22/packages/tao_qti22.zip": [
        ("single_choice", "tao"),
        ("single_choice", "lego"),
        ("single_choice", "turismo"),
    ],
    "qti22/packages/test_qti_2.2.zip": [
        ("multiple_response", ["H", "O"]),
        ("single_choice", "ChoiceA"),
        ("single_choice", "true"),
        ("essay", None),
    ],
    # QTI 3.0
    "qti30/citolab-examples/items/choice.xml": [("single_choice", "ChoiceA")],
    "qti30/citolab-examples/items/choice_multiple.xml": [("multiple_response", ["H", "O"])],
    "qti30/citolab-examples/items/extended_text.xml": [("essay", None)],
    "qti30/citolab-examples/items/gap_match.xml": [("cloze", ["W", "Su"])],
    "qti30/citolab-examples/items/inline_choice.xml": [("cloze", ["Y"])],
    "qti30/citolab-examples/items/match.xml": [
        ("matching", {"C": "R", "D": "M", "L": "M", "P": "T"})
    ],
    "qti30/citolab-examples/items/order.xml": [("ordering", ["DriverC", "DriverA", "DriverB"])],
    "qti30/citolab-examples/items/text_entry.xml": [("short_text", ["York", "york"])],
    "qti30/longsight-reference-items/choice-reference.xml": [("single_choice", "A")],
    "qti30/longsight-reference-items/extendedText-reference.xml": [("essay", None)],
    "qti30/longsight-reference-items/gapMatch-reference.xml": [("cloze", ["A"])],
    "qti30/longsight-reference-items/inlineChoice-reference.xml": [("cloze", ["A", "B"])],
    "qti30/longsight-reference-items/match-reference.xml": [("matching", {"A": "G1"})],
    "qti30/longsight-reference-items/multiple-choice-modal-feedback-reference.xml": [
        ("multiple_response", ["A", "B"])
    ],
    "qti30/longsight-reference-items/order-reference.xml": [("ordering", ["A", "B"])],
    "qti30/longsight-reference-items/textEntry-reference.xml": [("short_text", ["SCORE"])],
    "qti30/packages/citolab-api-examples-qti3.zip": [
        ("single_choice", "ChoiceA"),
        ("multiple_response", ["H", "O"]),
        ("essay", None),
        ("short_text", ["York", "york"]),
        ("cloze", ["W", "Su"]),
        ("cloze", ["Y"]),
        ("matching", {"C": "R", "D": "M", "L": "M", "P": "T"}),
        ("single_choice", "E"),
        ("ordering", ["DriverC", "DriverA", "DriverB"]),
    ],
}


@pytest.mark.parametrize(("path", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_fixture_keys(path, expected):
    assert keys(path) == expected


def test_content_of_a_qti21_choice_item_with_its_image():
    result = parse_file(fixture_path("qti21", "ims-examples", "choice.xml"))
    item = result.items[0]
    assert item.content.stem_html == (
        '<p>Look at the text in the picture.</p><p><img src="images/sign.png" '
        'alt="NEVER LEAVE LUGGAGE UNATTENDED"></p><p>What does it say?</p>'
    )
    assert [(c.id, c.html) for c in item.content.choices] == [
        ("ChoiceA", "You must stay with your luggage at all times."),
        ("ChoiceB", "Do not let someone else look after your luggage."),
        ("ChoiceC", "Remember your luggage when you leave."),
    ]
    assert [(a.name, a.mime, a.data[:4]) for a in item.assets] == [
        ("images/sign.png", "image/png", b"\x89PNG")
    ]


def test_content_of_gift_matching_and_moodle_match():
    gift = parse_file(fixture_path("gift", "questions.gift.txt")).items[1].content
    assert [c.html for c in gift.targets] == ["Forum", "Choice", "Database", "Wiki", "Chat"]
    moodle = (
        parse_file(fixture_path("moodle-xml", "qtypes", "qtype_match.testquestion.moodle.xml"))
        .items[0]
        .content
    )
    assert [(c.id, c.html) for c in moodle.choices] == [("1", "frog"), ("2", "cat"), ("3", "newt")]
    assert [(c.id, c.html) for c in moodle.targets] == [
        ("A", "amphibian"),
        ("B", "mammal"),
        ("C", "insect"),
    ]


def test_windows_1252_gift_is_decoded():
    item = parse_file(fixture_path("gift", "questions_encoding_windows-1252.gift.txt")).items[2]
    assert item.content.choices[0].html == "<p>aödf<br></p>"
    assert item.meta.tags == ["$course$/top/Default for LTTEST"]


def test_gift_numeric_tolerance_and_cloze_stem():
    items = parse_file(fixture_path("gift", "examples.txt")).items
    pi = [i.content for i in items if "value of pi" in i.content.stem_html]
    assert [(c.key, str(c.tolerance)) for c in pi] == [("3.1415", "0.0005"), ("3.1415", "0.0005")]
    cloze = parse_file(fixture_path("moodle-cloze", "questions.multianswer.txt")).items[0].content
    assert cloze.stem_html.endswith("<p>The capital of France is [[g5]].</p>")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "aiken/aiken_errors.txt",
            [
                ("aiken_errors.txt, dòng 1", "Câu hỏi cần ít nhất 2 phương án."),
                ("aiken_errors.txt, dòng 5", "Thiếu nội dung câu hỏi trước các phương án."),
                ("aiken_errors.txt, dòng 7", "Thiếu nội dung câu hỏi trước các phương án."),
                ("aiken_errors.txt, dòng 14", "Câu hỏi chưa có dòng “ANSWER:”."),
            ],
        ),
        (
            "moodle-xml/broken_cloze_questions.xml",
            [
                (
                    "broken_cloze_questions.xml, câu hỏi 1 “Multianswer question without subquestions”",
                    "Câu điền khuyết không có chỗ trống nào.",
                ),
                (
                    "broken_cloze_questions.xml, câu hỏi 2 “Multichoice subquestion without choices”",
                    "Chỗ trống “{1:MULTICHOICE}” viết sai cú pháp.",
                ),
                (
                    "broken_cloze_questions.xml, câu hỏi 3 “Multichoice subquestion with only one choice”",
                    "Chỗ trống 1 cần ít nhất 2 lựa chọn.",
                ),
                (
                    "broken_cloze_questions.xml, câu hỏi 4 “Multichoice subquestion with no completely correct answer”",
                    "Chỗ trống 1 không có lựa chọn đúng 100%.",
                ),
                (
                    "broken_cloze_questions.xml, câu hỏi 5 “Numerical subquestion with buggy answer”",
                    "Chỗ trống 1: đáp án số “zero” không hợp lệ.",
                ),
            ],
        ),
        (
            "moodle-xml/error_invalid_grades.xml",
            [
                (
                    "error_invalid_grades.xml, câu hỏi 1 “Question with <strong>invalid grades</strong> : x > 1 & x < 2”",
                    "Điểm của phương án không hợp lệ: 2 (33%).",
                )
            ],
        ),
        (
            "moodle-xml/qtypes/qtype_ddimageortext.testquestion.moodle.xml",
            [
                (
                    "qtype_ddimageortext.testquestion.moodle.xml, câu hỏi 2 “Imported Drag and drop onto image 001”",
                    f"Dạng câu hỏi “ddimageortext” {UNSUPPORTED}",
                )
            ],
        ),
    ],
)
def test_located_problems(path, expected):
    assert problems(path) == expected


@pytest.mark.parametrize(
    ("path", "interaction"),
    [
        ("qti21/ims-examples/associate.xml", "associateInteraction"),
        ("qti21/ims-examples/graphic_order.xml", "graphicOrderInteraction"),
        ("qti21/ims-examples/hint.xml", "endAttemptInteraction"),
        ("qti21/ims-examples/hotspot.xml", "hotspotInteraction"),
        ("qti21/ims-examples/hottext.xml", "hottextInteraction"),
        ("qti21/ims-examples/slider.xml", "sliderInteraction"),
        ("qti21/ims-examples/upload.xml", "uploadInteraction"),
        ("qti30/citolab-examples/items/hotspot.xml", "hotspotInteraction"),
        ("qti30/citolab-examples/items/slider.xml", "sliderInteraction"),
    ],
)
def test_unsupported_interactions_reported_by_name(path, interaction):
    name = path.rsplit("/", 1)[1]
    assert problems(path) == [(name, f"Dạng câu hỏi “{interaction}” {UNSUPPORTED}")]


def test_package_reports_unsupported_items_and_keeps_the_rest():
    found = problems("qti30/packages/citolab-api-examples-qti3.zip")
    assert [loc.rsplit("/", 1)[1] for loc, _m in found] == [
        "info_start.xml",
        "graphic_associate.xml",
        "graphic_gap_match.xml",
        "hotspot.xml",
        "position_object.xml",
        "select_point.xml",
        "slider.xml",
        "info_end.xml",
    ]
    assert "graphicAssociateInteraction" in found[1][1]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (
            "qti21/invalid-packages/InvalidArchive.zip",
            "InvalidArchive.zip: không phải gói zip hợp lệ",
        ),
        (
            "qti21/invalid-packages/MissingManifest.zip",
            "MissingManifest.zip: thiếu imsmanifest.xml ở gốc gói.",
        ),
        (
            "qti21/invalid-packages/MalformedManifest.zip",
            "MalformedManifest.zip/imsmanifest.xml: XML không hợp lệ (mismatched tag: line 21",
        ),
        (
            "qti21/invalid-packages/MalformedItemXml.zip",
            "MalformedItemXml.zip/qti.xml: XML không hợp lệ (mismatched tag: line 17",
        ),
        (
            "qti21/invalid-packages/MalformedItemInTheMiddleXml.zip",
            "MalformedItemInTheMiddleXml.zip/qti2.xml: XML không hợp lệ (mismatched tag: line 17",
        ),
        (
            "qti21/invalid-packages/NestedRootFolder.zip",
            "NestedRootFolder.zip: imsmanifest.xml nằm trong thư mục con i1245323533354/imsmanifest.xml",
        ),
        (
            "qti21/invalid-packages/WrongManifestFileItemHref.zip",
            "WrongManifestFileItemHref.zip: gói trỏ tới wrong/path/to/qti.xml nhưng không có tệp này.",
        ),
        ("qti12/invalid/fib.xml", "fib.xml: XML không hợp lệ (mismatched tag: line 45"),
        (
            "qti12/canvas-items/multiple_choice.xml",
            "multiple_choice.xml: QTI 1.2 chưa được hỗ trợ; hãy xuất lại dưới dạng QTI 2.1 hoặc 3.0.",
        ),
    ],
)
def test_malformed_files_rejected_with_reason(path, reason):
    with pytest.raises(UnreadableFile) as exc:
        parse_file(fixture_path(*path.split("/")))
    assert str(exc.value).startswith(reason)
