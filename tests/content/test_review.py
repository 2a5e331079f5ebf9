"""Review and publishing: the author submits, only that subject's head approves or rejects."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import WorkflowState

from content.lessonplan import LessonPlanData
from content.models import LessonPlanPage, SubjectHeadReviewTask
from content.services import (
    approve_content,
    create_lesson_plan,
    reject_content,
    submit_for_review,
)
from core.models import AuditEvent, Role
from tests import factories

from .conftest import ContentWorld

pytestmark = pytest.mark.django_db


def draft(cw: ContentWorld, author=None) -> LessonPlanPage:
    w = cw.world
    data = LessonPlanData(title="Hàm số bậc hai")
    data.objectives["knowledge"] = ["Nhận biết parabol."]
    return create_lesson_plan(
        cw.library_a,
        data,
        author=author or w.a.teacher,
        subject=cw.maths,
        grade=10,
        school=w.a.school,
    )


def test_subject_head_approves_and_it_is_published(content_world: ContentWorld) -> None:
    page = draft(content_world)
    teacher = content_world.world.a.teacher
    submit_for_review(page, user=teacher)
    approve_content(page, user=content_world.maths_head_a, comment="Tốt")
    page.refresh_from_db()
    assert page.live is True
    assert page.live_revision_id == page.latest_revision_id
    actions = list(
        AuditEvent.objects.filter(object_id=str(page.pk), action__startswith="content.")
        .order_by("pk")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("content.lesson_plan.created", teacher.username),
        ("content.submitted", teacher.username),
        ("content.approved", content_world.maths_head_a.username),
    ]


def test_teacher_cannot_approve_own_content_even_as_subject_head(
    content_world: ContentWorld,
) -> None:
    head = content_world.maths_head_a
    page = draft(content_world, author=head)
    submit_for_review(page, user=head)
    with pytest.raises(PermissionDenied):
        approve_content(page, user=head)
    task = SubjectHeadReviewTask.objects.get()
    assert task.get_actions(page, head) == []
    page.refresh_from_db()
    assert page.live is False


@pytest.mark.parametrize("who", ["author", "physics_head_a", "maths_head_b", "school_admin"])
def test_only_the_subjects_head_of_that_school_may_approve(
    content_world: ContentWorld, who: str
) -> None:
    page = draft(content_world)
    submit_for_review(page, user=content_world.world.a.teacher)
    user = {
        "author": content_world.world.a.teacher,
        "physics_head_a": content_world.physics_head_a,
        "maths_head_b": content_world.maths_head_b,
        "school_admin": content_world.world.a.admin,
    }[who]
    with pytest.raises(PermissionDenied):
        approve_content(page, user=user)
    with pytest.raises(PermissionDenied):
        reject_content(page, user=user, comment="Không")
    page.refresh_from_db()
    assert page.live is False
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_department_subject_head_reaches_every_school(content_world: ContentWorld) -> None:
    head = factories.UserFactory()
    factories.MembershipFactory(
        user=head,
        organisation=content_world.world.department,
        role=Role.SUBJECT_HEAD,
        subject=content_world.maths,
    )
    page = draft(content_world)
    submit_for_review(page, user=content_world.world.a.teacher)
    approve_content(page, user=head)
    page.refresh_from_db()
    assert page.live is True


def test_reject_with_comment_then_resubmit(content_world: ContentWorld) -> None:
    page = draft(content_world)
    teacher = content_world.world.a.teacher
    head = content_world.maths_head_a
    submit_for_review(page, user=teacher)
    with pytest.raises(ValidationError):
        reject_content(page, user=head, comment="  ")
    reject_content(page, user=head, comment="Thiếu hoạt động vận dụng")
    page.refresh_from_db()
    assert page.live is False
    state = page.current_workflow_state
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert state.current_task_state.comment == "Thiếu hoạt động vận dụng"
    event = AuditEvent.objects.get(action="content.rejected")
    assert event.after["comment"] == "Thiếu hoạt động vận dụng"
    # The author fixes the plan (a new revision) and sends it again.
    page.title = "Hàm số bậc hai (sửa)"
    page.save_revision(user=teacher)
    submit_for_review(page, user=teacher)
    approve_content(page, user=head)
    page.refresh_from_db()
    assert (page.live, page.title) == (True, "Hàm số bậc hai (sửa)")


def test_only_the_author_submits(content_world: ContentWorld) -> None:
    page = draft(content_world)
    with pytest.raises(PermissionDenied):
        submit_for_review(page, user=content_world.world.b.teacher)
