"""HTTP API handlers for core: parse, call a service or a permission-filtered query, render."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from . import permissions, services
from .http import AuthedRequest
from .models import Organisation, PersonalAccessToken, RosterImport, SchoolClass
from .roster import RosterFileError

router = Router(tags=["core"])


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[str]


class OrganisationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    level: str
    parent_id: int | None


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    school_id: int
    school_year: str
    homeroom_teacher: str | None


class StudentOut(Schema):
    id: int
    username: str
    full_name: str
    date_of_birth: dt.date | None
    gender: str


class ClassDetailOut(ClassOut):
    students: list[StudentOut]


class TokenIn(Schema):
    name: str
    expires: dt.datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created: dt.datetime
    expires: dt.datetime | None
    last_used: dt.datetime | None
    revoked: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


class ProblemOut(Schema):
    row: int
    column: str
    message: str


class RosterPreviewOut(Schema):
    id: int
    filename: str
    status: str
    file_error: str | None = None
    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    new_classes: list[str] = []
    problems: list[ProblemOut] = []


class Message(Schema):
    detail: str


def _class_out(c: SchoolClass) -> dict[str, object]:
    return {
        "id": c.pk,
        "name": c.name,
        "grade": c.grade,
        "school_id": c.school_id,
        "school_year": c.school_year.name,
        "homeroom_teacher": c.homeroom_teacher.full_name if c.homeroom_teacher else None,
    }


@router.get("/me", response=MeOut, summary="The signed-in person")
def me(request: AuthedRequest) -> dict[str, object]:
    user = request.user
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": getattr(user, "full_name", ""),
        "roles": sorted(permissions.role_paths(user)),
    }


@router.get("/me/personal-data", summary="Everything the platform holds about me (Law 91/2025)")
def my_personal_data(request: AuthedRequest) -> dict[str, object]:
    return services.export_personal_data(request.user, request.user)


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations I can see")
def list_organisations(request: AuthedRequest) -> list[Organisation]:
    return list(permissions.visible_organisations(request.user))


@router.get("/classes", response=list[ClassOut], summary="Classes I can see")
def list_classes(request: AuthedRequest) -> list[dict[str, object]]:
    qs = permissions.visible_classes(request.user).select_related("school_year", "homeroom_teacher")
    return [_class_out(c) for c in qs]


@router.get("/classes/{class_id}", response=ClassDetailOut, summary="A class with its students")
def get_class(request: AuthedRequest, class_id: int) -> dict[str, object]:
    c = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"), pk=class_id
    )
    if not request.user.has_perm("core.view_schoolclass", c):
        # The same answer as for a missing class, so ids of other schools leak nothing.
        raise Http404
    students = [
        e.student for e in c.enrolments.select_related("student").order_by("student__name_key")
    ]
    return {**_class_out(c), "students": students}


@router.get("/tokens", response=list[TokenOut], summary="My personal access tokens")
def list_tokens(request: AuthedRequest) -> list[PersonalAccessToken]:
    return list(PersonalAccessToken.objects.filter(user=request.user).order_by("-created"))


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create a personal access token")
def create_token(request: AuthedRequest, payload: TokenIn) -> tuple[int, dict[str, object]]:
    token, secret = services.create_access_token(
        request.user, name=payload.name, expires=payload.expires
    )
    return 201, {**TokenOut.from_orm(token).dict(), "secret": secret}


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke a token")
def revoke_token(request: AuthedRequest, token_id: int) -> tuple[int, None]:
    token = get_object_or_404(PersonalAccessToken, pk=token_id, user=request.user)
    services.revoke_access_token(request.user, token)
    return 204, None


def _preview_out(upload: RosterImport) -> dict[str, object]:
    summary = upload.summary or {}
    return {
        "id": upload.pk,
        "filename": upload.filename,
        "status": upload.status,
        **{
            k: v
            for k, v in summary.items()
            if k
            in {"file_error", "rows", "create", "update", "unchanged", "new_classes", "problems"}
        },
    }


@router.post(
    "/schools/{school_id}/roster-imports",
    response={201: RosterPreviewOut, 422: RosterPreviewOut},
    summary="Upload a roster (CSV/XLSX) and get a preview; nothing is imported yet",
)
def upload_roster(
    request: HttpRequest, school_id: int, file: File[UploadedFile]
) -> tuple[int, dict[str, object]]:
    school = get_object_or_404(Organisation, pk=school_id)
    if not permissions.can_manage_school(request.user, school):
        raise PermissionDenied
    upload, _plan, error = services.preview_roster_import(
        request.user, school=school, filename=file.name or "roster", content=file.read()
    )
    return (422 if error else 201), _preview_out(upload)


@router.post(
    "/schools/{school_id}/roster-imports/{import_id}/commit",
    response={200: RosterPreviewOut, 409: RosterPreviewOut, 422: RosterPreviewOut},
    summary="Import a previewed roster: every row or none",
)
def commit_roster(
    request: HttpRequest, school_id: int, import_id: int
) -> tuple[int, dict[str, object]]:
    upload = get_object_or_404(RosterImport, pk=import_id, school_id=school_id)
    try:
        services.commit_roster_import(request.user, upload)
    except services.RosterCommitError as exc:
        return 409, {**_preview_out(upload), **exc.plan.summary()}
    except (services.RosterAlreadyCommitted, RosterFileError) as exc:
        return (409 if isinstance(exc, services.RosterAlreadyCommitted) else 422), {
            **_preview_out(upload),
            "file_error": str(exc),
        }
    upload.refresh_from_db()
    return 200, _preview_out(upload)
