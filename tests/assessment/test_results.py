"""Class statistics, item analysis written back to the bank, and the Excel export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment import services
from assessment.analysis import class_stats, item_analysis, results_xlsx
from question_bank.models import ItemStatistics
from tests import factories
from tests.assessment.bank import make_item, single_choice

pytestmark = pytest.mark.django_db

# Four students, three one-point items keyed A, B, C: totals 3, 2, 1, 0.
RESPONSES = [("A", "B", "C"), ("A", "B", "D"), ("B", "B", "D"), ("C", "A", "D")]
NAMES = ["An", "Bình", "Cường", "Dung"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def graded(world):
    maths = factories.SubjectFactory(code="TOAN", name="Toán")
    test = services.create_test(world.a.teacher, title="Đề", subject=maths, rounding="none")
    part = test.parts.get(order=1)
    versions = [make_item(single_choice(k), subject=maths) for k in "ABC"]
    items = [services.add_item(None, part, v, points=Decimal(1)) for v in versions]
    now = timezone.now()
    assignment = services.assign_test(
        world.a.teacher,
        test,
        world.a.school_class,
        opens=now - dt.timedelta(minutes=1),
        closes=now + dt.timedelta(hours=1),
        time_limit_minutes=10,
    )
    for name, responses in zip(NAMES, RESPONSES, strict=True):
        student = factories.StudentFactory(full_name=f"Nguyễn Văn {name}")
        factories.EnrolmentFactory(school_class=world.a.school_class, student=student)
        attempt = services.start_attempt(student, assignment)
        position = {r["test_item"]: r["position"] for r in attempt.layout}
        services.save_answers(
            student,
            attempt,
            [
                {"position": position[t.pk], "response": r, "seq": 1}
                for t, r in zip(items, responses, strict=True)
            ],
        )
        services.submit_attempt(student, attempt)
    return assignment, versions


def test_class_statistics(graded) -> None:
    assignment, _ = graded
    stats = class_stats(assignment)
    assert stats.count == 4
    assert sorted(r.ten for r in stats.students) == [
        Decimal("0.0"),
        Decimal("3.3"),
        Decimal("6.7"),
        Decimal("10.0"),
    ]
    assert stats.mean == Decimal("5.00")
    assert stats.median == Decimal("5.00")
    assert stats.pass_rate == Decimal("50.0")
    assert stats.histogram == [1, 0, 0, 1, 0, 0, 1, 0, 0, 1]


def test_item_analysis_written_back_to_the_bank(graded) -> None:
    assignment, versions = graded
    expected = {
        versions[0].pk: {
            "responses": 4,
            "facility": 0.5,
            "point_biserial": 0.7071,
            "discrimination_27": 1.0,
            "distractors": {"A": 2, "B": 1, "C": 1},
        },
        versions[1].pk: {
            "responses": 4,
            "facility": 0.75,
            "point_biserial": 0.5222,
            "discrimination_27": 1.0,
            "distractors": {"A": 1, "B": 3},
        },
        versions[2].pk: {
            "responses": 4,
            "facility": 0.25,
            "point_biserial": 0.5222,
            "discrimination_27": 1.0,
            "distractors": {"C": 1, "D": 3},
        },
    }
    assert item_analysis(assignment) == expected
    services.publish_item_statistics(None, assignment)
    stored = ItemStatistics.objects.get(version=versions[1])
    assert (stored.responses, stored.facility, stored.point_biserial) == (4, 0.75, 0.5222)
    assert stored.distractors == {"A": 1, "B": 3}


def test_excel_export(graded) -> None:
    assignment, _ = graded
    wb = load_workbook(io.BytesIO(results_xlsx(assignment)))
    rows = list(wb["Kết quả"].iter_rows(values_only=True))
    assert rows[0] == ("Họ và tên", "Điểm thô", "Điểm", "Điểm hệ 10")
    assert ("Nguyễn Văn Bình", 2.0, 2.0, 6.7) in rows
    summary = {row[0]: row[1] for row in wb["Thống kê"].iter_rows(values_only=True)}
    assert summary["Điểm trung bình"] == 5.0
    assert summary["Tỉ lệ đạt (%)"] == 50.0
    assert wb["Phân tích câu hỏi"].max_row == 4


def test_excel_export_download(graded, world, login) -> None:
    assignment, _ = graded
    response = login(world.a.teacher).get(
        reverse("assessment:results_export", args=[assignment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="ket_qua_{assignment.pk}.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["Kết quả"]["A1"].value == "Họ và tên"
