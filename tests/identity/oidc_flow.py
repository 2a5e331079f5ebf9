"""Drive a sign-in through the real test provider with Django's test client on our side."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from django.test import Client

from tests.oidc_provider.process import Provider


def sign_in(client: Client, provider: Provider, username: str, password: str) -> str:
    """Start at our /oidc/authenticate/, log in at the provider, return our callback's redirect."""
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302, start
    authorize_url = start["Location"]
    assert authorize_url.startswith(provider.url)
    with httpx.Client(base_url=provider.url, timeout=20) as op:
        op.get("/accounts/login/")
        done = op.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": op.cookies["provider_csrftoken"],
                "next": "/",
            },
        )
        assert done.status_code == 302, done.text[:2000]
        back = op.get(authorize_url)
        assert back.status_code == 302, back.text[:2000]
        callback = back.headers["location"]
    parts = urlsplit(callback)
    assert parts.path == "/oidc/callback/"
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302
    return str(response["Location"])
