"""Signing transcripts: one detached CMS (PKCS #7) signature per signer over the RFC 8785
canonical JSON of the transcript document, made with the person's certificate from
provenance (issued from the department CA on first use). The remote side verifies each one
against the document it received (sector/simulator/signatures.py).
"""

from __future__ import annotations

import base64
from typing import Any

import rfc8785

from provenance import api as provenance

BACKEND = "provenance"


def sign_document(document: dict[str, Any], signers: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    content = rfc8785.dumps(document)
    out = []
    for role, person in signers:
        der = provenance.signer_for_user(person).sign_detached(content)
        out.append(
            {
                "role": role,
                "signer": person.username,
                "backend": BACKEND,
                "cms": base64.b64encode(der).decode(),
            }
        )
    return out
