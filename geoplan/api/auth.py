"""Bearer tokens: planners write, viewers read (when reads need a token at all).

Tokens come from configuration — ``GEOPLAN_TOKENS="planner:alice:secret,viewer:bob:secret2"`` and/or a TOML file
(``GEOPLAN_TOKENS_FILE``) with ``[[tokens]]`` entries holding ``name``, ``role`` and either ``sha256`` (preferred:
the file then holds no secret) or ``token``.  Only SHA-256 digests are kept in memory, and a presented token is
compared against every digest with :func:`hmac.compare_digest`, so timing reveals neither which entry matched
nor how much of a digest did.
"""

from __future__ import annotations

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


def principal_from(request: Request) -> Principal | None:
    """The request's principal; None without an Authorization header; 401 for a token nobody issued."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(
            401, "Unauthorized", "use 'Authorization: Bearer <token>'", headers=_challenge("invalid_request")
        )
    principal = request.app.state.tokens.identify(token.strip())
    if principal is None:
        raise ApiProblem(401, "Unauthorized", "unknown or revoked token", headers=_challenge("invalid_token"))
    return principal


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
