"""What happens when a review workflow is approved (settings.WAGTAIL_FINISH_WORKFLOW_ACTION)."""

from __future__ import annotations

from typing import Any

from django.db import transaction


@transaction.atomic
def publish_approved(workflow_state: Any, user: Any = None) -> None:
    # Wagtail imports this module while its own models load, so models are imported here.
    from .models import ContentPage
    from .signing import sign_published

    # The approving reviewer was authorised by the workflow's task (the subject head rule in
    # content.review), not by Wagtail's group page permissions, so those are not re-checked.
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
    # Signed in the same transaction: no item is ever live without its signed manifest.
    sign_published(ContentPage.objects.get(pk=workflow_state.content_object.pk), user)
