"""Template helpers for sign-in pages."""

from __future__ import annotations

from django import template

from core import oidc

register = template.Library()


@register.simple_tag
def oidc_enabled() -> bool:
    return oidc.enabled()
