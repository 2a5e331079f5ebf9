"""Editing a shared stimulus: a new immutable version each time, audited, permission-checked,
and the items hanging off it go back to review."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEvent
from question_bank import services
from question_bank.models import FacetCount, ReviewEvent, StimulusVersion
from question_bank.search import search_visible

from .conftest import single_choice

pytestmark = pytest.mark.django_db
PASSAGE = "<p>Đọc đoạn văn sau về sông Hồng.</p>"


@pytest.fixture
def shared(bank):
    stimulus = services.create_stimulus(bank.author, PASSAGE, title="Sông Hồng", subject=bank.maths)
    items = [
        services.create_item(
            bank.author,
            single_choice(f"Câu hỏi {i} về đoạn văn"),
            school=bank.school,
            subject=bank.maths,
            stimulus=stimulus,
        )
        for i in range(2)
    ]
    services.submit_item(bank.author, items[0])
    services.approve_item(bank.maths_head, items[0])
    services.publish_item(bank.maths_head, items[0])
    return stimulus, items


def test_edit_page_saves_a_new_version_and_sends_items_back_to_review(bank, shared, login):
    stimulus, items = shared
    client = login(bank.author)
    url = f"/question-bank/stimuli/{stimulus.pk}/edit/"
    page = client.get(url).content.decode()
    assert "Sông Hồng" in page
    assert "v1" in page
    response = client.post(
        url, {"title": "Sông Hồng (sửa)", "html": "<p>Đoạn văn mới.</p><script>x()</script>"}
    )
    assert response.status_code == 302
    stimulus.refresh_from_db()
    assert stimulus.html == "<p>Đoạn văn mới.</p>"  # sanitised
    first, second = StimulusVersion.objects.filter(stimulus=stimulus).order_by("number")
    assert (first.number, first.html, first.title) == (1, PASSAGE, "Sông Hồng")
    assert (second.number, second.html, second.title) == (2, stimulus.html, "Sông Hồng (sửa)")
    assert first.content_hash != second.content_hash
    with pytest.raises(ValidationError):  # versions are immutable
        first.save()
    items[0].refresh_from_db()
    items[1].refresh_from_db()
    assert (items[0].status, items[0].scope) == ("draft", "school")
    assert items[1].status == "draft"  # was already a draft: untouched, no review event
    assert ReviewEvent.objects.filter(item=items[1], to_status="draft").count() == 0
    assert ReviewEvent.objects.get(item=items[0], to_status="draft").comment.startswith(
        "Ngữ liệu dùng chung đã được sửa"
    )
    event = AuditEvent.objects.get(action="stimulus.revise")
    assert event.before["html"] == PASSAGE
    assert event.after["version"] == 2
    assert event.after["items_to_draft"] == [items[0].pk]
    # the facet table followed the status change
    assert search_visible(bank.author).facets["status"] == [("draft", 2)]
    assert not FacetCount.objects.filter(status="published", n__gt=0).exists()
    # saving the same text again adds nothing
    client.post(url, {"title": "Sông Hồng (sửa)", "html": "<p>Đoạn văn mới.</p>"})
    assert StimulusVersion.objects.filter(stimulus=stimulus).count() == 2


def test_empty_text_is_refused_with_a_message_and_nothing_stored(bank, shared, login):
    stimulus, _items = shared
    response = login(bank.author).post(
        f"/question-bank/stimuli/{stimulus.pk}/edit/", {"title": "x", "html": "<p> </p>"}
    )
    assert response.status_code == 400
    assert "Nội dung ngữ liệu không được để trống." in response.content.decode()
    assert StimulusVersion.objects.filter(stimulus=stimulus).count() == 1
    assert not AuditEvent.objects.filter(action="stimulus.revise").exists()


def test_only_the_author_or_editors_of_every_item_may_edit(world, bank, shared, login):
    stimulus, _items = shared
    url = f"/question-bank/stimuli/{stimulus.pk}/edit/"
    # the maths head sees the items (reviewer) but may not edit them
    assert login(bank.maths_head).get(url).status_code == 403
    # another school's teacher sees the published item, not the right to change its passage
    assert login(world.b.teacher).get(url).status_code == 403
    assert login(world.b.admin).get(url).status_code == 403
    # the school admin may edit every item hanging off it
    assert login(world.a.admin).get(url).status_code == 200
    with pytest.raises(PermissionDenied):
        services.revise_stimulus(bank.maths_head, stimulus, html="<p>Khác</p>")
    assert StimulusVersion.objects.filter(stimulus=stimulus).count() == 1
