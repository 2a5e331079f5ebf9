"""ASGI entry point: HTTP through Django (exam answer saves, starts and submits through
exams.fastpath and the course page of enrolled learners through lms.fastpage on PostgreSQL),
websockets through Channels with session auth."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.admission import Admission  # noqa: E402
from exams.fastpath import FastExams  # noqa: E402
from lms.fastpage import FastCoursePage  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": FastExams(
            FastCoursePage(Admission(django_asgi_app, limit=settings.ASGI_DJANGO_CONCURRENCY))
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
