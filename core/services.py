"""Every write to the core domain goes through a function here, and each one is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, permissions
from .models import (
    AuditEvent,
    Enrolment,
    Membership,
    Organisation,
    PersonalAccessToken,
    RosterImport,
    SchoolClass,
    SchoolYear,
    Semester,
    Subject,
    SubjectGrade,
    TeachingAssignment,
    User,
)
from .roster import CLASS_RE, RosterFileError, RosterPlan, plan_roster


class RosterCommitError(Exception):
    def __init__(self, plan: RosterPlan) -> None:
        super().__init__(_("Tệp còn %(n)s lỗi, chưa nhập gì.") % {"n": len(plan.problems)})
        self.plan = plan


class RosterAlreadyCommitted(Exception):
    """Committing an old upload again could undo a newer import, so it is refused."""


# --- Organisations and the school calendar --------------------------------------------------


def create_organisation(
    actor: Any,
    *,
    code: str,
    name: str,
    kind: str,
    parent: Organisation | None = None,
    level: str = "",
    address: str = "",
) -> Organisation:
    org = Organisation(code=code, name=name, kind=kind, parent=parent, level=level, address=address)
    org.full_clean(exclude=["path"])
    org.save()
    audit.record("organisation.create", org, actor=actor, after=audit.snapshot(org))
    return org


def create_school_year(
    actor: Any, *, name: str, start: dt.date, end: dt.date, current: bool = False
) -> SchoolYear:
    with transaction.atomic():
        if current:
            SchoolYear.objects.filter(is_current=True).update(is_current=False)
        year = SchoolYear.objects.create(name=name, start=start, end=end, is_current=current)
        audit.record("school_year.create", year, actor=actor, after=audit.snapshot(year))
    return year


def create_semester(
    actor: Any, *, school_year: SchoolYear, number: int, start: dt.date, end: dt.date
) -> Semester:
    sem = Semester.objects.create(school_year=school_year, number=number, start=start, end=end)
    audit.record("semester.create", sem, actor=actor, after=audit.snapshot(sem))
    return sem


def current_school_year() -> SchoolYear:
    year = SchoolYear.objects.filter(is_current=True).first()
    if year is None:
        raise SchoolYear.DoesNotExist(_("Chưa đặt năm học hiện tại."))
    return year


def create_subject(
    actor: Any, *, code: str, name: str, comment_only: bool = False, periods: dict[int, int]
) -> Subject:
    with transaction.atomic():
        subject = Subject.objects.create(code=code, name=name, comment_only=comment_only)
        SubjectGrade.objects.bulk_create(
            SubjectGrade(subject=subject, grade=g, periods_per_year=p) for g, p in periods.items()
        )
        audit.record(
            "subject.create",
            subject,
            actor=actor,
            after={**audit.snapshot(subject), "periods": periods},
        )
    return subject


# --- People and roles -------------------------------------------------------------------------


def create_user(
    actor: Any,
    *,
    username: str,
    full_name: str,
    password: str | None = None,
    password_hash: str | None = None,
    national_id: str | None = None,
    date_of_birth: dt.date | None = None,
    gender: str = "",
    email: str = "",
) -> User:
    user = User(
        username=username,
        full_name=full_name,
        national_id=national_id,
        date_of_birth=date_of_birth,
        gender=gender,
        email=email,
    )
    if password:
        user.set_password(password)
    elif password_hash:
        # Bulk creators (demo, imports) hash a shared initial password once, not per person.
        user.password = password_hash
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password", "name_key", "name_folded"])
    user.save()
    audit.record("user.create", user, actor=actor, after=audit.snapshot(user))
    return user


def grant_role(
    actor: Any, *, user: User, organisation: Organisation, role: str, subject: Subject | None = None
) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role, subject=subject
    )
    if created:
        audit.record("role.grant", membership, actor=actor, after=audit.snapshot(membership))
    permissions.forget(user)
    return membership


def revoke_role(actor: Any, membership: Membership) -> None:
    before = audit.snapshot(membership)
    audit.record("role.revoke", membership, actor=actor, before=before)
    membership.delete()
    permissions.forget(membership.user)


def change_password(actor: Any, user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_validation.password_changed(new_password, user)
    audit.record("user.password_change", user, actor=actor)


# --- Classes ------------------------------------------------------------------------------------


def create_class(
    actor: Any,
    *,
    school: Organisation,
    school_year: SchoolYear,
    name: str,
    grade: int | None = None,
    homeroom_teacher: User | None = None,
) -> SchoolClass:
    if grade is None:
        match = CLASS_RE.match(name)
        if not match:
            raise ValidationError(_("Tên lớp “%(name)s” không hợp lệ.") % {"name": name})
        grade = int(match.group("grade"))
    if grade not in school.grades:
        raise ValidationError(
            _("Khối %(grade)s không thuộc cấp học của trường.") % {"grade": grade}
        )
    cls = SchoolClass.objects.create(
        school=school,
        school_year=school_year,
        name=name,
        grade=grade,
        homeroom_teacher=homeroom_teacher,
    )
    audit.record("class.create", cls, actor=actor, after=audit.snapshot(cls))
    return cls


def enrol_student(actor: Any, *, student: User, school_class: SchoolClass) -> Enrolment:
    enrolment, created = Enrolment.objects.get_or_create(student=student, school_class=school_class)
    if created:
        audit.record("class.enrol", enrolment, actor=actor, after=audit.snapshot(enrolment))
    return enrolment


def assign_teaching(
    actor: Any, *, teacher: User, school_class: SchoolClass, subject: Subject
) -> TeachingAssignment:
    existing = TeachingAssignment.objects.filter(school_class=school_class, subject=subject).first()
    before = audit.snapshot(existing) if existing else None
    assignment, _created = TeachingAssignment.objects.update_or_create(
        school_class=school_class, subject=subject, defaults={"teacher": teacher}
    )
    if before != audit.snapshot(assignment):
        audit.record(
            "class.assign_teacher",
            assignment,
            actor=actor,
            before=before,
            after=audit.snapshot(assignment),
        )
    return assignment


# --- Roster import ------------------------------------------------------------------------------


def preview_roster_import(
    actor: Any, *, school: Organisation, filename: str, content: bytes
) -> tuple[RosterImport, RosterPlan | None, str | None]:
    """Store the upload and work out what committing it would do. Writes no people or classes.

    Returns (upload, plan, file_error); file_error is set when the file cannot be read at all.
    """
    from django.conf import settings

    if not permissions.can_manage_school(actor, school):
        raise PermissionDenied
    if len(content) > settings.ROSTER_IMPORT_MAX_BYTES:
        return _failed_upload(actor, school, filename, content, _("Tệp lớn hơn giới hạn cho phép."))
    try:
        plan = plan_roster(
            school,
            current_school_year(),
            filename,
            content,
            max_rows=settings.ROSTER_IMPORT_MAX_ROWS,
        )
    except RosterFileError as exc:
        return _failed_upload(actor, school, filename, content, str(exc))
    upload = RosterImport.objects.create(
        school=school,
        uploaded_by=actor,
        filename=filename[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        summary=plan.summary(),
    )
    return upload, plan, None


def _failed_upload(
    actor: Any, school: Organisation, filename: str, content: bytes, error: str
) -> tuple[RosterImport, None, str]:
    upload = RosterImport.objects.create(
        school=school,
        uploaded_by=actor,
        filename=filename[:255],
        content=b"",
        sha256=hashlib.sha256(content).hexdigest(),
        status=RosterImport.Status.FAILED,
        summary={"file_error": error},
    )
    return upload, None, error


def commit_roster_import(actor: Any, upload: RosterImport) -> dict[str, Any]:
    """Apply an uploaded roster: all rows or none. Re-importing the same file changes nothing."""
    from django.conf import settings

    if not permissions.can_manage_school(actor, upload.school):
        raise PermissionDenied
    if upload.status == RosterImport.Status.FAILED:
        raise RosterFileError(upload.summary.get("file_error", ""))
    with transaction.atomic():
        # Lock the upload so two clicks on "Nhập" cannot both apply it.
        upload = RosterImport.objects.select_for_update().select_related("school").get(pk=upload.pk)
        if upload.status == RosterImport.Status.COMMITTED:
            raise RosterAlreadyCommitted(_("Danh sách này đã được nhập."))
        # Plan again inside the transaction: the database may have moved since the preview.
        plan = plan_roster(
            upload.school,
            current_school_year(),
            upload.filename,
            bytes(upload.content),
            max_rows=settings.ROSTER_IMPORT_MAX_ROWS,
        )
        if not plan.ok:
            raise RosterCommitError(plan)
        classes = {
            c.name: c
            for c in SchoolClass.objects.filter(school=upload.school, school_year=plan.school_year)
        }
        for name in plan.new_classes:
            classes[name] = create_class(
                actor, school=upload.school, school_year=plan.school_year, name=name
            )
        for planned in plan.rows:
            row = planned.row
            if planned.action == "unchanged":
                continue
            if planned.action == "create":
                student = create_user(
                    actor,
                    username=row.national_id,
                    national_id=row.national_id,
                    full_name=row.full_name,
                    date_of_birth=row.date_of_birth,
                    gender=row.gender,
                )
                grant_role(actor, user=student, organisation=upload.school, role="student")
            else:
                student = User.objects.get(national_id=row.national_id)
                before = audit.snapshot(student, ["full_name", "date_of_birth", "gender"])
                student.full_name = row.full_name
                student.date_of_birth = row.date_of_birth
                student.gender = row.gender
                student.save()
                after = audit.snapshot(student, ["full_name", "date_of_birth", "gender"])
                if before != after:
                    audit.record("user.update", student, actor=actor, before=before, after=after)
                grant_role(actor, user=student, organisation=upload.school, role="student")
            if "class_name" in planned.changes or planned.action == "create":
                stale = Enrolment.objects.filter(
                    student=student, school_class__school_year=plan.school_year
                ).exclude(school_class=classes[row.class_name])
                for enrolment in stale:
                    audit.record(
                        "class.unenrol",
                        enrolment,
                        actor=actor,
                        before=audit.snapshot(enrolment),
                    )
                    enrolment.delete()
                enrol_student(actor, student=student, school_class=classes[row.class_name])
        summary = plan.summary()
        RosterImport.objects.filter(pk=upload.pk).update(
            status=RosterImport.Status.COMMITTED, summary=summary
        )
        if summary["create"] or summary["update"] or summary["new_classes"]:
            # A file that changes nothing leaves no trace in the log, so re-importing is a no-op.
            audit.record(
                "roster.import",
                upload,
                actor=actor,
                after={k: v for k, v in summary.items() if k != "problems"},
            )
    return summary


# --- Access tokens ------------------------------------------------------------------------------


def create_access_token(
    actor: Any, *, name: str, expires: dt.datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """A new token for `actor`. The secret is returned once and never stored."""
    secret = PersonalAccessToken.new_secret()
    token = PersonalAccessToken.objects.create(
        user=actor,
        name=name,
        key_hash=PersonalAccessToken.hash_secret(secret),
        hint=secret[:10],
        expires=expires,
    )
    audit.record("token.create", token, actor=actor, after=audit.snapshot(token))
    return token, secret


def revoke_access_token(actor: Any, token: PersonalAccessToken) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    audit.record("token.revoke", token, actor=actor)


def authenticate_token(secret: str) -> User | None:
    if not secret.startswith(PersonalAccessToken.PREFIX):
        return None
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(key_hash=PersonalAccessToken.hash_secret(secret))
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    # Writing last_used on every call would make each API request a write; once a minute is enough.
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user


# --- Personal data (Law 91/2025) ---------------------------------------------------------------


def _is_own(event: AuditEvent, person: User) -> bool:
    return event.object_type == User._meta.label_lower and event.object_id == str(person.pk)


def export_personal_data(actor: Any, person: User) -> dict[str, Any]:
    """Everything the platform holds about `person`, as JSON-ready data."""
    from .privacy import is_guardian_of

    # The person, a superuser, or a parent/guardian linked to the child (Law 91/2025).
    if actor.pk != person.pk and not actor.is_superuser and not is_guardian_of(actor, person):
        raise PermissionDenied
    data: dict[str, Any] = {
        "format": "hoclieu.personal-data.v1",
        "generated_at": timezone.now().isoformat(),
        "account": {
            "username": person.username,
            "full_name": person.full_name,
            "national_id": person.national_id,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "gender": person.get_gender_display() if person.gender else None,
            "email": person.email or None,
            "date_joined": person.date_joined.isoformat(),
            "last_login": person.last_login.isoformat() if person.last_login else None,
        },
        "roles": [
            {
                "role": m.role,
                "organisation": m.organisation.name,
                "subject": m.subject.name if m.subject else None,
            }
            for m in person.memberships.select_related("organisation", "subject")
        ],
        "classes": [
            {
                "class": e.school_class.name,
                "school": e.school_class.school.name,
                "school_year": e.school_class.school_year.name,
                "joined": e.joined.isoformat(),
            }
            for e in person.enrolments.select_related(
                "school_class__school", "school_class__school_year"
            )
        ],
        "homeroom_classes": [str(c) for c in person.homeroom_classes.all()],
        "teaching": [
            {"class": t.school_class.name, "subject": t.subject.name}
            for t in person.teaching_assignments.select_related("school_class", "subject")
        ],
        "access_tokens": [
            {"name": t.name, "created": t.created.isoformat(), "revoked": bool(t.revoked)}
            for t in person.access_tokens.all()
        ],
        # What the person did, and what was done to their account. The objects they acted on
        # are named only when they are the person's own: a teacher's export must not carry
        # the names of the students they imported.
        "activity": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "object_type": e.object_type,
                "object": e.object_repr if _is_own(e, person) else None,
                "ip": e.ip,
            }
            for e in AuditEvent.objects.filter(actor_id=person.pk).order_by("at", "id")
        ],
        "changes_to_my_account": [
            {"at": e.at.isoformat(), "action": e.action, "before": e.before, "after": e.after}
            for e in AuditEvent.objects.filter(
                object_type=User._meta.label_lower, object_id=str(person.pk)
            ).order_by("at", "id")
        ],
    }
    data["viewed_by"] = [
        {"at": v.at.isoformat(), "viewer": v.viewer_label, "what": v.what}
        for v in person.personal_data_views.order_by("at", "id")
    ]
    data["guardians"] = [str(g.guardian) for g in person.guardians.select_related("guardian")]
    audit.record("personal_data.export", person, actor=actor)
    return data
