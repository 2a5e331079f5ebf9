"""The JSON API: search with facets, 404 for what one may not see, review steps, upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from question_bank import services

from .conftest import single_choice
from .docx_builder import teacher_test

pytestmark = pytest.mark.django_db
API = "/api/v1/question-bank"


def test_search_create_and_review_through_the_api(bank, login, world):
    author = login(bank.author)
    created = author.post(
        f"{API}/items",
        {"content": single_choice().to_json(), "subject": "TOAN", "grade": 10, "level": "biet"},
        content_type="application/json",
    )
    assert created.status_code == 201
    item_id = created.json()["id"]
    found = author.get(f"{API}/items", {"q": "phuong trinh bac hai"}).json()
    assert found["total"] == 1
    assert found["items"][0]["stem_text"] == "Nghiệm của phương trình bậc hai x² − 3x + 2 = 0 là"
    assert found["facets"]["subject"] == [["TOAN", 1]]
    # another school's teacher gets 404
    assert login(world.b.teacher).get(f"{API}/items/{item_id}").status_code == 404
    assert (
        author.post(f"{API}/items/{item_id}/submit", {}, content_type="application/json").json()[
            "status"
        ]
        == "submitted"
    )
    head = login(bank.maths_head)
    assert [i["id"] for i in head.get(f"{API}/review-queue").json()] == [item_id]
    assert (
        login(bank.physics_head)
        .post(f"{API}/items/{item_id}/approve", {}, content_type="application/json")
        .status_code
        == 404  # a subject head of another subject does not even see the submitted item
    )
    rejected = head.post(
        f"{API}/items/{item_id}/reject", {"comment": ""}, content_type="application/json"
    )
    assert rejected.status_code == 422
    approved = head.post(
        f"{API}/items/{item_id}/approve", {"comment": "Đạt"}, content_type="application/json"
    )
    assert approved.json()["status"] == "approved"


def test_import_preview_then_commit(bank, login):
    client = login(bank.author)
    upload = SimpleUploadedFile("de.docx", teacher_test())
    preview = client.post(f"{API}/import", {"file": upload, "dry_run": "true"}).json()
    assert (preview["imported"], len(preview["items"])) == (11, 11)
    assert services.Item.objects.count() == 0
    upload = SimpleUploadedFile("de.docx", teacher_test())
    done = client.post(f"{API}/import", {"file": upload, "dry_run": "false"}).json()
    assert done["imported"] == 11
    assert services.Item.objects.filter(author=bank.author).count() == 11
    bad = client.post(f"{API}/import", {"file": SimpleUploadedFile("x.docx", b"no")})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["message"].startswith("x.docx: không phải tệp Word")
