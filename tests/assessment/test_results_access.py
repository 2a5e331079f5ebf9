"""Who may see and handle students' results of an online test (Law 91/2025).

Only the class's teachers (of the test's subject, its homeroom teacher, the test's author and
its assigner), the school's subject head of that subject, the school admin and staff above the
school. Another teacher of the same school, who may still build and assign the school's tests,
gets the same 404 as for an object out of reach on every results, grading, export and
item-analysis page and API call, and never sees the students in a regrade log.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from assessment import permissions, services
from assessment.models import Assignment, Test
from core.models import Role, User
from question_bank.models import ItemVersion
from tests import factories
from tests.assessment.bank import make_item, single_choice

pytestmark = pytest.mark.django_db
API = "/api/v1/assessment"


def _staff(world, role: str = Role.TEACHER, school=None, **membership) -> User:
    user = factories.UserFactory.create()
    factories.MembershipFactory.create(
        user=user, organisation=school or world.a.school, role=role, **membership
    )
    return user


@pytest.fixture
def maths():
    return factories.SubjectFactory.create(code="TOAN", name="Toán")


@pytest.fixture
def setting(world, maths):
    """School A's maths test, written and given to class 10A1 by a teacher who does not teach
    the class; the class's maths teacher (conftest's world.a.teacher) and its homeroom teacher
    (teaching it literature) are two others. One student took it."""
    author = _staff(world)
    test = services.create_test(
        author, title="Kiểm tra 15 phút", subject=maths, grade=10, school=world.a.school
    )
    part = test.parts.first()
    assert part is not None
    test_item = services.add_item(author, part, make_item(single_choice("C"), subject=maths))
    now = timezone.now()
    assignment = services.assign_test(
        author,
        test,
        world.a.school_class,
        opens=now - dt.timedelta(minutes=5),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=15,
        result_policy="immediately",
    )
    attempt = services.start_attempt(world.a.student, assignment)
    services.save_answers(world.a.student, attempt, [{"position": 1, "seq": 1, "response": "C"}])
    attempt = services.submit_attempt(world.a.student, attempt)
    homeroom = _staff(world)
    factories.TeachingAssignmentFactory.create(
        school_class=world.a.school_class,
        subject=factories.SubjectFactory.create(code="VAN", name="Ngữ văn"),
        teacher=homeroom,
    )
    world.a.school_class.homeroom_teacher = homeroom
    world.a.school_class.save(update_fields=["homeroom_teacher"])
    return {
        "test": test,
        "test_item": test_item,
        "assignment": assignment,
        "attempt": attempt,
        "author": author,
        "maths_teacher": world.a.teacher,
        "homeroom": homeroom,
    }


def _fresh(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_related(
        "test__school", "test__subject", "school_class__school"
    ).get(pk=assignment.pk)


def _people(world, maths, setting) -> dict[str, tuple[User, bool]]:
    """{who: (user, may see the results)}"""
    literature = factories.SubjectFactory.create(code="VAN", name="Ngữ văn")
    # Teaches physics in the class: a teacher of the class, but not of the test's subject.
    physics_teacher = _staff(world)
    factories.TeachingAssignmentFactory.create(
        school_class=world.a.school_class,
        subject=factories.SubjectFactory.create(code="LY", name="Vật lý"),
        teacher=physics_teacher,
    )
    # Teaches maths, but in another class of the same school.
    colleague = _staff(world)
    factories.TeachingAssignmentFactory.create(
        school_class=factories.SchoolClassFactory.create(
            school=world.a.school, school_year=world.a.school_class.school_year, name="10A7"
        ),
        subject=maths,
        teacher=colleague,
    )
    office = factories.SchoolFactory.create(kind="office", parent=world.department)
    return {
        "author and assigner": (setting["author"], True),
        "the class's maths teacher": (setting["maths_teacher"], True),
        "the homeroom teacher (teaching the class literature)": (setting["homeroom"], True),
        "the school's maths head": (
            _staff(world, Role.SUBJECT_HEAD, subject=maths),
            True,
        ),
        "the school admin (leadership)": (world.a.admin, True),
        "the department admin": (world.department_admin, True),
        "the department's exam coordinator": (
            _staff(world, Role.EXAM_COORDINATOR, school=world.department),
            True,
        ),
        "a maths teacher of another class": (colleague, False),
        "a teacher of the class in another subject": (physics_teacher, False),
        "a plain teacher of the school": (_staff(world), False),
        "the school's literature head": (
            _staff(world, Role.SUBJECT_HEAD, subject=literature),
            False,
        ),
        "the school's exam coordinator": (_staff(world, Role.EXAM_COORDINATOR), False),
        "school B's maths head": (
            _staff(world, Role.SUBJECT_HEAD, school=world.b.school, subject=maths),
            False,
        ),
        "school B's admin": (world.b.admin, False),
        "an office admin of another district": (
            _staff(world, Role.SCHOOL_ADMIN, school=office),
            False,
        ),
        "the student": (world.a.student, False),
    }


def test_only_the_class_teachers_subject_head_and_leadership_may_see_results(
    world, maths, setting
) -> None:
    wrong = []
    for who, (user, allowed) in _people(world, maths, setting).items():
        if permissions.can_view_results(user, _fresh(setting["assignment"])) != allowed:
            wrong.append(f"{who}: expected {'allowed' if allowed else 'refused'}")
    assert not wrong, wrong


def test_a_test_without_subject_is_open_to_the_class_teachers_of_any_subject(
    world, setting
) -> None:
    Test.objects.filter(pk=setting["test"].pk).update(subject=None)
    physics_teacher = _staff(world)
    factories.TeachingAssignmentFactory.create(
        school_class=world.a.school_class,
        subject=factories.SubjectFactory.create(code="LY", name="Vật lý"),
        teacher=physics_teacher,
    )
    assert permissions.can_view_results(physics_teacher, _fresh(setting["assignment"]))
    assert not permissions.can_view_results(_staff(world), _fresh(setting["assignment"]))


def test_a_departed_class_teacher_is_refused(world, setting) -> None:
    """A teaching assignment left behind grants nothing once the staff role is gone."""
    teacher = setting["maths_teacher"]
    teacher.memberships.all().delete()
    teacher = User.objects.get(pk=teacher.pk)
    assert not permissions.can_view_results(teacher, _fresh(setting["assignment"]))


def _urls(setting, points: str = "0") -> list[tuple[str, str, dict]]:
    a = setting["assignment"].pk
    answer = setting["attempt"].answers.get().pk
    return [
        ("get", f"/assessment/assignments/{a}/results/", {}),
        ("get", f"/assessment/assignments/{a}/results.xlsx", {}),
        ("get", f"/assessment/assignments/{a}/grading/", {}),
        ("get", f"/assessment/assignments/{a}/items/", {}),
        ("post", f"/assessment/assignments/{a}/answers/{answer}/grade/", {"points": points}),
        ("post", f"/assessment/assignments/{a}/items/publish/", {}),
        ("get", f"{API}/assignments/{a}/results", {}),
        ("get", f"{API}/assignments/{a}/grading", {}),
        ("get", f"{API}/assignments/{a}/item-analysis", {}),
        ("post", f"{API}/assignments/{a}/answers/{answer}/grade", {"points": points}),
    ]


def _call(client, method: str, url: str, data: dict) -> int:
    if method == "get":
        return client.get(url).status_code
    if url.startswith(API):
        return client.post(url, json.dumps(data), content_type="application/json").status_code
    return client.post(url, data).status_code


def test_another_teacher_of_the_school_gets_404_on_every_results_route(
    world, setting, login
) -> None:
    colleague = _staff(world)
    client = login(colleague)
    # The test itself stays the school's: the colleague still opens and may build it.
    assert client.get(f"/assessment/tests/{setting['test'].pk}/").status_code == 200
    assert client.get(f"{API}/tests/{setting['test'].pk}").status_code == 200
    refused = {url: _call(client, m, url, d) for m, url, d in _urls(setting)}
    assert refused == dict.fromkeys(refused, 404)
    answer = setting["attempt"].answers.get()
    assert answer.manual_score is None
    assert answer.graded_by is None


@pytest.mark.parametrize("who", ["maths_teacher", "head", "admin"])
def test_the_class_teacher_head_and_leadership_reach_every_results_route(
    world, maths, setting, login, who
) -> None:
    user = {
        "maths_teacher": setting["maths_teacher"],
        "head": _staff(world, Role.SUBJECT_HEAD, subject=maths),
        "admin": world.a.admin,
    }[who]
    client = login(user)
    # Points above the item's: the grade calls get past the gate and stop at the input check
    # (the page redirects with the error, the API answers 422), so nothing is stored.
    statuses = {url: _call(client, m, url, d) for m, url, d in _urls(setting, points="99")}
    assert all(s not in (401, 403, 404) and s < 500 for s in statuses.values()), statuses
    results = client.get(f"/assessment/assignments/{setting['assignment'].pk}/results/")
    assert world.a.student.full_name in results.content.decode()


def test_assignment_or_404_is_the_results_gate(world, setting) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        permissions.assignment_or_404(_staff(world), setting["assignment"].pk)
    assert permissions.assignment_or_404(setting["maths_teacher"], setting["assignment"].pk)


def test_results_links_show_only_to_those_who_may_open_them(world, setting, login) -> None:
    url = f"/assessment/tests/{setting['test'].pk}/"
    results = f"/assessment/assignments/{setting['assignment'].pk}/results/"
    assert results in login(setting["maths_teacher"]).get(url).content.decode()
    assert results not in login(_staff(world)).get(url).content.decode()


def test_a_key_correction_by_a_colleague_logs_no_student_of_the_class(
    world, setting, login
) -> None:
    """Correcting a key is editing the test (the colleague may), but the before/after log names
    students: it lists only the classes whose results the person may see."""
    test_item = setting["test_item"]
    wrong = test_item.item_version
    fixed = ItemVersion.objects.create(
        item=wrong.item,
        number=2,
        type=wrong.type,
        content=single_choice("B").to_json(),
        content_hash="corrected",
    )
    colleague = _staff(world)
    page = f"/assessment/tests/{setting['test'].pk}/items/{test_item.pk}/correct/"
    response = login(colleague).post(
        f"{API}/tests/{setting['test'].pk}/items/{test_item.pk}/correct",
        json.dumps({"version": fixed.pk}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == []
    assert world.a.student.full_name not in login(colleague).get(page).content.decode()
    # The regrade happened for everyone, and the class's teacher sees it in the log.
    setting["attempt"].refresh_from_db()
    assert setting["attempt"].score == 0
    assert world.a.student.full_name in login(setting["maths_teacher"]).get(page).content.decode()


def test_a_student_still_sees_only_their_own_result(world, setting, login) -> None:
    attempt = setting["attempt"]
    own = login(world.a.student)
    assert own.get(f"/assessment/attempts/{attempt.pk}/result/").status_code == 200
    assert own.get(f"{API}/attempts/{attempt.pk}/result").status_code == 200
    classmate = factories.StudentFactory.create()
    factories.EnrolmentFactory.create(school_class=world.a.school_class, student=classmate)
    other = login(classmate)
    assert other.get(f"/assessment/attempts/{attempt.pk}/result/").status_code == 404
    assert other.get(f"{API}/attempts/{attempt.pk}/result").status_code == 404
    assert other.get(f"{API}/assignments/{setting['assignment'].pk}/results").status_code == 404


def test_the_test_page_checks_results_access_in_fixed_queries(world, maths, setting) -> None:
    """The test page and the regrade log ask for every class the test was given to at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    head = _staff(world, Role.SUBJECT_HEAD, subject=maths)
    test = setting["test"]

    def count() -> int:
        user = User.objects.get(pk=head.pk)  # no cached roles
        with CaptureQueriesContext(connection) as queries:
            visible = permissions.results_visible_assignment_ids(user, test)
        assert len(visible) == test.assignments.count()
        return len(queries.captured_queries)

    few = count()
    for name in ("10A2", "10A3", "10A4"):
        klass = factories.SchoolClassFactory.create(
            school=world.a.school, school_year=world.a.school_class.school_year, name=name
        )
        now = timezone.now()
        services.assign_test(
            setting["author"],
            test,
            klass,
            opens=now,
            closes=now + dt.timedelta(hours=1),
            time_limit_minutes=15,
        )
    assert count() == few


def test_a_test_can_only_be_given_to_classes_one_teaches_or_leads(
    world, maths, setting, login
) -> None:
    """Giving a test to a class is what opens its results to the assigner, so a colleague who
    does not teach the class cannot do it; the class's teacher and the school's leaders can."""
    colleague = _staff(world)
    school_class = world.a.school_class
    assert school_class not in permissions.assignable_classes(colleague)
    for allowed in (
        world.a.teacher,
        _staff(world, Role.SUBJECT_HEAD, subject=maths),
        _staff(world, Role.SCHOOL_ADMIN),
    ):
        assert school_class in permissions.assignable_classes(allowed)
    assert world.b.school_class not in permissions.assignable_classes(world.a.teacher)
    now = timezone.now()
    body = {
        "school_class": school_class.pk,
        "opens": now.isoformat(),
        "closes": (now + dt.timedelta(hours=1)).isoformat(),
        "time_limit_minutes": 15,
    }
    test = setting["test"]
    before = Assignment.objects.count()
    response = login(colleague).post(
        f"{API}/tests/{test.pk}/assignments", body, content_type="application/json"
    )
    assert response.status_code == 404
    assert Assignment.objects.count() == before
    response = login(world.a.teacher).post(
        f"{API}/tests/{test.pk}/assignments", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
