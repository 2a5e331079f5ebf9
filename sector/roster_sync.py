"""Roster in: schools, classes, students, teachers and enrolments from the sector roster.

Idempotent (a second run with the same remote data changes nothing) and careful with local
edits: a field changed both here and remotely since the last sync is flagged, not overwritten.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import api as core

from .adapter import Roster
from .models import RemoteRecord, SchoolLink

NATIONAL_ID = re.compile(r"^\d{12}$")
USERNAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
ROLE_MAP = {
    "student": core.Role.STUDENT,
    "teacher": core.Role.TEACHER,
    "administrator": core.Role.SCHOOL_ADMIN,
    "siteAdministrator": core.Role.SCHOOL_ADMIN,
    "principal": core.Role.SCHOOL_ADMIN,
}
LEVELS = {choice.value for choice in core.SchoolLevel}


def _active(obj: dict[str, Any]) -> bool:
    return obj.get("status", "active") != "tobedeleted"


def _ref(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name) or {}
    return str(value.get("sourcedId", "")) if isinstance(value, dict) else ""


def _dates(session: dict[str, Any] | None) -> tuple[dt.date, dt.date] | None:
    try:
        start = dt.date.fromisoformat(str((session or {}).get("startDate", ""))[:10])
        end = dt.date.fromisoformat(str((session or {}).get("endDate", ""))[:10])
    except ValueError:
        return None
    return (start, end) if start < end else None


class RosterSync:
    """One run. `report` is the change report: counts, conflicts and skipped records."""

    def __init__(self, actor: Any, year: Any) -> None:
        self.actor = actor
        self.year = year
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.removed: Counter[str] = Counter()
        self.conflicts: list[dict[str, Any]] = []
        self.skipped: list[dict[str, str]] = []
        self.schools: dict[str, Any] = {}  # remote org id -> Organisation
        self.leavers: set[str] = set()
        self.sessions: dict[str, dict[str, Any]] = {}  # academicSessions by sourcedId

    @property
    def report(self) -> dict[str, Any]:
        return {
            "created": sum(self.created.values()),
            "updated": sum(self.updated.values()),
            "removed": sum(self.removed.values()),
            "details": {
                "created": dict(self.created),
                "updated": dict(self.updated),
                "removed": dict(self.removed),
            },
            "conflicts": self.conflicts,
            "skipped": self.skipped,
        }

    # --- field-level merge with conflict detection ----------------------------------------

    def _merge(
        self, record: RemoteRecord, local: dict[str, Any], want: dict[str, Any], label: str
    ) -> dict[str, Any]:
        """The changes to apply; flags fields edited both locally and remotely."""
        changes, conflict = {}, {}
        for name, remote_value in want.items():
            have = local.get(name)
            applied = record.applied.get(name, have)
            if remote_value in (have, applied):
                continue  # nothing new remotely (a local edit, if any, stands)
            if have == applied:
                changes[name] = remote_value
            else:
                conflict[name] = {"local": have, "remote": remote_value, "lastSynced": applied}
        if conflict:
            self.conflicts.append({"record": label, "sourcedId": record.sourced_id, **conflict})
        # Only the fields merged here: a class's homeroom teacher is merged apart from its name.
        others = {k: v for k, v in (record.conflict or {}).items() if k not in want}
        if {**others, **conflict} != (record.conflict or {}):
            record.conflict = {**others, **conflict} or None
            record.save(update_fields=["conflict"])
        return changes

    def _remember(self, record: RemoteRecord, want: dict[str, Any]) -> None:
        """Remote values now agreed (or applied) become the baseline; conflicts keep theirs."""
        conflicted = record.conflict or {}
        applied = {**record.applied, **{k: v for k, v in want.items() if k not in conflicted}}
        if applied != record.applied:
            record.applied = applied
            record.save(update_fields=["applied"])

    # --- schools ---------------------------------------------------------------------------

    def school(self, org: dict[str, Any], parent: Any) -> None:
        link = (
            SchoolLink.objects.filter(remote_id=org["sourcedId"]).select_related("school").first()
        )
        if link is not None:
            school = link.school
        else:
            code = (org.get("identifier") or org["sourcedId"])[:32]
            found = core.Organisation.objects.filter(code=code).first()
            if found is not None:
                school = found
            else:
                metadata = org.get("metadata") or {}
                level = metadata.get("vn.level", core.SchoolLevel.UPPER_SECONDARY)
                school = core.create_organisation(
                    self.actor,
                    code=code,
                    name=org.get("name") or code,
                    kind=core.OrgKind.SCHOOL,
                    parent=parent,
                    level=level if level in LEVELS else core.SchoolLevel.UPPER_SECONDARY,
                )
                self.created["schools"] += 1
            SchoolLink.objects.create(school=school, remote_id=org["sourcedId"])
        record, _new = RemoteRecord.objects.get_or_create(
            kind=RemoteRecord.Kind.ORG,
            sourced_id=org["sourcedId"],
            defaults={"local_id": school.pk},
        )
        want = {"name": org.get("name") or school.name}
        changes = self._merge(record, {"name": school.name}, want, "org")
        if changes:
            before = core.audit.snapshot(school, ["name"])
            school.name = changes["name"]
            school.save(update_fields=["name"])
            core.audit.record(
                "sector.roster.update_school",
                school,
                actor=self.actor,
                before=before,
                after=core.audit.snapshot(school, ["name"]),
            )
            self.updated["schools"] += 1
        self._remember(record, want)
        self.schools[org["sourcedId"]] = school

    # --- classes ---------------------------------------------------------------------------

    def year_of(self, cls: dict[str, Any]) -> tuple[Any, bool]:
        """(local school year, newly created) for a class: from its terms' OneRoster
        `schoolYear` (the year the school year ends: "2027" is 2026-2027), created when
        missing; the current year when the class names no known session."""
        for ref in cls.get("terms") or []:
            session = self.sessions.get(ref.get("sourcedId", "") if isinstance(ref, dict) else "")
            ending = str((session or {}).get("schoolYear", "")).strip()
            if not (len(ending) == 4 and ending.isdigit()):
                continue
            name = f"{int(ending) - 1}-{ending}"
            year = core.SchoolYear.objects.filter(name=name).first()
            if year is not None:
                return year, False
            whole = next(
                (
                    s
                    for s in self.sessions.values()
                    if s.get("type") == "schoolYear" and str(s.get("schoolYear")) == ending
                ),
                None,
            )
            start, end = _dates(whole) or (
                dt.date(int(ending) - 1, 9, 1),
                dt.date(int(ending), 5, 31),
            )
            return core.create_school_year(self.actor, name=name, start=start, end=end), True
        return self.year, False

    def school_class(self, cls: dict[str, Any]) -> None:
        school = self.schools.get(_ref(cls, "school"))
        if school is None:
            return
        name = (cls.get("classCode") or cls.get("title") or "").strip()[:16]
        grades = [g for g in cls.get("grades", []) if str(g).isdigit()]
        grade = int(grades[0]) if grades else None
        record = RemoteRecord.objects.filter(
            kind=RemoteRecord.Kind.CLASS, sourced_id=cls["sourcedId"]
        ).first()
        if record is None:
            year, new_year = self.year_of(cls)
            existing = core.SchoolClass.objects.filter(
                school=school, school_year=year, name=name
            ).first()
            if existing is None:
                existing = core.create_class(
                    self.actor, school=school, school_year=year, name=name, grade=grade
                )
                self.created["classes"] += 1
            if new_year:  # counted once the class is in: a refused class rolls the year back
                self.created["school_years"] += 1
            record = RemoteRecord.objects.create(
                kind=RemoteRecord.Kind.CLASS, sourced_id=cls["sourcedId"], local_id=existing.pk
            )
        school_class = core.SchoolClass.objects.get(pk=record.local_id)
        want = {"name": name, "grade": grade if grade is not None else school_class.grade}
        local = {"name": school_class.name, "grade": school_class.grade}
        changes = self._merge(record, local, want, "class")
        if changes:
            if changes.get("grade", school_class.grade) not in school.grades:
                raise ValidationError(
                    _("Khối %(g)s không thuộc cấp học của trường.") % {"g": grade}
                )
            before = core.audit.snapshot(school_class, ["name", "grade"])
            for field, value in changes.items():
                setattr(school_class, field, value)
            school_class.save(update_fields=list(changes))
            core.audit.record(
                "sector.roster.update_class",
                school_class,
                actor=self.actor,
                before=before,
                after=core.audit.snapshot(school_class, ["name", "grade"]),
            )
            self.updated["classes"] += 1
        self._remember(record, want)

    # --- people ------------------------------------------------------------------------------

    def user(self, person: dict[str, Any]) -> None:
        parts = (person.get("familyName"), person.get("middleName"), person.get("givenName"))
        full_name = " ".join(p.strip() for p in parts if p and p.strip()) or person["sourcedId"]
        candidates = (person.get("identifier", ""), person.get("userMasterIdentifier", ""))
        national_id = next((c for c in candidates if NATIONAL_ID.match(c or "")), None)
        username = USERNAME_UNSAFE.sub("", national_id or person.get("username") or "")[:32]
        username = username or USERNAME_UNSAFE.sub("-", person["sourcedId"])[:32]
        record = RemoteRecord.objects.filter(
            kind=RemoteRecord.Kind.USER, sourced_id=person["sourcedId"]
        ).first()
        if record is None:
            user = None
            if national_id:
                user = core.User.objects.filter(national_id=national_id).first()
            user = user or core.User.objects.filter(username=username).first()
            if user is None:
                user = core.create_user(
                    self.actor,
                    username=username,
                    full_name=full_name,
                    national_id=national_id,
                    email=person.get("email", ""),
                )
                self.created["students" if self._is_student(person) else "staff"] += 1
            record = RemoteRecord.objects.create(
                kind=RemoteRecord.Kind.USER, sourced_id=person["sourcedId"], local_id=user.pk
            )
        user = core.User.objects.get(pk=record.local_id)
        want = {"full_name": full_name, "email": person.get("email", "")}
        local = {"full_name": user.full_name, "email": user.email}
        changes = self._merge(record, local, want, "user")
        if changes:
            before = core.audit.snapshot(user, list(want))
            for field, value in changes.items():
                setattr(user, field, value)
            user.save(update_fields=list(changes))
            core.audit.record(
                "sector.roster.update_user",
                user,
                actor=self.actor,
                before=before,
                after=core.audit.snapshot(user, list(want)),
            )
            self.updated["students" if self._is_student(person) else "staff"] += 1
        self._remember(record, want)
        leaving = not _active(person) or person.get("enabledUser") is False
        if leaving:
            self.leavers.add(person["sourcedId"])
        for role in person.get("roles", []):
            school = self.schools.get(_ref(role, "org"))
            local_role = ROLE_MAP.get(role.get("role", ""))
            if school is None or local_role is None:
                continue
            if leaving:
                self.leave(user, school)
            elif not core.Membership.objects.filter(
                user=user, organisation=school, role=local_role
            ).exists():
                core.grant_role(self.actor, user=user, organisation=school, role=local_role)

    @staticmethod
    def _is_student(person: dict[str, Any]) -> bool:
        return any(r.get("role") == "student" for r in person.get("roles", []))

    def leave(self, user: Any, school: Any) -> None:
        """A leaver: out of this year's classes at the school, student role revoked."""
        for enrolment in core.Enrolment.objects.filter(
            student=user, school_class__school=school, school_class__school_year=self.year
        ):
            self.withdraw(enrolment, "sector.roster.leaver")
        for membership in core.Membership.objects.filter(
            user=user, organisation=school, role=core.Role.STUDENT
        ):
            core.revoke_role(self.actor, membership)
            self.removed["student_roles"] += 1

    def withdraw(self, enrolment: Any, action: str, *, counted: bool = True) -> None:
        core.audit.record(
            action, enrolment, actor=self.actor, before=core.audit.snapshot(enrolment)
        )
        RemoteRecord.objects.filter(
            kind=RemoteRecord.Kind.ENROLLMENT, local_id=enrolment.pk
        ).delete()
        enrolment.delete()
        if counted:
            self.removed["enrolments"] += 1

    # --- enrolments ----------------------------------------------------------------------------

    def enrollment(self, enrollment: dict[str, Any]) -> None:
        if _ref(enrollment, "user") in self.leavers:
            return  # the sector may still list a leaver's old enrolment
        class_record = RemoteRecord.objects.filter(
            kind=RemoteRecord.Kind.CLASS, sourced_id=_ref(enrollment, "class")
        ).first()
        user_record = RemoteRecord.objects.filter(
            kind=RemoteRecord.Kind.USER, sourced_id=_ref(enrollment, "user")
        ).first()
        if class_record is None or user_record is None:
            self.skipped.append(
                {
                    "collection": "enrollments",
                    "sourcedId": enrollment["sourcedId"],
                    "reason": _("Không rõ lớp hoặc người học."),
                }
            )
            return
        school_class = core.SchoolClass.objects.select_related("school").get(
            pk=class_record.local_id
        )
        user = core.User.objects.get(pk=user_record.local_id)
        if enrollment.get("role") == "teacher":
            if enrollment.get("primary"):
                self.homeroom(class_record, school_class, user)
            return
        if enrollment.get("role") != "student":
            return
        # One class per student per school year: joining this class is a transfer out of others.
        for other in core.Enrolment.objects.filter(
            student=user, school_class__school_year=school_class.school_year_id
        ).exclude(school_class=school_class):
            self.withdraw(other, "sector.roster.transfer", counted=False)
            self.updated["transfers"] += 1
        exists = core.Enrolment.objects.filter(student=user, school_class=school_class).first()
        enrolment = exists or core.enrol_student(
            self.actor, student=user, school_class=school_class
        )
        if exists is None:
            self.created["enrolments"] += 1
        if not core.Membership.objects.filter(
            user=user, organisation=school_class.school, role=core.Role.STUDENT
        ).exists():
            core.grant_role(
                self.actor, user=user, organisation=school_class.school, role=core.Role.STUDENT
            )
        RemoteRecord.objects.update_or_create(
            kind=RemoteRecord.Kind.ENROLLMENT,
            sourced_id=enrollment["sourcedId"],
            defaults={"local_id": enrolment.pk},
        )

    def homeroom(self, class_record: RemoteRecord, school_class: Any, teacher: Any) -> None:
        """A primary teacher enrolment names the homeroom teacher; merged like other fields
        (by username), so a teacher changed here and at the sector is flagged, not replaced."""
        current = school_class.homeroom_teacher
        want = {"homeroom_teacher": teacher.username}
        local = {"homeroom_teacher": current.username if current else None}
        if self._merge(class_record, local, want, "class"):
            before = core.audit.snapshot(school_class, ["homeroom_teacher"])
            school_class.homeroom_teacher = teacher
            school_class.save(update_fields=["homeroom_teacher"])
            core.audit.record(
                "sector.roster.set_homeroom",
                school_class,
                actor=self.actor,
                before=before,
                after=core.audit.snapshot(school_class, ["homeroom_teacher"]),
            )
            self.updated["classes"] += 1
        self._remember(class_record, want)

    def drop_missing(self, active_ids: set[str]) -> None:
        """Synced enrolments in these schools that the sector no longer lists: withdrawn."""
        schools = list(self.schools.values())
        for record in RemoteRecord.objects.filter(kind=RemoteRecord.Kind.ENROLLMENT).exclude(
            sourced_id__in=active_ids
        ):
            enrolment = core.Enrolment.objects.filter(
                pk=record.local_id, school_class__school__in=schools
            ).first()
            if enrolment is not None:
                self.withdraw(enrolment, "sector.roster.unenrol")
            elif not core.Enrolment.objects.filter(pk=record.local_id).exists():
                record.delete()

    def run(self, roster: Roster) -> dict[str, Any]:
        parent = core.Organisation.objects.filter(kind=core.OrgKind.DEPARTMENT).first()
        self.sessions = {
            s["sourcedId"]: s for s in roster.academic_sessions if _active(s) and "sourcedId" in s
        }
        steps: list[tuple[str, list[dict[str, Any]], Any]] = [
            (
                "orgs",
                [o for o in roster.orgs if o.get("type") == "school" and _active(o)],
                lambda o: self.school(o, parent),
            ),
            ("classes", [c for c in roster.classes if _active(c)], self.school_class),
            ("users", roster.users, self.user),
            ("enrollments", [e for e in roster.enrollments if _active(e)], self.enrollment),
        ]
        for name, items, apply in steps:
            for item in items:
                try:
                    with transaction.atomic():
                        apply(item)
                except (ValidationError, IntegrityError, ValueError) as exc:
                    message = "; ".join(getattr(exc, "messages", [str(exc)]))
                    self.skipped.append(
                        {"collection": name, "sourcedId": item["sourcedId"], "reason": message}
                    )
        active = {
            e["sourcedId"]
            for e in roster.enrollments
            if _active(e) and _ref(e, "user") not in self.leavers
        }
        with transaction.atomic():
            self.drop_missing(active)
        return self.report
