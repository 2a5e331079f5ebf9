"""The authenticated notification websocket, through the real ASGI application."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from core.notifications import notify_user

pytestmark = pytest.mark.django_db

PATH = "/ws/notifications/"


def communicator(session_key: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    return WebsocketCommunicator(application, PATH, headers=headers)


def session_of(login, user) -> str:
    return login(user).cookies[settings.SESSION_COOKIE_NAME].value


def test_anonymous_is_refused():
    async def scenario() -> tuple[bool, int | str | None]:
        ws = communicator()
        connected, code = await ws.connect()
        await ws.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4401)


def test_a_forged_session_is_refused(world):
    async def scenario() -> bool:
        ws = communicator("khong-phai-phien-that")
        connected, _code = await ws.connect()
        await ws.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_signed_in_user_gets_their_notification_after_commit_only(
    world, login, django_capture_on_commit_callbacks
):
    teacher = world.a.teacher

    async def scenario() -> dict:
        ws = communicator(await sync_to_async(session_of)(login, teacher))
        connected, _ = await ws.connect()
        assert connected
        assert await ws.receive_json_from() == {"type": "hello", "user": teacher.username}

        def queue() -> list:
            with django_capture_on_commit_callbacks() as callbacks:
                notify_user(teacher.pk, "Có bài nộp mới.", url="/lop/1/")
            return callbacks

        callbacks = await sync_to_async(queue)()
        assert len(callbacks) == 1
        # Still inside the (uncommitted) transaction: nothing has been sent.
        assert await ws.receive_nothing(timeout=0.2)
        await sync_to_async(callbacks[0])()  # the commit
        message = await ws.receive_json_from(timeout=2)
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from() == {"type": "pong"}
        await ws.disconnect()
        return message

    assert async_to_sync(scenario)() == {
        "type": "notification",
        "message": "Có bài nộp mới.",
        "level": "info",
        "url": "/lop/1/",
    }


def test_nobody_receives_another_persons_notification(
    world, login, django_capture_on_commit_callbacks
):
    async def scenario() -> list:
        mine = communicator(await sync_to_async(session_of)(login, world.a.teacher))
        theirs = communicator(await sync_to_async(session_of)(login, world.b.teacher))
        for ws in (mine, theirs):
            assert (await ws.connect())[0]
            await ws.receive_json_from()  # hello

        def send() -> None:
            with django_capture_on_commit_callbacks(execute=True):
                notify_user(world.b.teacher.pk, "Chỉ cho giáo viên trường B.")

        await sync_to_async(send)()
        received = await theirs.receive_json_from(timeout=2)
        assert await mine.receive_nothing(timeout=0.2)
        for ws in (mine, theirs):
            await ws.disconnect()
        return [received["message"]]

    assert async_to_sync(scenario)() == ["Chỉ cho giáo viên trường B."]
