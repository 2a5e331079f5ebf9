"""The submission receipt: a SHA-256 over a canonical form of the final answers.

Canonical form (UTF-8 bytes of a JSON text): an object with keys sorted, no whitespace between
tokens, non-ASCII characters written as themselves (not \\u escapes):

    {"answers":[{"position":1,"response":"B"},...],"attempt":12,"candidate":"000123","exam":"GK1"}

`answers` lists every position whose stored response is not null, by position. Responses are
the JSON values the player sent (strings, lists, objects of strings/booleans). The receipt is the
lowercase hex SHA-256 of these bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(
    exam_code: str, number: str, attempt_id: int, answers: list[tuple[int, Any]]
) -> bytes:
    document = {
        "exam": exam_code,
        "candidate": number,
        "attempt": attempt_id,
        "answers": [
            {"position": p, "response": r}
            for p, r in sorted(answers, key=lambda a: a[0])
            if r is not None
        ],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def digest(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()
