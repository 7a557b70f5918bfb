"""Settings: environment names, and the README documenting every one of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _env_name(field: str) -> str:
    return {"database_url": "DATABASE_URL", "redis_url": "REDIS_URL"}.get(
        field, f"NEWS_INGEST_{field.upper()}")


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme_table(field: str) -> None:
    assert f"| `{_env_name(field)}` |" in README


def test_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://h:1/2")
    monkeypatch.setenv("NEWS_INGEST_FETCH_CONCURRENCY", "123")
    settings = Settings()
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.redis_url == "redis://h:1/2"
    assert settings.fetch_concurrency == 123
    assert settings.parse_time_limit > settings.parse_soft_time_limit
