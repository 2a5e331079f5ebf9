from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .models import User
from .uploads import MIME


def unreadable_json_message() -> str:
    """The API's answer to a request body that is not JSON, in the request's language.

    One text for both paths that read an API body: config.api (django-ninja's own message is
    English only) and the exam answer fast path (exams.fastpath), which must answer the same.
    """
    return _("Không đọc được dữ liệu gửi lên: nội dung không phải JSON hợp lệ.")


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """An Excel file as a download; `filename` is ours (ASCII, no quotes), never the user's."""
    response = HttpResponse(data, content_type=MIME["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AuthedRequest(HttpRequest):
    """A request behind login_required or API auth: `user` is a real User."""

    user: User
