"""Tokens: configured in the environment or a file, kept only as digests, roles decide reads and writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoplan.api.auth import TokenRegistry, token_digest
from geoplan.config import Settings
from geoplan.errors import GeoplanError


def test_tokens_from_env_are_kept_as_digests_only() -> None:
    registry = TokenRegistry.from_settings(Settings(tokens_env="planner:alice:s3cret, viewer:bob:v1ew"))
    assert "s3cret" not in repr(vars(registry)) and b"s3cret" not in b"".join(e.digest for e in registry._entries)
    alice = registry.identify("s3cret")
    assert alice is not None and (alice.name, alice.role) == ("alice", "planner")
    assert alice.may("write") and alice.may("read")
    bob = registry.identify("v1ew")
    assert bob is not None and bob.may("read") and not bob.may("write")
    assert registry.identify("s3cre") is None
    assert registry.identify("") is None


def test_token_file_with_sha256_entries(tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    path.write_text(
        f'[[tokens]]\nname = "carol"\nrole = "planner"\nsha256 = "{token_digest("carol-secret")}"\n', encoding="utf-8"
    )
    registry = TokenRegistry.from_settings(Settings(tokens_path=path))
    carol = registry.identify("carol-secret")
    assert carol is not None and carol.name == "carol"
    assert registry.has_planners


@pytest.mark.parametrize("raw", ["planner:alice", "admin:alice:x", "planner::x"])
def test_malformed_token_entries_are_refused(raw: str) -> None:
    with pytest.raises(GeoplanError):
        TokenRegistry.from_settings(Settings(tokens_env=raw))


def test_no_tokens_means_no_planners() -> None:
    registry = TokenRegistry.from_settings(Settings())
    assert not registry.has_planners
    assert registry.identify("anything") is None
