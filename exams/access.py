"""Who may enter: candidate passwords, sign-in tokens, room IP ranges and Safe Exam Browser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets

from django.conf import settings

# Letters and digits that cannot be confused on a printed seat card (no 0/O, 1/I/L).
_CARD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def candidate_password(candidate_id: int, number: str) -> str:
    """The candidate's printed password: an HMAC of the candidate under SECRET_KEY.

    Nothing is stored, the seat card can be reprinted at any time, and checking it at a
    3,000-candidate login burst costs a hash, not a password-hashing round.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"exams.candidate:{candidate_id}:{number}".encode(), "sha256"
    ).digest()
    value = int.from_bytes(digest[:8], "big")
    chars = []
    for _i in range(8):
        value, index = divmod(value, len(_CARD_ALPHABET))
        chars.append(_CARD_ALPHABET[index])
    return "".join(chars)


def password_matches(candidate_id: int, number: str, given: str) -> bool:
    expected = candidate_password(candidate_id, number)
    return hmac.compare_digest(expected, given.strip().upper())


def new_token() -> tuple[str, str]:
    """(token for the client, SHA-256 hex stored on the attempt)."""
    token = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_access_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def ip_allowed(ip: str | None, subnets: str) -> bool:
    """True when the room has no range, or the address is inside one of its networks."""
    networks = [line.strip() for line in subnets.replace(",", "\n").splitlines() if line.strip()]
    if not networks:
        return True
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def valid_subnets(subnets: str) -> list[str]:
    """The networks that do not parse (for validation messages)."""
    bad = []
    for line in subnets.replace(",", "\n").splitlines():
        if line.strip():
            try:
                ipaddress.ip_network(line.strip(), strict=False)
            except ValueError:
                bad.append(line.strip())
    return bad


def seb_hash(url: str, config_key: str) -> str:
    """What Safe Exam Browser sends in X-SafeExamBrowser-ConfigKeyHash for a request to `url`:
    SHA-256 (hex) of the absolute URL without fragment followed by the Config Key."""
    return hashlib.sha256((url.split("#", 1)[0] + config_key).encode()).hexdigest()


def seb_ok(config_key: str, url: str, header: str | None) -> bool:
    if not config_key:
        return True
    if not header:
        return False
    return hmac.compare_digest(seb_hash(url, config_key), header.strip().lower())
