"""Roster import through the pages and the JSON API."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent, Enrolment, RosterImport, User
from tests.core.rosters import GOOD_ROWS, csv_bytes, xlsx_bytes
from tests.core.test_roster_import import BAD_ROWS, EXPECTED_PROBLEMS, counts

pytestmark = pytest.mark.django_db


def table_rows(page: str) -> list[list[str]]:
    """The text of each body row of the page's tables."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", page, re.S))
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def api_upload(client, school, content: bytes, name: str):
    return client.post(
        f"/api/v1/schools/{school.pk}/roster-imports",
        {"file": SimpleUploadedFile(name, content)},
    )


class TestPages:
    def test_upload_preview_and_commit(self, world, login):
        client = login(world.a.admin)
        upload_url = reverse("roster_upload", args=[world.a.school.pk])
        response = client.post(
            upload_url, {"file": SimpleUploadedFile("ds.xlsx", xlsx_bytes(GOOD_ROWS))}
        )
        upload = RosterImport.objects.get()
        preview_url = reverse("roster_preview", args=[world.a.school.pk, upload.pk])
        assert response.status_code == 302
        assert response["Location"] == preview_url
        assert not User.objects.filter(national_id="079210000001").exists()

        page = client.get(preview_url).content.decode()
        assert "11A2" in page  # the class that will be created
        assert 'type="submit"' in page

        done = client.post(preview_url, follow=True)
        assert done.status_code == 200
        assert "Đã nhập: 3 học sinh mới, 0 cập nhật, 0 không đổi." in done.content.decode()
        assert User.objects.filter(national_id__in=[r[0] for r in GOOD_ROWS]).count() == 3

    def test_bad_file_shows_located_errors_and_commit_writes_nothing(self, world, login):
        client = login(world.a.admin)
        client.post(
            reverse("roster_upload", args=[world.a.school.pk]),
            {"file": SimpleUploadedFile("ds.csv", csv_bytes(BAD_ROWS))},
        )
        upload = RosterImport.objects.get()
        preview_url = reverse("roster_preview", args=[world.a.school.pk, upload.pk])
        page = client.get(preview_url).content.decode()
        assert table_rows(page) == [
            [str(p["row"]), p["column"], p["message"]] for p in EXPECTED_PROBLEMS
        ]
        before = counts()
        response = client.post(preview_url)
        assert response.status_code == 200
        assert "Tệp còn 8 lỗi, chưa nhập gì." in response.content.decode()
        assert counts() == before

    def test_unreadable_file_is_reported_on_the_form(self, world, login):
        response = login(world.a.admin).post(
            reverse("roster_upload", args=[world.a.school.pk]),
            {"file": SimpleUploadedFile("ds.pdf", b"%PDF-1.7")},
        )
        assert response.status_code == 200
        assert "Tệp ds.pdf không phải CSV hay Excel .xlsx hợp lệ." in response.content.decode()

    def test_admin_of_another_school_cannot_see_or_commit_the_preview(self, world, login):
        login(world.a.admin).post(
            reverse("roster_upload", args=[world.a.school.pk]),
            {"file": SimpleUploadedFile("ds.csv", csv_bytes(GOOD_ROWS))},
        )
        upload = RosterImport.objects.get()
        url = reverse("roster_preview", args=[world.a.school.pk, upload.pk])
        other = login(world.b.admin)
        assert other.get(url).status_code == 403
        assert other.post(url).status_code == 403
        assert RosterImport.objects.get().status == "previewed"
        posted = other.post(
            reverse("roster_upload", args=[world.a.school.pk]),
            {"file": SimpleUploadedFile("ds.csv", csv_bytes(GOOD_ROWS))},
        )
        assert posted.status_code == 403
        assert RosterImport.objects.count() == 1


class TestApi:
    def test_upload_then_commit(self, world, login):
        client = login(world.a.admin)
        response = api_upload(client, world.a.school, csv_bytes(GOOD_ROWS), "ds.csv")
        assert response.status_code == 201
        body = response.json()
        assert {k: body[k] for k in ("rows", "create", "update", "unchanged", "new_classes")} == {
            "rows": 3,
            "create": 3,
            "update": 0,
            "unchanged": 0,
            "new_classes": ["11A2"],
        }
        assert body["problems"] == []
        commit_url = f"/api/v1/schools/{world.a.school.pk}/roster-imports/{body['id']}/commit"
        committed = client.post(commit_url)
        assert committed.status_code == 200
        assert committed.json()["status"] == "committed"
        assert Enrolment.objects.filter(student__national_id="001210000003").count() == 1

        again = client.post(commit_url)
        assert again.status_code == 409
        assert again.json()["file_error"] == "Danh sách này đã được nhập."

    def test_bad_file_commit_is_refused_with_the_problems(self, world, login):
        client = login(world.a.admin)
        body = api_upload(client, world.a.school, xlsx_bytes(BAD_ROWS), "ds.xlsx").json()
        assert body["problems"] == EXPECTED_PROBLEMS
        before = counts()
        response = client.post(
            f"/api/v1/schools/{world.a.school.pk}/roster-imports/{body['id']}/commit"
        )
        assert response.status_code == 409
        assert response.json()["problems"] == EXPECTED_PROBLEMS
        assert counts() == before

    def test_unreadable_file_is_422(self, world, login):
        client = login(world.a.admin)
        response = api_upload(client, world.a.school, b"just text, no header\n", "ds.csv")
        assert response.status_code == 422
        assert response.json()["file_error"].startswith("Không tìm thấy dòng tiêu đề")
        commit = client.post(
            f"/api/v1/schools/{world.a.school.pk}/roster-imports/{response.json()['id']}/commit"
        )
        assert commit.status_code == 422
        assert AuditEvent.objects.filter(action="roster.import").count() == 0

    def test_other_school_admin_cannot_commit(self, world, login):
        body = api_upload(login(world.a.admin), world.a.school, csv_bytes(GOOD_ROWS), "d.csv")
        response = login(world.b.admin).post(
            f"/api/v1/schools/{world.a.school.pk}/roster-imports/{body.json()['id']}/commit"
        )
        assert response.status_code == 403
        assert not User.objects.filter(national_id="079210000001").exists()
