"""Immutable versions with content hashes, and the review workflow with its permissions."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEvent
from question_bank import api, services
from question_bank.interchange import Choice, ItemContent, ItemType
from question_bank.models import Item, ItemVersion, ReviewEvent, Scope, Status

from .conftest import single_choice

pytestmark = pytest.mark.django_db


def current(item: Item) -> ItemVersion:
    assert item.current_version is not None
    return item.current_version


def test_every_edit_is_a_new_immutable_version(bank):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    first = current(item)
    assert first.number == 1
    assert first.content["key"] == "A"
    assert first.content_hash == services.content_hash(single_choice())

    second = services.revise_item(bank.author, item, single_choice(key="B"))
    item.refresh_from_db()
    assert second.number == 2
    assert item.current_version == second
    assert second.content_hash != first.content_hash
    first.refresh_from_db()
    assert first.content["key"] == "A"  # the old version is untouched
    with pytest.raises(ValidationError):
        first.save()
    with pytest.raises(ValidationError):
        first.delete()

    # saving the same content again makes no new version
    assert services.revise_item(bank.author, item, single_choice(key="B")) == second
    assert ItemVersion.objects.filter(item=item).count() == 2


def test_content_is_sanitised_and_latex_kept(bank):
    content = dataclasses.replace(
        single_choice(),
        stem_html='<p onclick="x()">Tính $\\frac{1}{2}$ và \\(x^2\\)<script>alert(1)</script>'
        '<sup>2</sup><img src="data:image/png;base64,AAAA" alt="hình"></p>'
        "<table><tr><td>1</td></tr></table>",
    )
    item = services.create_item(bank.author, content, subject=bank.maths)
    stem = current(item).content["stem_html"]
    assert stem == (
        "<p>Tính $\\frac{1}{2}$ và \\(x^2\\)<sup>2</sup>"
        '<img src="data:image/png;base64,AAAA" alt="hình"></p>'
        "<table><tbody><tr><td>1</td></tr></tbody></table>"
    )


def test_invalid_content_is_refused_with_vietnamese_message(bank):
    bad = dataclasses.replace(single_choice(), key="E")
    with pytest.raises(ValidationError) as exc:
        services.create_item(bank.author, bad)
    assert exc.value.messages == ["Đáp án E không có trong các phương án."]
    numeric = ItemContent(type=ItemType.SHORT_NUMERIC, stem_html="<p>x?</p>", key="12,345")
    with pytest.raises(ValidationError) as exc:
        services.create_item(bank.author, numeric)
    assert "tối đa 4 kí tự" in exc.value.messages[0]


def test_review_workflow_by_subject_head_of_that_subject(bank):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    with pytest.raises(ValidationError):
        services.approve_item(bank.maths_head, item)  # still a draft
    services.submit_item(bank.author, item)
    assert item.status == Status.SUBMITTED
    assert list(api.approved_items()) == []
    with pytest.raises(PermissionDenied):
        services.approve_item(bank.physics_head, item)  # wrong subject
    with pytest.raises(PermissionDenied):
        services.approve_item(bank.other_school_head, item)  # another school
    with pytest.raises(PermissionDenied):
        services.approve_item(bank.author, item)  # authors do not approve their own items
    with pytest.raises(ValidationError):
        services.reject_item(bank.maths_head, item, "   ")  # a rejection needs a comment
    services.reject_item(bank.maths_head, item, "Phương án B sai dấu.")
    assert item.status == Status.REJECTED
    services.revise_item(bank.author, item, single_choice(key="A"))
    services.submit_item(bank.author, item)
    services.approve_item(bank.maths_head, item, "Tốt.")
    assert list(api.approved_items(subject="TOAN")) == [item]
    assert list(api.approved_items(subject="VL")) == []
    services.publish_item(bank.maths_head, item)
    assert (item.status, item.scope) == (Status.PUBLISHED, Scope.DEPARTMENT)

    steps = list(
        ReviewEvent.objects.filter(item=item).values_list("from_status", "to_status", "comment")
    )
    assert steps == [
        ("draft", "submitted", ""),
        ("submitted", "rejected", "Phương án B sai dấu."),
        ("rejected", "submitted", ""),
        ("submitted", "approved", "Tốt."),
        ("approved", "published", ""),
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="question_bank.item", object_id=str(item.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "question.create",
        "question.submitted",
        "question.rejected",
        "question.revise",
        "question.submitted",
        "question.approved",
        "question.published",
    ]


def test_only_approved_items_reach_department_scope(bank):
    with pytest.raises(ValidationError):
        services.create_item(bank.author, single_choice(), scope=Scope.DEPARTMENT)
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    with pytest.raises(ValidationError):
        services.share_item(bank.author, item, Scope.DEPARTMENT)
    services.share_item(bank.author, item, Scope.SCHOOL)
    services.submit_item(bank.author, item)
    services.approve_item(bank.maths_head, item)
    services.share_item(bank.author, item, Scope.DEPARTMENT)
    assert item.scope == Scope.DEPARTMENT
    # an edit sends it back to draft and out of department scope until approved again
    services.revise_item(bank.author, item, single_choice(key="C"))
    item.refresh_from_db()
    assert (item.status, item.scope) == (Status.DRAFT, Scope.SCHOOL)


def test_visibility_by_scope(bank, world):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    other_teacher = world.b.teacher
    assert list(api.visible_items(other_teacher)) == []
    assert list(api.visible_items(world.a.admin)) == [item]
    services.submit_item(bank.author, item)
    assert list(api.visible_items(bank.maths_head)) == [item]
    assert list(api.visible_items(bank.other_school_head)) == []
    services.approve_item(bank.maths_head, item)
    services.publish_item(bank.maths_head, item)
    assert list(api.visible_items(other_teacher)) == [item]


def test_retire_keeps_versions_and_statistics(bank):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    v1 = current(item)
    api.record_item_statistics(
        v1.pk,
        {
            "responses": 120,
            "facility": 0.62,
            "point_biserial": 0.41,
            "discrimination_27": 0.38,
            "distractors": {"A": 74, "B": 20, "C": 16, "D": 10},
        },
    )
    services.retire_item(bank.author, item, "Chương trình thay đổi.")
    assert item.status == Status.RETIRED
    with pytest.raises(ValidationError):
        services.revise_item(bank.author, item, single_choice(key="B"))
    fetched = api.get_item_version(v1.pk)
    assert fetched.content["key"] == "A"
    assert fetched.statistics.responses == 120
    assert fetched.statistics.distractors == {"A": 74, "B": 20, "C": 16, "D": 10}
    assert api.item_content(fetched).choices[0] == Choice("A", "1 và 2")
    with pytest.raises(ValidationError):
        api.record_item_statistics(v1.pk, {"bogus": 1})


def test_four_level_scheme(bank):
    item = services.create_item(
        bank.author, single_choice(), subject=bank.maths, level="van_dung_cao", level_scheme="4"
    )
    assert item.level == "van_dung_cao"
    with pytest.raises(ValidationError):
        services.create_item(
            bank.author, single_choice(), subject=bank.maths, level="van_dung_cao", level_scheme="3"
        )


@pytest.mark.parametrize(
    ("response", "equal"),
    [
        ("0,25", True),
        (",25", True),
        ("0.25", True),
        ("0,250", True),
        ("-0,25", False),
        ("1/4", False),
    ],
)
def test_short_numeric_equivalence(response, equal):
    assert api.numeric_equal(response, "0,25") is equal
