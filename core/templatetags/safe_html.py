"""`{{ value|clean_richtext }}`: Wagtail rich text (a field or a RichTextBlock value) expanded
as `|richtext` does, then cleaned (core.richtext) before it is marked safe."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from wagtail.templatetags.wagtailcore_tags import richtext

from core.richtext import clean_rich_text

register = template.Library()


@register.filter
def clean_richtext(value: Any) -> SafeString:
    if value is None or value == "":
        return mark_safe("")
    return mark_safe(clean_rich_text(richtext(value)))  # cleaned by nh3 just above
