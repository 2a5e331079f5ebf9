"""JSON API behind the editor and the wizard: versions with statistics, near-duplicates,
import jobs (upload → preview → commit), with other people's objects answering 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from question_bank import services
from question_bank.models import Item

from .conftest import single_choice

pytestmark = pytest.mark.django_db
API = "/api/v1/question-bank"
CSV = (
    "Câu,Phần,Nội dung,A,B,C,D,Đáp án\n"
    "1,I,Giá trị của căn bậc hai của 9,1,3,9,81,B\n"
    "2,I,Câu lỗi không có đáp án,1,2,3,4,\n"
)


def test_versions_with_statistics(bank, login, world):
    item = services.create_item(
        bank.author, single_choice(), school=bank.school, subject=bank.maths
    )
    services.revise_item(bank.author, item, single_choice(key="B"))
    services.record_item_statistics(
        item.current_version_id, {"responses": 40, "facility": 0.5, "distractors": {"B": 20}}
    )
    versions = login(bank.author).get(f"{API}/items/{item.pk}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["statistics"] is None
    assert versions[1]["statistics"]["facility"] == 0.5
    assert versions[1]["statistics"]["distractors"] == {"B": 20}
    assert login(world.b.teacher).get(f"{API}/items/{item.pk}/versions").status_code == 404


def test_duplicates_endpoint(bank, login):
    a = services.create_item(bank.author, single_choice(), school=bank.school, subject=bank.maths)
    b = services.create_item(
        bank.author,
        single_choice("Nghiệm của phương trình bậc hai x² − 3x + 2 = 0 là gì"),
        school=bank.school,
        subject=bank.maths,
    )
    found = login(bank.author).get(f"{API}/items/{a.pk}/duplicates").json()
    assert [d["id"] for d in found] == [b.pk]
    assert found[0]["similarity"] >= 0.7
    assert found[0]["stem_text"].endswith("là gì")


def test_import_job_upload_preview_commit(bank, login, world):
    client = login(bank.author)
    created = client.post(
        f"{API}/imports", {"file": SimpleUploadedFile("de.csv", CSV.encode()), "format": "csv"}
    )
    assert created.status_code == 201
    job = created.json()
    assert job["state"] == "previewed"
    assert job["total"] == 2
    assert [row["errors"] != [] for row in job["preview"]] == [False, True]
    assert job["preview"][1]["location"] == "de.csv, dòng 3"
    assert Item.objects.count() == 0
    assert login(world.b.teacher).get(f"{API}/imports/{job['id']}").status_code == 404
    done = client.post(f"{API}/imports/{job['id']}/commit").json()
    assert done["state"] == "done"
    assert done["report"]["imported"] == 1
    assert Item.objects.get().current_version.content["key"] == "B"
    bad = client.post(
        f"{API}/imports", {"file": SimpleUploadedFile("x.xlsx", b"junk"), "format": "xlsx"}
    )
    assert bad.status_code == 400
    assert "x.xlsx" in bad.json()["detail"]
