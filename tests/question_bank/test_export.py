"""Exports: QTI 2.1 and 3.0 packages round-trip every importable fixture item; Word export
reads back with the same keys."""

from __future__ import annotations

import pytest
from lxml import etree

from question_bank.exporters.docx import export_docx
from question_bank.exporters.moodlexml import export_moodle_xml
from question_bank.exporters.qti import package, to_xml
from question_bank.importers import parse_bytes, parse_file
from tests.fixtures import fixture_path

from .docx_builder import teacher_test

SOURCES = [
    "qti21/packages/WebDeveloperTest1.zip",
    "qti22/packages/test_qti_2.2.zip",
    "qti30/packages/citolab-api-examples-qti3.zip",
    "qti21/ims-examples/match.xml",
    "qti21/ims-examples/order.xml",
    "qti21/ims-examples/gap_match.xml",
    "qti21/ims-examples/text_entry.xml",
    "qti30/longsight-reference-items/inlineChoice-reference.xml",
    "moodle-xml/multianswer-all-types.xml",
    "moodle-xml/qtypes/qtype_numerical.testquestion.moodle.xml",
    "gift/questions.gift.txt",
]


def signature(content):
    return (
        content.type.value,
        content.key,
        [c.id for c in content.choices],
        [c.id for c in content.targets],
        [(g.id, g.kind, g.key, [c.id for c in g.choices]) for g in content.gaps],
    )


@pytest.mark.parametrize("version", ["2.1", "3.0"])
@pytest.mark.parametrize("source", SOURCES)
def test_qti_round_trip(source, version):
    original = [i.content for i in parse_file(fixture_path(*source.split("/"))).items]
    assert original
    data = package([(f"item{n}", c) for n, c in enumerate(original)], version)
    back = parse_bytes(data, "export.zip")
    assert back.problems == []
    expected = []
    for content in original:
        sig = signature(content)
        if content.type.value == "short_numeric":
            sig = (sig[0], str(float(content.key.replace(",", "."))), *sig[2:])
        expected.append(sig)
    got = []
    for parsed in back.items:
        sig = signature(parsed.content)
        if sig[0] == "short_numeric":
            sig = (sig[0], str(float(sig[1])), *sig[2:])
        got.append(sig)
    assert got == expected


def test_qti30_uses_the_v3_names():
    content = parse_file(fixture_path("qti21", "ims-examples", "choice.xml")).items[0].content
    root = etree.fromstring(to_xml(content, "c1", "3.0"))
    assert root.tag == "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}qti-assessment-item"
    ns = {"q": "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"}
    assert root.xpath("//q:qti-choice-interaction/@response-identifier", namespaces=ns) == [
        "RESPONSE"
    ]
    assert root.xpath("//q:qti-correct-response/q:qti-value/text()", namespaces=ns) == ["ChoiceA"]


def test_word_export_reads_back_with_the_same_keys():
    original = parse_bytes(teacher_test(), "de.docx").items
    back = parse_bytes(export_docx([i.content for i in original], "Đề xuất ra"), "xuat.docx")
    assert back.problems == []
    assert [(i.part, i.content.type.value, i.content.key) for i in back.items] == [
        (i.part, i.content.type.value, i.content.key) for i in original
    ]
    assert [c.html for c in back.items[0].content.choices] == [
        c.html for c in original[0].content.choices
    ]


@pytest.mark.parametrize(
    "source",
    [
        "moodle-xml/qtypes/qtype_multichoice.testquestion.moodle.xml",
        "moodle-xml/qtypes/qtype_match.testquestion.moodle.xml",
        "moodle-xml/qtypes/qtype_ordering.testquestion.moodle.xml",
        "moodle-xml/qtypes/qtype_shortanswer.testquestion.moodle.xml",
        "moodle-xml/qtypes/qtype_numerical.testquestion.moodle.xml",
        "moodle-xml/qtypes/qtype_essay.testquestion.moodle.xml",
        "moodle-xml/multianswer.xml",
        "gift/questions.gift.txt",
    ],
)
def test_moodle_xml_round_trip(source):
    original = [i.content for i in parse_file(fixture_path(*source.split("/"))).items]
    data = export_moodle_xml([(f"q{n}", c) for n, c in enumerate(original)])
    back = parse_bytes(data, "export.xml", "moodlexml")
    assert back.problems == []
    assert [signature(p.content) for p in back.items] == [signature(c) for c in original]


def test_true_false_cluster_to_moodle_is_four_truefalse_questions():
    cluster = parse_bytes(teacher_test(), "de.docx").items[7].content
    back = parse_bytes(export_moodle_xml([("c", cluster)]), "x.xml", "moodlexml")
    assert [p.content.key for p in back.items] == ["A", "B", "A", "B"]
