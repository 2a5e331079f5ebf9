"""The live proctor console (one room) and the coordinator overview (one exam).

A console receives a snapshot when it connects and after every change in the room (pushed by
the services after commit), plus a refresh every few seconds so answered counts and idle or
disconnected seats stay current without a push on every save. Actions come in as JSON and go
through the same services as everything else (audited).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from . import permissions, services
from .console import exam_overview, room_snapshot
from .live import exam_group, room_group
from .models import Candidate

REFRESH_SECONDS = 5.0


class _Live(AsyncJsonWebsocketConsumer):
    url_kwarg = ""
    group = ""
    refresher: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        """Signed-in people who may see the object named in the URL; others are closed."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        object_id = int(self.scope["url_route"]["kwargs"][self.url_kwarg])
        try:
            group = await database_sync_to_async(self.load)(user, object_id)
        except Http404:
            await self.close(code=4404)
            return
        await self._join(group)

    def load(self, user: Any, object_id: int) -> str:  # pragma: no cover - overridden
        """Fetch the object the user may watch (Http404 otherwise); return its group name."""
        raise NotImplementedError

    async def _join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json(await self.snapshot())
        self.refresher = asyncio.ensure_future(self._refresh())

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            await self.send_json(await self.snapshot())

    async def disconnect(self, code: int) -> None:
        if self.refresher is not None:
            self.refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.refresher
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def room_changed(self, event: dict[str, Any]) -> None:
        data = await self.snapshot()
        data["event"] = event.get("event", "")
        await self.send_json(data)

    async def snapshot(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError


class RoomConsole(_Live):
    url_kwarg = "room_id"
    room: Any = None

    def load(self, user: Any, object_id: int) -> str:
        self.room = permissions.room_for(user, object_id)
        return room_group(self.room.pk)

    async def snapshot(self) -> dict[str, Any]:
        return await database_sync_to_async(room_snapshot)(self.room)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        action = str(content.get("action", ""))
        try:
            result = await database_sync_to_async(self._act)(action, content)
        except (ValidationError, services.ExamError, ValueError, Candidate.DoesNotExist) as error:
            message = (
                "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            )
            await self.send_json({"type": "error", "action": action, "detail": message})
            return
        await self.send_json({"type": "done", "action": action, **result})

    def _candidate(self, content: dict[str, Any]) -> Candidate:
        return Candidate.objects.select_related("room__session").get(
            pk=int(content.get("candidate", 0)), room=self.room
        )

    def _act(self, action: str, content: dict[str, Any]) -> dict[str, Any]:
        user = self.scope["user"]
        room = permissions.room_for(user, self.room.pk)
        if action == "start_room":
            return {"access_code": services.release_room(user, room)}
        if action == "pause_room":
            services.pause_room(user, room)
        elif action == "resume_room":
            services.resume_room(user, room)
        elif action == "pause":
            services.pause_attempt(user, self._candidate(content))
        elif action == "resume":
            services.resume_attempt(user, self._candidate(content))
        elif action == "extend":
            services.extend_time(user, self._candidate(content), minutes=int(content["minutes"]))
        elif action == "lock":
            services.lock_attempt(user, self._candidate(content), locked=True)
        elif action == "unlock":
            services.lock_attempt(user, self._candidate(content), locked=False)
        elif action == "force_submit":
            services.force_submit(user, self._candidate(content))
        elif action == "incident":
            candidate = self._candidate(content) if content.get("candidate") else None
            services.record_incident(
                user, room, note=str(content.get("note", "")), candidate=candidate
            )
        else:
            raise ValueError(_("Thao tác không hợp lệ."))
        return {}


class ExamOverview(_Live):
    url_kwarg = "exam_id"
    exam: Any = None

    def load(self, user: Any, object_id: int) -> str:
        self.exam = permissions.exam_for(user, object_id)
        return exam_group(self.exam.pk)

    async def snapshot(self) -> dict[str, Any]:
        return await database_sync_to_async(exam_overview)(self.exam)
