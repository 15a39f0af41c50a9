"""Tokens: planners write, viewers read (when reads need a token at all).

A token travels as ``Authorization: Bearer <token>`` or, for clients whose login dialog only knows user and
password (QGIS's auth manager, GDAL's ``GDAL_HTTP_USERPWD``), as HTTP Basic with the token's name as user and the
token as password — the same digest check and the same roles either way.

Tokens come from configuration — ``GEOPLAN_TOKENS="planner:alice:secret,viewer:bob:secret2"`` and/or a TOML file
(``GEOPLAN_TOKENS_FILE``) with ``[[tokens]]`` entries holding ``name``, ``role`` and either ``sha256`` (preferred:
the file then holds no secret) or ``token``.  Only SHA-256 digests are kept in memory, and a presented token is
compared against every digest with :func:`hmac.compare_digest`, so timing reveals neither which entry matched
nor how much of a digest did.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import tomllib
from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from geoplan.api.problems import ApiProblem
from geoplan.config import Settings
from geoplan.errors import GeoplanError

Role = Literal["viewer", "planner"]
ROLES: tuple[Role, ...] = ("viewer", "planner")
#: What each role may do; a planner can do everything a viewer can.
GRANTS: dict[Role, frozenset[str]] = {"viewer": frozenset({"read"}), "planner": frozenset({"read", "write"})}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who sent a request; ``name`` goes into the change log as the actor."""

    name: str
    role: Role

    def may(self, action: str) -> bool:
        return action in GRANTS[self.role]


@dataclass(frozen=True)
class _Entry:
    digest: bytes
    principal: Principal


class TokenRegistry:
    """The configured tokens, as digests."""

    def __init__(self, entries: list[_Entry]) -> None:
        self._entries = entries

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenRegistry:
        entries: list[_Entry] = []
        for raw in (s.strip() for s in settings.tokens_env.split(",")):
            if not raw:
                continue
            parts = raw.split(":", 2)
            if len(parts) != 3 or not all(parts):
                raise GeoplanError("GEOPLAN_TOKENS entries must look like role:name:token (comma separated)")
            entries.append(cls._entry(parts[0], parts[1], digest=token_digest(parts[2])))
        if settings.tokens_path is not None:
            try:
                data = tomllib.loads(settings.tokens_path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise GeoplanError(f"token file {settings.tokens_path}: {exc}") from exc
            for item in data.get("tokens", []):
                digest = item.get("sha256") or (token_digest(item["token"]) if item.get("token") else None)
                if not digest or not item.get("name"):
                    raise GeoplanError(f"token file {settings.tokens_path}: each [[tokens]] needs name and sha256")
                entries.append(cls._entry(item.get("role", "viewer"), item["name"], digest=digest))
        return cls(entries)

    @staticmethod
    def _entry(role: str, name: str, *, digest: str) -> _Entry:
        if role not in ROLES:
            raise GeoplanError(f"token for {name}: unknown role {role!r} (use {' or '.join(ROLES)})")
        return _Entry(bytes.fromhex(digest), Principal(name, role))  # type: ignore[arg-type]

    @property
    def has_planners(self) -> bool:
        return any(e.principal.role == "planner" for e in self._entries)

    def identify(self, token: str) -> Principal | None:
        presented = hashlib.sha256(token.encode("utf-8")).digest()
        found: Principal | None = None
        for entry in self._entries:  # no early exit: every entry is compared
            if hmac.compare_digest(presented, entry.digest):
                found = entry.principal
        return found


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="geoplan"' + (f', error="{error}"' if error else "")
    return {"WWW-Authenticate": value}


def _malformed() -> ApiProblem:
    return ApiProblem(
        401,
        "Unauthorized",
        "use 'Authorization: Bearer <token>' or HTTP Basic with the token's name and the token as password",
        headers=_challenge("invalid_request"),
    )


def _basic_credentials(encoded: str) -> tuple[str, str]:
    """User and password of an HTTP Basic credential (RFC 7617); 401 when it is not one."""
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _malformed() from None
    if not sep or not password:
        raise _malformed()
    return user, password


def principal_from(request: Request) -> Principal | None:
    """The request's principal; None without an Authorization header; 401 for a token nobody issued."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if not credential or scheme.lower() not in ("bearer", "basic"):
        raise _malformed()
    user = None
    if scheme.lower() == "basic":
        user, credential = _basic_credentials(credential)
    principal = request.app.state.tokens.identify(credential)
    # Basic names the user too: the token must be that user's (an empty user name is taken as "any").
    if principal is None or (user and not hmac.compare_digest(user.encode(), principal.name.encode())):
        raise ApiProblem(401, "Unauthorized", "unknown or revoked token", headers=_challenge("invalid_token"))
    return principal


def allowed_methods(request: Request, *, collection: bool) -> list[str]:
    """The HTTP methods this caller may use on items (``collection``) or one item: what OPTIONS answers in Allow.

    QGIS (≥ 3.32) enables editing of an OGC API layer only when Allow lists the write methods (Part 4).
    """
    principal = principal_from(request)
    methods = ["GET", "OPTIONS"]
    if principal is not None and principal.may("write"):
        methods += ["POST"] if collection else ["PUT", "PATCH", "DELETE"]
    return methods


def require(request: Request, action: str) -> Principal | None:
    """401 when a needed token is missing or unknown, 403 when the token's role may not do ``action``."""
    principal = principal_from(request)
    settings: Settings = request.app.state.settings
    needed = action == "write" or settings.read_requires_token
    if principal is None:
        if not needed:
            return None
        hint = "writes need a planner token" if action == "write" else "reads need a viewer token"
        raise ApiProblem(401, "Unauthorized", f"{hint}: 'Authorization: Bearer <token>'", headers=_challenge())
    if not principal.may(action):
        raise ApiProblem(403, "Forbidden", f"{principal.name} ({principal.role}) may not {action}")
    return principal
