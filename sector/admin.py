"""The dead-letter list (and the rest of the sync state) in the Django admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutboxMessage, RemoteRecord, SchoolLink, SyncRun


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("key", "status", "record_count", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status",)
    search_fields = ("key",)
    actions = ("retry",)
    readonly_fields = tuple(f.name for f in OutboxMessage._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Gửi lại các bản ghi lỗi đã chọn"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        done = 0
        for message in queryset.filter(status=OutboxMessage.Status.DEAD):
            try:
                services.retry_dead(message, request.user)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("Đã xếp lại %(n)d bản ghi.", "Đã xếp lại %(n)d bản ghi.", done) % {"n": done},
        )


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("kind", "school", "started", "finished")
    list_filter = ("kind",)
    readonly_fields = ("kind", "school", "started", "finished", "report")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RemoteRecord)
class RemoteRecordAdmin(admin.ModelAdmin):
    list_display = ("kind", "sourced_id", "local_id", "conflict", "synced_at")
    list_filter = ("kind",)
    search_fields = ("sourced_id",)
    readonly_fields = ("kind", "sourced_id", "local_id", "applied", "conflict", "synced_at")


@admin.register(SchoolLink)
class SchoolLinkAdmin(admin.ModelAdmin):
    list_display = ("school", "remote_id", "enabled")
    raw_id_fields = ("school",)
