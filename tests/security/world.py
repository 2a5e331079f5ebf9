"""The objects the permission matrix calls endpoints on: one set per school of `world`.

Role users all belong to school A; "own" objects are school A's, "other" objects school B's.
A new `{parameter}` in a matrix path needs a resolver in PARAMS (or in SCOPED, when the name
already means another object on other paths). Calls run in rolled-back savepoints, so one
object serves every role and rule.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.models import Collection, Locale, Page

from assessment import services as assessment_services
from assessment.models import Answer, Assignment, Attempt, Test, TestItem
from config.permission_matrix import (
    ANON,
    DEPARTMENT_ADMIN,
    EXAM_COORDINATOR,
    OTHER_TEACHER,
    SCHOOL_ADMIN,
    STUDENT,
    SUBJECT_HEAD,
    TEACHER,
)
from content import cmi5, play
from content import services as content_services
from content.lessonplan import LessonPlanData
from core import services as core_services
from core.models import Organisation, Role, RosterImport, SchoolClass, Semester, Subject, User
from exams.models import Exam, Room
from exams.seeding import seed_exam
from lms import services as lms_services
from lms.models import (
    Activity,
    Certificate,
    Course,
    CourseEnrolment,
    FlippedLesson,
    GradeBook,
    Module,
)
from question_bank import services as qb_services
from question_bank import signing as qb_signing
from question_bank.models import ImportJob, Item
from tests import factories
from tests.assessment.bank import make_item, single_choice
from tests.conftest import World
from tests.core.rosters import GOOD_ROWS, csv_bytes
from tests.fixtures import fixture_path


@dataclass
class SchoolObjects:
    school: Organisation
    school_class: SchoolClass
    teacher: User
    student: User
    subject: Subject
    semester: Semester
    book: GradeBook
    roster_import: RosterImport
    assignment: Assignment
    attempt: Attempt
    item: Item
    test: Test
    test_item: TestItem
    version_code: str
    graded_assignment: Assignment
    answer: Answer
    course: Course
    module: Module
    activity: Activity
    lesson: FlippedLesson
    pd_course: Course
    certificate: Certificate
    import_job: ImportJob
    submitted_item: Item
    approved_item: Item
    signed_code: str
    asset_sha256: str
    exam: Exam
    room: Room
    exam_attempt: int
    # A published lesson plan in the school's own library (set by build()).
    content_page: Any = None
    # A draft cmi5 package page and the school's student's run of it (set by build()).
    package_page: Any = None
    run_token: str = ""
    run_file: str = ""
    cmi5_session: str = ""
    # An activity a learner worked on, then removed by the teacher: archived (restore/).
    archived_activity: Any = None


@dataclass
class MatrixWorld:
    users: dict[str, User | None]
    own: SchoolObjects
    other: SchoolObjects


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (2, 2), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _school_objects(sw: Any, maths: Subject, head: User) -> SchoolObjects:
    klass = sw.school_class
    subject = klass.teaching_assignments.get().subject
    semester, _new = Semester.objects.get_or_create(
        school_year=klass.school_year,
        number=1,
        defaults={"start": dt.date(2026, 9, 5), "end": dt.date(2027, 1, 15)},
    )
    book = lms_services.open_grade_book(
        sw.teacher, school_class=klass, subject=subject, semester=semester
    )
    upload, _plan, _error = core_services.preview_roster_import(
        sw.admin, school=sw.school, filename="ds.csv", content=csv_bytes(GOOD_ROWS)
    )
    # A school's test, as the pages and the API create them: every staff member of the school
    # manages it, so the matrix checks that rule rather than author-only access.
    test = assessment_services.create_test(
        sw.teacher, title="15 phút", subject=maths, grade=10, school=sw.school
    )
    part = test.parts.first()
    assert part is not None
    test_item = assessment_services.add_item(
        sw.teacher, part, make_item(single_choice("B"), subject=maths)
    )
    version = assessment_services.make_versions(sw.teacher, test, count=1, seed="ma-tran")[0]
    now = timezone.now()

    def assign() -> Assignment:
        return assessment_services.assign_test(
            sw.teacher,
            test,
            klass,
            opens=now - dt.timedelta(minutes=5),
            closes=now + dt.timedelta(hours=2),
            time_limit_minutes=60,
            result_policy="immediately",
            show_correct_answers=False,
        )

    assignment = assign()
    attempt = assessment_services.start_attempt(sw.student, assignment)
    # A second assignment whose attempt is submitted: grading needs a submitted answer, while
    # the first attempt stays open for the candidate's own endpoints.
    graded_assignment = assign()
    graded = assessment_services.start_attempt(sw.student, graded_assignment)
    assessment_services.save_answers(
        sw.student, graded, [{"position": 1, "response": "B", "seq": 1}]
    )
    graded = assessment_services.submit_attempt(sw.student, graded)
    answer = graded.answers.order_by("pk").first()
    assert answer is not None
    item = qb_services.create_item(
        sw.teacher,
        single_choice("A"),
        school=sw.school,
        scope="school",
        subject=maths,
        grade=10,
        stimulus=qb_services.create_stimulus(sw.teacher, "<p>Đọc đoạn văn sau.</p>"),
    )
    submitted_item = qb_services.create_item(
        sw.teacher, single_choice("D"), school=sw.school, scope="school", subject=maths, grade=10
    )
    qb_services.submit_item(sw.teacher, submitted_item)
    # An approved item is signed on approval: its code is what xac-minh/<code>/ verifies.
    approved = qb_services.create_item(
        sw.teacher, single_choice("C"), school=sw.school, scope="school", subject=maths, grade=10
    )
    qb_services.submit_item(sw.teacher, approved)
    qb_services.approve_item(head, approved)
    approved.refresh_from_db()
    assert approved.current_version is not None
    signed_code = qb_signing.code_for(approved, approved.current_version)
    asset_url = qb_services.store_image(sw.teacher, _png(), "hinh.png")
    import_job = qb_services.upload_import(
        sw.teacher, aiken_file().getvalue(), "cau-hoi.txt", fmt="aiken"
    )

    course = lms_services.create_course(
        sw.teacher, kind=Course.Kind.CLASS, title="Toán 10", school_class=klass, subject=subject
    )
    module = lms_services.add_module(sw.teacher, course, title="Chương 1")
    activity = lms_services.add_activity(
        sw.teacher,
        module,
        kind=Activity.Kind.ASSIGNMENT,
        title="Bài tập 1",
        rule=Activity.Rule.SUBMITTED,
    )
    lesson = lms_services.create_flipped_lesson(
        sw.teacher, course, title="Bài 1", class_starts_at=now + dt.timedelta(days=1)
    )
    pd_course = lms_services.create_course(
        sw.admin,
        kind=Course.Kind.PD,
        title="Bồi dưỡng chương trình 2018",
        organisation=sw.school,
        pd_periods=10,
        self_enrol=True,
    )
    enrolment = lms_services.enrol_self(sw.teacher, pd_course)
    # A certificate row with a stand-in PDF: rendering the real one (WeasyPrint) would cost
    # seconds per school and the matrix only asks who may open it.
    CourseEnrolment.objects.filter(pk=enrolment.pk).update(completed_at=now)
    certificate = Certificate(enrolment=enrolment, periods=10)
    certificate.pdf.save("chung-nhan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)

    seeded = seed_exam(
        organisation=sw.school,
        candidates=1,
        room_size=1,
        questions=1,
        versions=1,
        code=f"MT{sw.school.pk}",
        sign_in=True,
    )
    room = Room.objects.filter(session__exam=seeded.exam).get()
    archived = lms_services.add_activity(
        sw.teacher, module, kind=Activity.Kind.CONTENT, title="Video cũ", rule=Activity.Rule.VIEWED
    )
    lms_services.record_view(sw.student, archived)
    assert lms_services.remove_activity(sw.teacher, archived) == "archived"
    objects = SchoolObjects(
        sw.school,
        klass,
        sw.teacher,
        sw.student,
        subject,
        semester,
        book,
        upload,
        assignment,
        attempt,
        item,
        test,
        test_item,
        version.code,
        graded_assignment,
        answer,
        course,
        module,
        activity,
        lesson,
        pd_course,
        certificate,
        import_job,
        submitted_item,
        approved,
        signed_code,
        asset_url.rsplit("/", 1)[-1],
        seeded.exam,
        room,
        seeded.candidates[0].attempt,
    )
    objects.archived_activity = archived
    return objects


def build(world: World) -> MatrixWorld:
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    head = factories.UserFactory()
    factories.MembershipFactory(
        user=head, organisation=world.a.school, role=Role.SUBJECT_HEAD, subject=maths
    )
    # Approves school B's item for its signed code; never a caller.
    head_b = factories.UserFactory()
    factories.MembershipFactory(
        user=head_b, organisation=world.b.school, role=Role.SUBJECT_HEAD, subject=maths
    )
    coordinator = factories.UserFactory()
    factories.MembershipFactory(
        user=coordinator, organisation=world.a.school, role=Role.EXAM_COORDINATOR
    )
    # A teacher of school A who teaches the same subject (maths) in another class and wrote
    # none of the world's objects: refused where a rule is narrower than the school
    # (students' results).
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organisation=world.a.school, role=Role.TEACHER)
    factories.TeachingAssignmentFactory(
        school_class=factories.SchoolClassFactory(
            school=world.a.school, school_year=world.a.school_class.school_year, name="10A9"
        ),
        teacher=colleague,
    )
    users: dict[str, User | None] = {
        ANON: None,
        STUDENT: world.a.student,
        TEACHER: world.a.teacher,
        OTHER_TEACHER: colleague,
        SUBJECT_HEAD: head,
        SCHOOL_ADMIN: world.a.admin,
        EXAM_COORDINATOR: coordinator,
        DEPARTMENT_ADMIN: world.department_admin,
    }
    own, other = _school_objects(world.a, maths, head), _school_objects(world.b, maths, head_b)
    own.content_page, other.content_page = _content_pages(world, maths, head, head_b)
    _package_runs(own, other, maths)
    return MatrixWorld(users, own, other)


def _content_pages(world: World, maths: Subject, head: User, head_b: User) -> list[Any]:
    """A published (and so signed) lesson plan in each school's library."""
    # Wagtail's migrations create the locale and both roots; a --no-migrations run does not.
    Locale.objects.get_or_create(language_code="vi")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    pages = []
    for sw, approver in ((world.a, head), (world.b, head_b)):
        library = content_services.create_library(
            root, title=f"Thư viện {sw.school.name}", school=sw.school
        )
        page = content_services.create_lesson_plan(
            library,
            LessonPlanData(title="Hàm số bậc hai"),
            author=sw.teacher,
            subject=maths,
            grade=10,
            school=sw.school,
        )
        content_services.submit_for_review(page, user=sw.teacher)
        content_services.approve_content(page, user=approver)
        pages.append(page)
    return pages


def _package_runs(own: SchoolObjects, other: SchoolObjects, maths: Subject) -> None:
    """A draft cmi5 package in each school's library, and a run of it by the school's student:
    the run token, a file of the package and a launched AU session."""
    _report, package = content_services.import_package(fixture_path("cmi5/multi_au_framed.zip"))
    assert package is not None
    au = cmi5.structure(package).aus[0]
    for objs in (own, other):
        objs.package_page = content_services.create_package_page(
            objs.content_page.get_parent().specific,
            package,
            author=objs.teacher,
            subject=maths,
            grade=10,
            school=objs.school,
        )
        attempt = content_services.start_attempt(package, objs.student)
        session = content_services.launch_cmi5_au(attempt, au.id, return_url="/")
        objs.run_token = play.token_for(attempt.pk)
        objs.run_file = package.files.order_by("path").values_list("path", flat=True)[0]
        objs.cmi5_session = str(session.session_id)


def _token(objs: SchoolObjects, user: User | None, relation: str) -> int:
    # "own": the caller's own token; "other": a token of the other school's teacher.
    owner = user if relation == "own" and user is not None else objs.teacher
    token, _secret = core_services.create_access_token(owner, name="ma trận")
    return token.pk


Resolver = Callable[[SchoolObjects, User | None, str], object]

PARAMS: dict[str, Resolver] = {
    "class_id": lambda o, u, r: o.school_class.pk,
    "school_id": lambda o, u, r: o.school.pk,
    "import_id": lambda o, u, r: o.roster_import.pk,
    "token_id": _token,
    "book_id": lambda o, u, r: o.book.pk,
    "assignment_id": lambda o, u, r: o.assignment.pk,
    "attempt_id": lambda o, u, r: o.attempt.pk,
    "item_id": lambda o, u, r: o.item.pk,
    "stimulus_id": lambda o, u, r: o.item.stimulus_id,
    "action": lambda o, u, r: "submit",
    "kind": lambda o, u, r: "csv",
    "token": lambda o, u, r: o.run_token,
    "path": lambda o, u, r: o.run_file,
    "index": lambda o, u, r: 0,
    "session_id": lambda o, u, r: o.cmi5_session,
    "subject_id": lambda o, u, r: o.subject.pk,
    "semester_id": lambda o, u, r: o.semester.pk,
    "student_id": lambda o, u, r: o.student.pk,
    "student_ids": lambda o, u, r: [o.student.pk],
    "user_id": lambda o, u, r: o.student.pk,
    "test_id": lambda o, u, r: o.test.pk,
    "part_id": lambda o, u, r: o.test_item.part_id,
    "item_version_id": lambda o, u, r: o.approved_item.current_version_id,
    "test_item_version_id": lambda o, u, r: o.test_item.item_version_id,
    "answer_id": lambda o, u, r: o.answer.pk,
    "course_id": lambda o, u, r: o.course.pk,
    "module_id": lambda o, u, r: o.module.pk,
    "activity_id": lambda o, u, r: o.activity.pk,
    "activity_ids": lambda o, u, r: [o.activity.pk],
    "lesson_id": lambda o, u, r: o.lesson.pk,
    "direction": lambda o, u, r: "down",
    "fmt": lambda o, u, r: "csv",
    "certificate_id": lambda o, u, r: o.certificate.pk,
    "job_id": lambda o, u, r: o.import_job.pk,
    "sha256": lambda o, u, r: o.asset_sha256,
    "exam_id": lambda o, u, r: o.exam.pk,
    "room_id": lambda o, u, r: o.room.pk,
    "page_id": lambda o, u, r: o.content_page.pk,
    "what": lambda o, u, r: "docx",
}

# Where one parameter name means different objects on different paths: (part of the path,
# parameter, resolver), first match wins.
SCOPED: list[tuple[str, str, Resolver]] = [
    ("/exams/attempts/", "attempt_id", lambda o, u, r: o.exam_attempt),
    ("answers/", "assignment_id", lambda o, u, r: o.graded_assignment.pk),
    ("items/", "item_id", lambda o, u, r: o.test_item.pk),
    ("review/", "item_id", lambda o, u, r: o.submitted_item.pk),
    ("versions/", "code", lambda o, u, r: o.version_code),
    ("versions/", "kind", lambda o, u, r: "docx"),
    ("xac-minh/", "code", lambda o, u, r: o.signed_code),
    ("lms/pd/", "course_id", lambda o, u, r: o.pd_course.pk),
    ("restore", "activity_id", lambda o, u, r: o.archived_activity.pk),
    ("content/play/", "page_id", lambda o, u, r: o.package_page.pk),
]


def resolve(name: str, path: str, objs: SchoolObjects, user: User | None, relation: str) -> object:
    for part, param, resolver in SCOPED:
        if param == name and part in path and (part != "items/" or "tests/" in path):
            return resolver(objs, user, relation)
    return PARAMS[name](objs, user, relation)


def aiken_file() -> io.BytesIO:
    data = io.BytesIO("Thủ đô của Việt Nam là?\nA. Hà Nội\nB. Huế\nANSWER: A\n".encode())
    data.name = "cau-hoi.txt"
    return data


def roster_file() -> io.BytesIO:
    data = io.BytesIO(csv_bytes(GOOD_ROWS))
    data.name = "ds.csv"
    return data


def png_file() -> io.BytesIO:
    data = io.BytesIO(_png())
    data.name = "hinh.png"
    return data
