from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .notifications import user_group


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Pushes a signed-in person's notifications to every page they have open."""

    group: str = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.username})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def notify(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "notification",
                "message": event["message"],
                "level": event.get("level", "info"),
                "url": event.get("url", ""),
            }
        )
