"""The import wizard: upload → preview with located errors (nothing stored) → commit in the
chosen mode; big files through the Celery task with progress; idempotent re-import; templates."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from question_bank import services
from question_bank.importers import parse_bytes
from question_bank.models import ImportJob, Item

pytestmark = pytest.mark.django_db

HEADER = ["Câu", "Phần", "Nội dung", "A", "B", "C", "D", "Đáp án"]


def csv_file(rows: list[list[str]], name: str = "de.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def good_rows(n: int, start: int = 1) -> list[list[str]]:
    return [
        [str(i), "I", f"Câu hỏi số {i} về phương trình bậc {i}", "1", "2", "3", "4", "ABCD"[i % 4]]
        for i in range(start, start + n)
    ]


BAD_ROW = ["3", "I", "Câu hỏi lỗi không có đáp án", "1", "2", "3", "4", ""]


def upload(client, file, mode="skip_bad", **extra):
    return client.post(
        "/question-bank/import/", {"file": file, "format": "auto", "mode": mode, **extra}
    )


def test_preview_shows_located_errors_and_stores_nothing(bank, login):
    client = login(bank.author)
    response = upload(client, csv_file([*good_rows(2), BAD_ROW]))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/question-bank/import/{job.pk}/"
    assert Item.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "de.csv, dòng 4" in page  # the file and line of the bad question
    assert "không có trong các phương án." in page  # the row's own message
    assert "Đọc được 3 câu hỏi, 1 câu có lỗi." in page
    assert "qb-row-error" in page


def test_commit_skip_bad_then_reimport_adds_nothing(bank, login):
    client = login(bank.author)
    upload(client, csv_file([*good_rows(2), BAD_ROW]))
    job = ImportJob.objects.get()
    done = client.post(f"/question-bank/import/{job.pk}/commit/")
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert job.report["imported"] == 2
    assert job.report["skipped"] == 1
    items = Item.objects.order_by("pk")
    assert [i.current_version.content["key"] for i in items] == ["B", "C"]
    assert all(i.author == bank.author and i.school == bank.school for i in items)
    page = client.get(f"/question-bank/import/{job.pk}/").content.decode()
    assert "Đã nhập 2 câu hỏi, bỏ qua 1 câu." in page
    # committing the same job again does nothing
    client.post(f"/question-bank/import/{job.pk}/commit/")
    assert Item.objects.count() == 2
    # the same file uploaded again: the preview warns, the commit adds nothing
    upload(client, csv_file([*good_rows(2), BAD_ROW]))
    again = ImportJob.objects.latest("pk")
    assert (
        "Câu hỏi đã có trong ngân hàng"
        in client.get(f"/question-bank/import/{again.pk}/").content.decode()
    )
    client.post(f"/question-bank/import/{again.pk}/commit/")
    again.refresh_from_db()
    assert again.report["imported"] == 0
    assert Item.objects.count() == 2


def test_all_or_nothing_imports_nothing_when_one_item_is_bad(bank, login):
    client = login(bank.author)
    upload(client, csv_file([*good_rows(2), BAD_ROW]), mode="all_or_nothing")
    job = ImportJob.objects.get()
    assert job.all_or_nothing
    assert "disabled" in client.get(f"/question-bank/import/{job.pk}/").content.decode()
    client.post(f"/question-bank/import/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.report["imported"] == 0
    assert Item.objects.count() == 0


def test_big_file_runs_in_celery_with_progress(bank, login, django_capture_on_commit_callbacks):
    client = login(bank.author)
    upload(client, csv_file(good_rows(services.IMPORT_IN_BACKGROUND + 20)))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/question-bank/import/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.state == ImportJob.State.RUNNING  # handed to the task, not done inline
    assert Item.objects.count() == 0
    fragment = client.get(f"/question-bank/import/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert f"0/{services.IMPORT_IN_BACKGROUND + 20}" in fragment
    assert len(callbacks) >= 1
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()  # the on_commit hook: run_import.delay (eager in tests)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert Item.objects.count() == services.IMPORT_IN_BACKGROUND + 20
    assert services.import_progress(job.pk)["done"] == services.IMPORT_IN_BACKGROUND + 20
    fragment = client.get(f"/question-bank/import/{job.pk}/progress/").content.decode()
    assert "every 1s" not in fragment  # polling stops when done
    assert "Đã nhập 120 câu hỏi" in fragment
    # the task running a second time (a redelivery) changes nothing
    from question_bank.tasks import run_import

    run_import.delay(job.pk)
    assert Item.objects.count() == services.IMPORT_IN_BACKGROUND + 20


def test_unreadable_file_is_refused_and_nothing_kept(bank, login):
    client = login(bank.author)
    response = upload(client, SimpleUploadedFile("de.xlsx", b"not an excel file"), format="xlsx")
    assert response.status_code == 400
    assert "de.xlsx" in response.content.decode()
    assert "không phải tệp Excel" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_another_persons_job_is_404(bank, login, world):
    upload(login(bank.author), csv_file(good_rows(1)))
    job = ImportJob.objects.get()
    other = login(world.b.teacher)
    assert other.get(f"/question-bank/import/{job.pk}/").status_code == 404
    assert other.post(f"/question-bank/import/{job.pk}/commit/").status_code == 404
    assert Item.objects.count() == 0
    assert login(world.a.student).get("/question-bank/import/").status_code == 403


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_templates_download_and_import_cleanly(bank, login, kind):
    response = login(bank.author).get(f"/question-bank/import/template.{kind}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="mau-cau-hoi.{kind}"'
    assert (
        response["Content-Type"]
        == {
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csv": "text/csv; charset=utf-8",
        }[kind]
    )
    result = parse_bytes(response.content, f"mau.{kind}")
    assert not result.problems
    assert [i.content.type.value for i in result.items] == [
        "single_choice",
        "true_false_cluster",
        "short_numeric",
        "essay",
    ]
    assert [i.content.key for i in result.items][:3] == [
        "A",
        {"a": True, "b": True, "c": False, "d": True},
        "0,25",
    ]


def test_docx_template_download(bank, login):
    response = login(bank.author).get("/question-bank/import/template.docx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data[:2] == b"PK"
    assert parse_bytes(data, "mau.docx").items


def test_wizard_page_lists_formats_and_templates(bank, login):
    body = login(bank.author).get("/question-bank/import/").content.decode()
    for text in ("Word (.docx)", "Moodle XML", "GIFT", "Aiken", "QTI", "template.xlsx"):
        assert text in body
