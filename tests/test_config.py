"""Settings precedence, validation, secrets and the 0600 config file."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

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
        ("", {"ZOTSYNC_ARXIV_DELAY": "-1"}, "must be a number of seconds from 0 to 86400"),
        ("", {"ZOTSYNC_ZOTERO_TIMEOUT": "nan"}, "zotero.timeout = 'nan' .*seconds from 0 to 86400"),
        ("", {"ZOTSYNC_ZOTERO_TIMEOUT": "inf"}, "seconds from 0 to 86400"),
        ("", {"ZOTSYNC_ZOTERO_TIMEOUT": "0"}, "must be more than 0 seconds"),
        ("", {"ZOTSYNC_ARXIV_DELAY": "1e400"}, "seconds from 0 to 86400"),
        ("", {"ZOTSYNC_CACHE_DAYS": "99999999999"}, "days from 0 to 36500"),
        ("", {"ZOTSYNC_ZOTERO_RETRIES": "1e9"}, "invalid zotero.retries"),
        ("", {"ZOTERO_API_KEY": "SECRETKEY\u00e912345678901234"},
         "invalid zotero.api_key = <hidden> .*copy it again"),
        ("", {"ZOTERO_API_KEY": "SECRET KEY"}, "a space, a line break"),
        ('[zotero]\napi_key = 5\n', {}, "api_key = <hidden> .*must be a string"),
        ('[zotro]\nurl = "http://x"\n', {}, r"unknown section \[zotro\]"),
        ('[zotero]\nlibary_id = "5"\n', {}, r"unknown setting 'libary_id' in \[zotero\]"),
        ('zotero = 5\n', {}, r"\[zotero\] must be a table"),
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
    path = save_settings({"api_key": "Key1", "library_id": "5", "crossref_mailto": 'a"b\\c@x.org'})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings(environ={})
    assert settings.api_key == "Key1"
    assert settings.crossref_mailto == 'a"b\\c@x.org'  # TOML escapes survive the round trip
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


def test_save_settings_edits_the_file_and_keeps_comments() -> None:
    write_config('# my dotfile\n[zotero]\napi_key = "Old1"  # from the lab\nurl = "https://z.example"\n\n'
                 '[arxiv]\n# be gentle\ndelay = 5.0\n')
    path = save_settings({"api_key": "New2", "library_id": "7", "crossref_mailto": "me@example.org"})
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# my dotfile\n[zotero]\napi_key = "New2"  # from the lab\nurl = "https://z.example"\n'
                           'library_id = "7"\n')
    assert "# be gentle\ndelay = 5.0\n" in text
    assert text.endswith('\n[crossref]\nmailto = "me@example.org"\n')
    settings = load_settings(environ={})
    assert (settings.api_key, settings.library_id, settings.zotero_url, settings.arxiv_delay) == (
        "New2", "7", "https://z.example", 5.0)


def test_save_settings_writes_through_a_link_and_refuses_a_read_only_file(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "zotsync.toml"
    real.parent.mkdir()
    real.write_text("# shared\n", encoding="utf-8")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_settings({"library_id": "5"}, config_path=link)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == '# shared\n\n[zotero]\nlibrary_id = "5"\n'
    real.chmod(0o400)
    with pytest.raises(ConfigError, match="cannot be written: the file is read-only"):
        save_settings({"library_id": "6"}, config_path=link)
    assert "library_id = \"5\"" in real.read_text(encoding="utf-8")


def test_config_prints_booleans_as_toml_and_the_store_folder_in_use(run_cli: Any) -> None:
    """`config` printed `push.pdf_link = True` (TOML says `true`) and an empty `store.dir`."""
    result = run_cli("config")
    lines = dict(line.split(" = ", 1) for line in result.stdout.splitlines() if " = " in line)
    assert lines["push.pdf_link"].startswith("true    # from default")
    assert lines["store.dir"].split()[0].endswith("zotsync")
