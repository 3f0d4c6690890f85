"""kg.config: defaults, then KG_* variables, then explicit overrides; bad values fail clearly."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from kg.config import PROJECT_ROOT, Settings
from kg.errors import ConfigError

CONFIG_SOURCE = Path(__file__).resolve().parents[1] / "src" / "kg" / "config.py"


def env(**variables: str) -> dict[str, str]:
    """An environment holding only the given KG_* variables (never the real one)."""
    return dict(variables)


def test_defaults():
    """With an empty environment every setting has its documented default."""
    settings = Settings.from_env(env())
    assert settings.store == str(PROJECT_ROOT / "var" / "store")
    assert settings.data == PROJECT_ROOT / "data"
    assert settings.queries == PROJECT_ROOT / "queries"
    assert settings.query_timeout == 5.0
    assert settings.max_rows == 10_000
    assert not settings.store_is_remote


def test_environment_overrides_defaults(tmp_path: Path):
    """KG_* variables replace defaults and are converted to the field's type."""
    settings = Settings.from_env(
        env(KG_STORE="http://localhost:7878/query", KG_DATA=str(tmp_path), KG_QUERY_TIMEOUT="2.5", KG_MAX_ROWS="50")
    )
    assert settings.store == "http://localhost:7878/query" and settings.store_is_remote
    assert settings.data == tmp_path
    assert settings.query_timeout == 2.5
    assert settings.max_rows == 50


def test_empty_variable_means_default():
    """A variable set to the empty string is treated as unset."""
    assert Settings.from_env(env(KG_MAX_ROWS="")).max_rows == 10_000


def test_explicit_overrides_beat_environment(tmp_path: Path):
    """Overrides (CLI flags) win over KG_* variables; None overrides are ignored."""
    settings = Settings.from_env(env(KG_MAX_ROWS="50", KG_CORPUS="/elsewhere"), max_rows=7, corpus=tmp_path, store=None)
    assert settings.max_rows == 7
    assert settings.corpus == tmp_path
    assert settings.store == str(PROJECT_ROOT / "var" / "store")


@pytest.mark.parametrize(("variable", "raw"), [("KG_QUERY_TIMEOUT", "soon"), ("KG_MAX_ROWS", "1.5")])
def test_bad_number_is_a_config_error_naming_the_variable(variable: str, raw: str):
    """A value that is not a number fails with ConfigError naming the variable and the value."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(**{variable: raw}))
    assert variable in caught.value.message and repr(raw) in caught.value.message
    assert caught.value.hint and variable in caught.value.hint


def test_describe_lists_every_setting():
    """describe() gives one (variable, default, help) per field, with a help line for each."""
    described = {variable: (default, help) for variable, default, help in Settings.describe()}
    assert set(described) == {f.metadata["env"] for f in fields(Settings)}
    assert all(help for _, help in described.values())
    assert described["KG_MAX_ROWS"][0] == "10000"


def test_describe_covers_every_kg_variable_named_in_config():
    """Every KG_* name written in config.py is a described setting (none read behind describe's back)."""
    named = set(re.findall(r"\bKG_[A-Z_]+\b", CONFIG_SOURCE.read_text("utf-8")))
    assert named == {variable for variable, _, _ in Settings.describe()}


def test_settings_are_frozen():
    """Settings cannot be changed after creation; a new one is made instead."""
    settings = Settings.from_env(env())
    with pytest.raises(AttributeError):
        settings.max_rows = 1  # type: ignore[misc]


def test_a_remote_store_and_its_settings():
    """KG_STORE may be a URL; the remote settings are read and the Authorization value is not in the repr."""
    settings = Settings.from_env(
        env(KG_STORE="https://sparql.example.org/kg/query", KG_STORE_AUTH="Basic c2VjcmV0", KG_STORE_BATCH="10")
    )
    assert settings.store_is_remote and settings.store_batch == 10 and settings.store_auth == "Basic c2VjcmV0"
    assert "c2VjcmV0" not in repr(settings)


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"KG_STORE": "http:/no-host"}, "KG_STORE='http:/no-host' is not an http(s) URL"),
        ({"KG_STORE": "http://user:pw@host/query"}, "must not carry a user name or password"),
        ({"KG_STORE": "http://host/query", "KG_STORE_UPDATE": "ftp://host/update"}, "KG_STORE_UPDATE='ftp://host"),
        ({"KG_STORE": "http://host/query", "KG_STORE_TIMEOUT": "0"}, "KG_STORE_TIMEOUT=0.0 must be"),
        ({"KG_STORE": "http://host/query", "KG_STORE_RETRIES": "99"}, "KG_STORE_RETRIES=99 must be from 0 to 10"),
        ({"KG_STORE": "http://host/query", "KG_STORE_BATCH": "0"}, "KG_STORE_BATCH=0 must be at least 1"),
        ({"KG_STORE_AUTH": "Basic x"}, "KG_STORE_AUTH applies only to a remote store"),
    ],
    ids=["no-host", "credentials-in-url", "update-not-http", "timeout", "retries", "batch", "auth-for-a-folder"],
)
def test_bad_remote_settings_are_config_errors(variables: dict[str, str], words: str):
    """Remote settings that cannot work fail with a ConfigError naming the variable, never echoing KG_STORE_AUTH."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(**variables))
    assert words in caught.value.message
    assert "Basic x" not in str(caught.value)
