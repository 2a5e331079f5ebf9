"""Who may see, edit and review items. Subject heads review only their own subject, within the
organisations their membership reaches."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from core.api import Membership, Organisation, OrgKind, Role, permissions

from .models import Item, Scope, Status, Stimulus

REVIEWABLE = (Status.SUBMITTED, Status.APPROVED)


def home_school(user: Any) -> Organisation | None:
    """The school an author works at, which new items belong to."""
    membership = (
        Membership.objects.filter(user=user, organisation__kind=OrgKind.SCHOOL)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return membership.organisation if membership else None


def can_edit(user: Any, item: Item) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    if item.author_id is not None and item.author_id == getattr(user, "pk", None):
        return True
    return permissions.reaches(user, item.school, permissions.ADMIN_ROLES)


def can_edit_stimulus(user: Any, stimulus: Stimulus) -> bool:
    """Its author, or whoever may edit every item hanging off it (an edit reaches them all)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if stimulus.author_id is not None and stimulus.author_id == user.pk:
        return True
    items = list(stimulus.items.select_related("school"))
    return bool(items) and all(can_edit(user, item) for item in items)


def can_review(user: Any, item: Item) -> bool:
    """A subject head of the item's subject whose organisation is the item's school or above."""
    if not getattr(user, "is_authenticated", False) or item.subject_id is None:
        return False
    if user.is_superuser:
        return True
    heads = Membership.objects.filter(
        user=user, role=Role.SUBJECT_HEAD, subject_id=item.subject_id
    ).select_related("organisation")
    if item.school is None:
        return heads.filter(organisation__parent__isnull=True).exists()
    return any(item.school.path.startswith(m.organisation.path) for m in heads)


def _review_q(user: Any) -> Q:
    """Submitted items in the subjects and organisations this user heads. Written over the
    item's own columns only, so it also filters the facet count table."""
    q = Q(pk__in=[])
    for subject_id, path, parent_id in Membership.objects.filter(
        user=user, role=Role.SUBJECT_HEAD, subject__isnull=False
    ).values_list("subject_id", "organisation__path", "organisation__parent_id"):
        cell = Q(subject_id=subject_id, school__path__startswith=path)
        if parent_id is None:
            cell |= Q(subject_id=subject_id, school__isnull=True)
        q |= cell
    if user.is_superuser:
        q = Q()
    return q & Q(status=Status.SUBMITTED)


def reviewable_items(user: Any) -> QuerySet[Item]:
    """Items waiting for this subject head."""
    if not getattr(user, "is_authenticated", False):
        return Item.objects.none()
    return Item.objects.filter(_review_q(user))


def visibility(user: Any) -> Q:
    """What `visible_items` shows, as a filter over the item's own columns (no primary keys):
    it applies both to items and to the facet count table (`FacetCount`)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    shared = Q(scope=Scope.DEPARTMENT, status__in=[Status.APPROVED, Status.PUBLISHED])
    school = Q(scope=Scope.SCHOOL) & permissions.path_q(
        user, permissions.STAFF_ROLES, "school__path"
    )
    admin = permissions.path_q(user, permissions.ADMIN_ROLES, "school__path")
    return Q(author=user) | shared | school | admin | _review_q(user)


def visible_items(user: Any) -> QuerySet[Item]:
    """Own items, school-shared items of reached schools, approved department-wide items, and
    items a subject head reviews."""
    if not getattr(user, "is_authenticated", False):
        return Item.objects.none()
    return Item.objects.filter(visibility(user))


def can_author(user: Any) -> bool:
    """Staff (teachers, subject heads, admins) write and import items; students do not."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or permissions.has_role(user, permissions.STAFF_ROLES))
