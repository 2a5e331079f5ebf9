"""Start the test identity provider: `python -m tests.oidc_provider.serve PORT REDIRECT_URI...`.

Makes a fresh RSA signing key, migrates its own SQLite file, registers the platform as a
confidential client allowed to use the given redirect URIs, creates the people listed in
OIDC_PROVIDER_PEOPLE, then serves on 127.0.0.1:PORT until killed.
"""

from __future__ import annotations

import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "hoclieu-test"
CLIENT_SECRET = "hoclieu-test-secret"


def _rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def main(port: str, redirect_uris: list[str]) -> None:
    os.environ["OIDC_PROVIDER_RSA_KEY"] = _rsa_pem()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from tests.oidc_provider.validator import people

    call_command("migrate", "--noinput", verbosity=0)
    for username, person in people().items():
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(person["password"])
        user.save()
    Application.objects.filter(client_id=CLIENT_ID).delete()
    Application.objects.create(
        name="Học liệu số",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command("runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
