"""What happens when a review workflow is approved (settings.WAGTAIL_FINISH_WORKFLOW_ACTION)."""

from __future__ import annotations

from typing import Any


def publish_approved(workflow_state: Any, user: Any = None) -> None:
    # The approving reviewer was authorised by the workflow's task (the subject head rule in
    # content.review), not by Wagtail's group page permissions, so those are not re-checked.
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
