"""Settings: embedded defaults, per-context overrides, production refusing the dev secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from stampede.kernel.errors import ConfigurationError
from stampede.kernel.settings import DEV_SECRET, Settings


def test_embedded_defaults_give_each_context_its_own_sqlite_file(env_clean: None) -> None:
    settings = Settings(_env_file=None)
    assert settings.bus_url == "memory://" and settings.store_url == "memory://"
    url = settings.database_url_for("identity")
    assert url.startswith("sqlite+aiosqlite:///") and url.endswith("/var/identity.db")
    assert settings.database_url_for("catalog").endswith("/var/catalog.db")


def test_a_context_override_wins_over_the_shared_url(
    env_clean: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db/stampede_{context}")
    monkeypatch.setenv("IDENTITY_DATABASE_URL", "postgresql+asyncpg://other/accounts")
    settings = Settings(_env_file=None)
    assert settings.database_url_for("identity") == "postgresql+asyncpg://other/accounts"
    assert settings.database_url_for("catalog") == "postgresql+asyncpg://db/stampede_catalog"


def test_production_refuses_the_development_secret(
    env_clean: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAMPEDE_ENV", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None)
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-of-enough-length")
    assert Settings(_env_file=None).secret_key != DEV_SECRET


def test_hosted_contexts_follow_the_setting(tmp_path: Path) -> None:
    known = ["identity", "catalog"]
    assert Settings.for_tests(tmp_path).hosted(known) == known
    assert Settings.for_tests(tmp_path, contexts="gateway").hosted(known) == []
    assert Settings.for_tests(tmp_path, contexts="catalog,gateway").hosted(known) == ["catalog"]
    with pytest.raises(ConfigurationError, match="STAMPEDE_CONTEXTS"):
        Settings.for_tests(tmp_path, contexts="nope").hosted(known)
