"""`login` edits config.toml in whatever TOML spelling the user chose, keeping comments."""

from __future__ import annotations

import tomllib

import pytest

from zotsync.config import load_settings, save_settings, user_config_path
from zotsync.errors import ConfigError

UPDATES = {"api_key": "NewKey9", "library_id": "7", "library_type": "user"}

SPELLINGS = {
    "dotted keys": "# lab machine\nzotero.retries = 3  # flaky wifi\ncache.days = 2\n",
    "dotted keys before a table": "zotero.url = \"https://z.example\"\n\n[arxiv]\ndelay = 5.0 # polite\n",
    "inline table": "zotero = { retries = 3 }  # kept\n",
    "quoted key and header": '[ "zotero" ]\n"api_key" = "OldKey1"  # from the lab\n',
    "plain tables": "# mine\n[zotero]\nretries = 3\n\n[arxiv]\n# be gentle\ndelay = 5.0\n",
}


def write_config(text: str) -> None:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_save_settings_edits_every_toml_spelling(spelling: str) -> None:
    original = SPELLINGS[spelling]
    write_config(original)
    path = save_settings(UPDATES)
    text = path.read_text(encoding="utf-8")
    document = tomllib.loads(text)  # "Cannot declare ('zotero',) twice" before the fix
    before = tomllib.loads(original)
    for section, table in before.items():  # nothing the user had is lost or changed
        for key, value in table.items():
            if not (section == "zotero" and key in UPDATES):
                assert document[section][key] == value
    for line in original.splitlines():  # every comment is still there
        if "#" in line:
            assert line[line.index("#"):] in text
    settings = load_settings(environ={})
    assert (settings.api_key, settings.library_id) == ("NewKey9", "7")


def test_dotted_keys_get_dotted_neighbours() -> None:
    write_config("zotero.retries = 3\n")
    text = save_settings({"library_id": "7"}).read_text(encoding="utf-8")
    assert text == 'zotero.retries = 3\nzotero.library_id = "7"\n'


def test_login_into_a_config_with_dotted_keys(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    write_config("# mine\nzotero.retries = 3\n")
    result = run_cli("login", env={"ZOTSYNC_ZOTERO_URL": zotero_emu.url}, input=zotero_emu.api_key + "\n")
    assert result.exit_code == 0, result.stderr
    assert "Cannot declare" not in result.stderr
    text = user_config_path().read_text(encoding="utf-8")
    assert text.startswith("# mine\nzotero.retries = 3\n")
    settings = load_settings(environ={})
    assert (settings.api_key, settings.library_id, settings.zotero_retries) == (zotero_emu.api_key, "1", 3)
    assert run_cli("config").exit_code == 0


def test_a_file_that_cannot_be_edited_is_left_alone() -> None:
    write_config("zotero = 3\n")  # not a table: load_settings refuses it, so must the edit
    with pytest.raises(ConfigError, match="could not edit this file safely; it was not changed"):
        save_settings(UPDATES)
    assert user_config_path().read_text(encoding="utf-8") == "zotero = 3\n"
