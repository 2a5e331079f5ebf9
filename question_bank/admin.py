"""Admins edit the curriculum topic tree here; items change only through services."""

from typing import Any

from django.contrib import admin

from core.api import audit

from .models import Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "subject", "grade", "parent", "order")
    list_filter = ("subject", "grade")
    search_fields = ("title", "code")
    autocomplete_fields = ("parent",)

    def save_model(self, request: Any, obj: Topic, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = "topic.change" if change else "topic.create"
        audit.record(action, obj, actor=request.user, after=audit.snapshot(obj))
