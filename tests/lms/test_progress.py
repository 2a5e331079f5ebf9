"""xAPI store and endpoint, dashboards, CSV/Excel exports, forwarding to an external LRS."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

from django.test import override_settings
from openpyxl import load_workbook

from lms import dashboards, services
from lms.models import Activity, Course, Statement
from tests.conftest import World


def _statement(username: str, **extra: object) -> dict[str, object]:
    return {
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://hoclieu.example.vn", "name": username},
        },
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/experienced",
            "display": {"vi-VN": "đã xem"},
        },
        "object": {"objectType": "Activity", "id": "https://hoclieu.example.vn/lms/activities/1"},
        **extra,
    }


def test_statement_endpoint_validates_and_keeps_own_statements(world: World, login) -> None:
    client = login(world.a.student)
    url = "/api/v1/lms/xapi/statements"
    ok = client.post(
        url,
        _statement(world.a.student.username, result={"score": {"scaled": 0.8}}),
        content_type="application/json",
    )
    assert ok.status_code == 200
    stored = Statement.objects.get(pk=ok.json()["id"])
    assert (stored.user, stored.verb) == (
        world.a.student,
        "http://adlnet.gov/expapi/verbs/experienced",
    )
    bad = client.post(
        url,
        _statement(world.a.student.username, result={"score": {"scaled": 1.5}}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "result/score/scaled" in bad.json()["detail"][0]
    no_verb = _statement(world.a.student.username)
    del no_verb["verb"]
    assert client.post(url, no_verb, content_type="application/json").status_code == 422
    someone_else = client.post(
        url, _statement(world.b.student.username), content_type="application/json"
    )
    assert someone_else.status_code == 403
    assert Statement.objects.count() == 1
    listed = client.get(url).json()
    assert [s["id"] for s in listed] == [str(stored.pk)]
    assert login(world.b.student).get(url).json() == []


def test_dashboards_and_exports(world: World, course: Course, login) -> None:
    module = services.add_module(world.a.teacher, course, title="Chương 1")
    video = services.add_activity(
        world.a.teacher,
        module,
        kind=Activity.Kind.CONTENT,
        title="Video",
        rule=Activity.Rule.VIEWED,
    )
    test = services.add_activity(
        world.a.teacher,
        module,
        kind=Activity.Kind.TEST,
        title="Kiểm tra",
        rule=Activity.Rule.PASSED,
        pass_score="5",
    )
    services.record_view(world.a.student, video, seconds=600)
    services.record_result(world.a.student, test, score="7.5")
    me = dashboards.student_dashboard(world.a.student, course)
    assert (me.completed, me.total, me.percent, me.minutes, me.average_score) == (
        2,
        2,
        100,
        10,
        Decimal("7.5"),
    )
    assert me.completion_chart.points.endswith(
        f"{dashboards.CHART_W}.0,0.0"
    )  # 2 of 2 today: top right
    [row] = dashboards.class_rows(course)
    assert (row.completed, row.percent, row.minutes, row.average_score) == (
        2,
        100,
        10,
        Decimal("7.5"),
    )

    teacher = login(world.a.teacher)
    page = teacher.get(f"/lms/courses/{course.pk}/dashboard/")
    assert page.status_code == 200
    assert "<polyline" in page.content.decode()
    csv_body = teacher.get(f"/lms/courses/{course.pk}/progress.csv").content.decode("utf-8-sig")
    assert csv_body.splitlines()[1] == f"{world.a.student.full_name},2,100,10,7.5"
    csv_response = teacher.get(f"/lms/courses/{course.pk}/progress.csv")
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == f'attachment; filename="tien-do-{course.pk}.csv"'
    xlsx_response = teacher.get(f"/lms/courses/{course.pk}/progress.xlsx")
    assert xlsx_response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx_response["Content-Disposition"] == (
        f'attachment; filename="tien-do-{course.pk}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [c.value for c in sheet[3]] == [world.a.student.full_name, 2, 100, 10, 7.5]
    assert login(world.a.student).get(f"/lms/courses/{course.pk}/progress.csv").status_code == 404
    assert login(world.b.teacher).get(f"/lms/courses/{course.pk}/dashboard/").status_code == 404


class _LRS(BaseHTTPRequestHandler):
    received: list[dict[str, object]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _LRS.received.append(
            {
                "path": self.path,
                "version": self.headers["X-Experience-API-Version"],
                "body": json.loads(body),
            }
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_statements_are_forwarded_after_commit(
    world: World, course: Course, django_capture_on_commit_callbacks
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _LRS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        module = services.add_module(world.a.teacher, course, title="Chương 1")
        video = services.add_activity(
            world.a.teacher,
            module,
            kind=Activity.Kind.CONTENT,
            title="Video",
            rule=Activity.Rule.VIEWED,
        )
        url = f"http://127.0.0.1:{server.server_port}/xapi"
        with (
            override_settings(LMS_XAPI_FORWARD_URL=url),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.record_view(world.a.student, video)
        verbs = [r["body"]["verb"]["id"].rsplit("/", 1)[1] for r in _LRS.received]
        assert sorted(verbs) == ["completed", "completed", "experienced"]  # activity, course, view
        assert all(
            r["version"] == "1.0.3" and r["path"].startswith("/xapi/statements?statementId=")
            for r in _LRS.received
        )
        assert Statement.objects.filter(forwarded_at__isnull=True).count() == 0
    finally:
        server.shutdown()
