"""Settings precedence, validation, secrets and the 0600 config file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from zotsync.config import load_settings, save_settings, user_config_path
from zotsync.errors import ConfigError


def write_config(text: str) -> Path:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings(environ={})
    assert settings.zotero_url == "https://api.zotero.org"
    assert settings.library_type == "user"
    assert settings.api_key is None
    assert settings.arxiv_delay == 3.0


def test_config_path_follows_xdg(isolated_dirs: Path) -> None:
    assert user_config_path() == isolated_dirs / ".config" / "zotsync" / "config.toml"


def test_precedence_defaults_file_env_flags() -> None:
    write_config('[zotero]\nlibrary_id = "11"\nurl = "http://file.example"\n[arxiv]\ndelay = 1.5\n')
    from_file = load_settings(environ={})
    assert (from_file.library_id, from_file.zotero_url, from_file.arxiv_delay) == (
        "11", "http://file.example", 1.5)
    assert from_file.origins["library_id"].endswith("[zotero] library_id")
    env = {"ZOTERO_LIBRARY_ID": "22", "ZOTSYNC_ZOTERO_URL": "http://127.0.0.1:9/"}
    from_env = load_settings(environ=env)
    assert (from_env.library_id, from_env.zotero_url) == ("22", "http://127.0.0.1:9")
    assert from_env.origins["library_id"] == "$ZOTERO_LIBRARY_ID"
    from_flag = load_settings({"library_id": "33", "zotero_url": None}, environ=env)
    assert (from_flag.library_id, from_flag.zotero_url) == ("33", "http://127.0.0.1:9")
    assert from_flag.arxiv_delay == 1.5


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ('[zotero]\nlibrary_type = "team"\n', {}, "invalid zotero.library_type = 'team'"),
        ("", {"ZOTERO_LIBRARY_ID": "alice"}, "must be a number"),
        ("", {"ZOTSYNC_ZOTERO_URL": "ftp://x"}, "must start with http"),
        ("", {"ZOTSYNC_ARXIV_DELAY": "-1"}, "must be 0 or more"),
        ("[zotero\nlibrary_id = 1\n", {}, "invalid TOML"),
    ],
)
def test_bad_settings_name_key_and_source(toml: str, env: dict[str, str], message: str) -> None:
    write_config(toml)
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


def test_key_never_in_repr_errors_or_describe() -> None:
    secret = "SECRETKEY12345678901234"
    settings = load_settings(environ={"ZOTERO_API_KEY": secret})
    assert settings.api_key == secret
    assert secret not in repr(settings)
    assert secret not in json.dumps(settings.describe())
    assert settings.describe()["api_key"] == {"value": "<set>", "from": "$ZOTERO_API_KEY"}


def test_save_settings_is_0600_and_keeps_other_keys() -> None:
    write_config('[arxiv]\ndelay = 2.0\n')
    path = save_settings({"api_key": "K\"ey\\1", "library_id": "5"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings(environ={})
    assert settings.api_key == 'K"ey\\1'
    assert settings.library_id == "5"
    assert settings.arxiv_delay == 2.0


def test_config_command_redacts_the_key(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("config", "--json", env={"ZOTERO_API_KEY": "TOPSECRETKEY"})
    assert result.exit_code == 0
    assert "TOPSECRETKEY" not in result.output
    assert json.loads(result.stdout)["settings"]["api_key"]["value"] == "<set>"


def test_broken_config_file_is_one_line_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    path = write_config("[zotero\n")
    result = run_cli("config")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"zotsync: error: {path}: invalid TOML")
    assert result.stderr.count("\n") == 1
