from django.http import HttpRequest

from .models import User


class AuthedRequest(HttpRequest):
    """A request behind login_required or API auth: `user` is a real User."""

    user: User
