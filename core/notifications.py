"""Live notifications pushed to a person's open pages over the websocket."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notify_user(user_id: int, message: str, *, level: str = "info", url: str = "") -> None:
    """Queue a notification; it is sent only once the surrounding transaction commits."""

    def send() -> None:
        layer: Any = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(
            user_group(user_id),
            {"type": "notify", "message": message, "level": level, "url": url},
        )

    transaction.on_commit(send)
