"""Puts the national identifier in the tokens, the way the sector provider / VNeID does."""

from __future__ import annotations

import json
import os
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


def people() -> dict[str, dict[str, str]]:
    """username → {password, national_id, name}, from OIDC_PROVIDER_PEOPLE (JSON)."""
    return {p["username"]: p for p in json.loads(os.environ.get("OIDC_PROVIDER_PEOPLE", "[]"))}


class RosterClaimsValidator(OAuth2Validator):
    # Every claim goes out whatever the scope: the relying party decides what it reads.
    oidc_claim_scope = None

    def get_additional_claims(self, request: Any) -> dict[str, str]:
        person = people().get(request.user.username, {})
        claim = os.environ.get("OIDC_PROVIDER_CLAIM", "national_id")
        claims = {"name": person.get("name", request.user.username)}
        if person.get("national_id"):
            claims[claim] = person["national_id"]
        return claims
