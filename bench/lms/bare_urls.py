"""The project's URLs plus GET /bench/signed-in/: the least a signed-in page can do.

It goes through every middleware, loads the session and the user, and writes one line, so the
course page's figure can be read against what this machine serves for any signed-in page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{request.user.get_username()}\n", content_type="text/plain")


urlpatterns = [path("bench/signed-in/", signed_in), *project_urlpatterns]
