"""`zotsync login` against the emulator: key checked, config written 0600, key never shown."""

from __future__ import annotations

import stat

from zotsync.config import load_settings, save_settings, user_config_path


def test_login_writes_key_and_user_id_0600(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    result = run_cli("login", env=env, input=zotero_emu.api_key + "\n")
    assert result.exit_code == 0, result.stderr
    assert zotero_emu.api_key not in result.output
    assert "logged in as alice" in result.stderr
    assert "writable group: 42  Lab" in result.stderr
    path = user_config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings(environ={})
    assert (settings.api_key, settings.library_id, settings.library_type) == (zotero_emu.api_key, "1", "user")
    assert [r.path for r in zotero_emu.log] == ["/keys/current", "/users/1/groups"]


def test_login_group_then_push_goes_to_the_group(run_cli, zotero_emu, data_dir) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    result = run_cli("login", "--group", "42", env=env, input=zotero_emu.api_key + "\n")
    assert result.exit_code == 0, result.stderr
    push = run_cli("push", str(data_dir / "arxiv-daily-digest.md"), "-c", "Lab", "--select", "2506.02013",
                   env=env)
    assert push.exit_code == 0, push.stderr
    assert len(zotero_emu.library("/groups/42").items) == 3
    assert zotero_emu.library().items == {}


def test_login_refuses_a_group_without_write_access(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    result = run_cli("login", "--group", "42", env=env, input=zotero_emu.readonly_key + "\n")
    assert result.exit_code == 3
    assert "key lacks write access to group library 42" in result.stderr
    assert zotero_emu.readonly_key not in result.output
    assert not user_config_path().exists()


def test_login_with_a_bad_key(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    result = run_cli("login", env=env, input="WrongKey0000000000000000\n")
    assert result.exit_code == 3
    assert "WrongKey" not in result.output
    # The real server answers 403 "Invalid key" before it sets Zotero-API-Version.
    assert result.stderr.startswith("zotsync: error: Zotero does not know this API key (403 Invalid key)")
    assert "does not look like a Zotero" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not user_config_path().exists()


def test_read_only_key_login_warns(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    result = run_cli("login", env=env, input=zotero_emu.readonly_key + "\n")
    assert result.exit_code == 0
    assert "cannot write to your personal library" in result.stderr


def test_a_piped_key_replaces_a_saved_one(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    revoked = "RevokedKey00000000000000"
    save_settings({"api_key": revoked, "library_id": "1"})
    result = run_cli("login", env=env, input=zotero_emu.api_key + "\n")
    assert result.exit_code == 0, result.stderr
    assert load_settings(environ={}).api_key == zotero_emu.api_key
    # the new key was used, not the saved one
    assert zotero_emu.log[0].headers["authorization"] == f"Bearer {zotero_emu.api_key}"


def test_nothing_piped_keeps_the_saved_key_to_switch_libraries(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    assert run_cli("login", env=env, input=zotero_emu.api_key + "\n").exit_code == 0
    result = run_cli("login", "--group", "42", env=env, input="")
    assert result.exit_code == 0, result.stderr
    settings = load_settings(environ={})
    assert (settings.api_key, settings.library_id, settings.library_type) == (
        zotero_emu.api_key, "42", "group")


def test_a_mangled_key_is_refused_before_any_request(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {"ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    for mangled in ("ZsWrite Key4Tests00000001", "ZsWriteKey4Tésts00000001"):
        result = run_cli("login", env=env, input=mangled + "\n")
        assert result.exit_code == 2
        assert "copy it again from zotero.org/settings/keys" in result.stderr
        assert "from standard input" in result.stderr  # it said "from command line"
        assert "correct or remove it" not in result.stderr  # nothing to remove: it is not saved
        assert mangled not in result.output and "Traceback" not in result.output
    assert run_cli("login", "--group", "lab", env=env, input="").exit_code == 2
    assert zotero_emu.log == []
    assert not user_config_path().exists()
