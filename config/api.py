"""The JSON API at /api/v1/: session auth for the browser, bearer tokens for integrations."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, django_auth

from assessment.endpoints import router as assessment_router
from assessment.endpoints_teacher import router as assessment_teacher_router
from content.endpoints import router as content_router
from core.api import unreadable_json_message
from core.endpoints import router as core_router
from core.services import authenticate_token
from exams.endpoints import router as exams_router
from lms.endpoints import router as lms_router
from question_bank.endpoints import router as question_bank_router


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Học liệu số API",
    version="1",
    description="JSON API of the learning platform. Errors carry `detail` in the user's language.",
    # Bearer first: session auth enforces CSRF and would refuse a token call before the token
    # was looked at. Without an Authorization header the session (with CSRF) is used.
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/lms/", lms_router)
api.add_router("/assessment/", assessment_router)
api.add_router("/assessment/", assessment_teacher_router)
api.add_router("/question-bank/", question_bank_router)
api.add_router("/exams/", exams_router)
api.add_router("/content/", content_router)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Bạn không có quyền thực hiện thao tác này.")}, status=403
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("Không tìm thấy.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("Cần đăng nhập.")}, status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):  # django-ninja's, in English only
        detail = unreadable_json_message()
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.messages}, status=422)
