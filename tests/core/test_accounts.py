"""Login lockout (django-axes), password change and reset, all audited."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Tài khoản tạm khoá"


def attempt(client: Client, username: str, password: str, ip: str = "192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_correct_password_logs_in(world):
    client = Client()
    response = attempt(client, world.a.teacher.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_five_failures_lock_the_username_from_that_address(world):
    username = world.a.teacher.username
    client = Client()
    for _ in range(4):
        response = attempt(client, username, "sai-mat-khau")
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    fifth = attempt(client, username, "sai-mat-khau")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()

    # Even the right password is refused now, from that address...
    locked = attempt(client, username, PASSWORD)
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # ...but the same person from another address, and another person from this one, may log in.
    assert attempt(Client(), username, PASSWORD, ip="198.51.100.1").status_code == 302
    assert attempt(Client(), world.b.teacher.username, PASSWORD).status_code == 302


def test_password_change_goes_through_the_service_and_is_audited(world, login):
    client = login(world.a.teacher)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Hoc-lieu-so-2026!",
            "new_password2": "Hoc-lieu-so-2026!",
        },
        REMOTE_ADDR="192.0.2.77",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    world.a.teacher.refresh_from_db()
    assert world.a.teacher.check_password("Hoc-lieu-so-2026!")
    # The session survives the change (the hash is rotated, not the login).
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.get(action="user.password_change")
    assert (event.actor, event.object_id, event.ip) == (
        world.a.teacher,
        str(world.a.teacher.pk),
        "192.0.2.77",
    )
    assert "Hoc-lieu-so-2026" not in str(event.before) + str(event.after)


def test_wrong_old_password_changes_nothing(world, login):
    client = login(world.a.teacher)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "sai",
            "new_password1": "Hoc-lieu-so-2026!",
            "new_password2": "Hoc-lieu-so-2026!",
        },
    )
    assert response.status_code == 200
    world.a.teacher.refresh_from_db()
    assert world.a.teacher.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


def test_password_reset_sends_a_working_link_and_the_reset_is_audited(world):
    teacher = world.a.teacher
    teacher.email = "gv.an@truong.edu.vn"
    teacher.save()
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "gv.an@truong.edu.vn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["gv.an@truong.edu.vn"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", str(message.body))
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Dat-lai-2026!", "new_password2": "Dat-lai-2026!"}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    teacher.refresh_from_db()
    assert teacher.check_password("Dat-lai-2026!")
    event = AuditEvent.objects.get(action="user.password_change")
    assert (event.actor, event.object_id) == (teacher, str(teacher.pk))
    # The link works once.
    assert client.get(link.group(1), follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing(world):
    response = Client().post(reverse("password_reset"), {"email": "khong-co@truong.edu.vn"})
    assert response.status_code == 302  # no hint whether the address exists
    assert mail.outbox == []
