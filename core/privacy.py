"""Personal-data protection (Law 91/2025): who viewed whose data, guardians, departure,
anonymisation and retention. docs/privacy.md is the inventory these serve."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, context, permissions
from .models import Departure, Guardianship, PersonalDataView, Role, User

ADMIN_ROLES = (Role.SCHOOL_ADMIN, Role.DEPARTMENT_ADMIN)
# The fields anonymisation blanks; scores, enrolments and memberships stay so counts and
# averages do not change.
ANONYMISED_FIELDS = ["username", "full_name", "national_id", "email", "date_of_birth", "gender"]


def record_personal_data_view(viewer: Any, subject: User, what: str) -> PersonalDataView | None:
    """Log that `viewer` saw `subject`'s personal data (`what`); looking at oneself is not."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    if viewer.pk == subject.pk:
        return None
    return PersonalDataView.objects.create(
        viewer=viewer,
        viewer_label=str(viewer.get_username())[:160],
        subject=subject,
        what=what[:255],
        ip=context.current().ip,
    )


def record_personal_data_views(viewer: Any, subject_ids: list[int], what: str) -> None:
    """The same for a page that shows many students at once (one row each, one query)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return
    ip = context.current().ip
    label = str(viewer.get_username())[:160]
    PersonalDataView.objects.bulk_create(
        PersonalDataView(viewer=viewer, viewer_label=label, subject_id=pk, what=what[:255], ip=ip)
        for pk in dict.fromkeys(subject_ids)
        if pk != viewer.pk
    )


def is_guardian_of(person: Any, child: User) -> bool:
    return bool(
        getattr(person, "is_authenticated", False)
        and Guardianship.objects.filter(guardian_id=person.pk, child=child).exists()
    )


def can_administer_person(actor: Any, person: User) -> bool:
    """An admin whose organisation reaches one of the person's schools (or a superuser)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    return any(
        permissions.reaches(actor, m.organisation, ADMIN_ROLES)
        for m in person.memberships.select_related("organisation")
    )


def can_see_view_log(actor: Any, person: User) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and (
            actor.pk == person.pk
            or is_guardian_of(actor, person)
            or can_administer_person(actor, person)
        )
    )


def view_log(actor: Any, person: User) -> QuerySet[PersonalDataView]:
    if not can_see_view_log(actor, person):
        raise PermissionDenied
    return person.personal_data_views.select_related("viewer").order_by("-at", "-id")


def link_guardian(actor: Any, *, guardian: User, child: User) -> Guardianship:
    if guardian.pk == child.pk or not can_administer_person(actor, child):
        raise PermissionDenied
    link, created = Guardianship.objects.get_or_create(guardian=guardian, child=child)
    if created:
        audit.record("guardian.link", link, actor=actor, after=audit.snapshot(link))
    return link


def school_students(school: Any) -> QuerySet[User]:
    """Students of `school`: a student membership there or a place in one of its classes."""
    return User.objects.filter(
        Q(memberships__organisation=school, memberships__role=Role.STUDENT)
        | Q(enrolments__school_class__school=school)
    ).distinct()


def school_guardianships(school: Any) -> QuerySet[Guardianship]:
    return (
        Guardianship.objects.filter(child__in=school_students(school))
        .select_related("guardian", "child")
        .order_by("child__name_key", "guardian__full_name", "pk")
    )


def link_guardian_at_school(
    actor: Any, school: Any, *, child: User, guardian_username: str
) -> Guardianship:
    """A school admin links a parent's account (by its sign-in name) to one of the school's
    students. The child must be this school's: another school's student is not found."""
    if not permissions.reaches(actor, school, ADMIN_ROLES):
        raise PermissionDenied
    if not school_students(school).filter(pk=child.pk).exists():
        raise PermissionDenied
    username = guardian_username.strip()
    if not username:
        raise ValidationError(_("Hãy nhập tên đăng nhập của phụ huynh."))
    guardian = User.objects.filter(username=username, is_active=True).first()
    if guardian is None:
        raise ValidationError(
            _("Không có tài khoản nào đang hoạt động với tên đăng nhập “%(u)s”.") % {"u": username}
        )
    if guardian.pk == child.pk:
        raise ValidationError(_("Học sinh không thể là người giám hộ của chính mình."))
    with transaction.atomic():
        return link_guardian(actor, guardian=guardian, child=child)


def unlink_guardian(actor: Any, school: Any, link: Guardianship) -> None:
    if not permissions.reaches(actor, school, ADMIN_ROLES):
        raise PermissionDenied
    if not school_students(school).filter(pk=link.child_id).exists():
        raise PermissionDenied
    with transaction.atomic():
        audit.record("guardian.unlink", link, actor=actor, before=audit.snapshot(link))
        link.delete()


def mark_departed(actor: Any, person: User) -> Departure:
    """The person left: sign-in stops now; anonymisation follows after the retention time."""
    if not can_administer_person(actor, person):
        raise PermissionDenied
    with transaction.atomic():
        departure, created = Departure.objects.get_or_create(user=person)
        if person.is_active:
            User.objects.filter(pk=person.pk).update(is_active=False)
        if created:
            audit.record("user.depart", person, actor=actor, after={"is_active": False})
    return departure


def anonymise_person(actor: Any, person: User) -> User:
    """Replace who the person was; keep what they did for statistics. Idempotent."""
    if actor is not None and not can_administer_person(actor, person):
        raise PermissionDenied
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        departure, _ = Departure.objects.get_or_create(user=person)
        if departure.anonymised_at is not None:
            return person
        person.username = f"an-danh-{person.pk}"
        person.full_name = f"Người dùng ẩn danh {person.pk}"
        person.national_id = None
        person.email = ""
        person.date_of_birth = None
        person.gender = ""
        person.is_active = False
        person.is_staff = False
        person.is_superuser = False
        person.set_unusable_password()
        person.save()
        person.access_tokens.all().delete()
        Guardianship.objects.filter(guardian=person).delete()
        Guardianship.objects.filter(child=person).delete()
        _forget_second_factor(person)
        departure.anonymised_at = timezone.now()
        departure.save(update_fields=["anonymised_at"])
        # The old values are not written to the (append-only) log: that would undo the point.
        audit.record(
            "user.anonymise",
            object_type=User._meta.label_lower,
            object_id=str(person.pk),
            object_repr=person.full_name,
            actor=actor,
            after={"fields": ANONYMISED_FIELDS},
        )
    return person


def _forget_second_factor(person: User) -> None:
    from django_otp import devices_for_user

    for device in list(devices_for_user(person, confirmed=None)):
        device.delete()


def purge_expired_personal_data(now: dt.datetime | None = None) -> dict[str, int]:
    """Drop view-log rows past their retention and anonymise people departed long enough ago.

    Safe to run any number of times: a second run finds nothing left to do.
    """
    now = now or timezone.now()
    view_cutoff = now - dt.timedelta(days=settings.PRIVACY_VIEW_LOG_RETENTION_DAYS)
    views_deleted, _ = PersonalDataView.objects.filter(at__lt=view_cutoff).delete()
    departed_cutoff = now - dt.timedelta(days=settings.PRIVACY_DEPARTED_RETENTION_DAYS)
    due = Departure.objects.filter(anonymised_at__isnull=True, departed_at__lt=departed_cutoff)
    anonymised = 0
    for departure in due.select_related("user"):
        anonymise_person(None, departure.user)
        anonymised += 1
    if views_deleted or anonymised:
        audit.record(
            "privacy.purge",
            object_type="core.personaldataview",
            after={"views_deleted": views_deleted, "anonymised": anonymised},
        )
    return {"views_deleted": views_deleted, "anonymised": anonymised}
