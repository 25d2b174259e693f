"""`zotsync login`: check a Zotero API key and store it in the config file (0600)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import Any

import click
import httpx2

from zotsync.commands.common import RunContext, note, pass_run
from zotsync.config import Given, read_config_file, save_settings, user_config_path
from zotsync.deadline import until
from zotsync.errors import ConfigError, ZoteroError, register_secret
from zotsync.zotero.web import ZoteroWeb


def _writable_groups(client: ZoteroWeb, info: dict[str, Any]) -> list[tuple[str, str]]:
    """(group ID, name) of the groups the key can write to."""
    groups_access = (info.get("access") or {}).get("groups") or {}
    user_id = str(info.get("userID"))
    found = client.get_json(f"/users/{user_id}/groups", {"format": "json", "limit": 100})
    names = {str(g.get("id")): (g.get("data") or {}).get("name", "") for g in (found.data if found else [])}
    writable = []
    for group_id, name in sorted(names.items()):
        rights = groups_access.get(group_id) or groups_access.get("all") or {}
        if rights.get("write"):
            writable.append((group_id, name))
    return writable


def _given_key() -> Given | None:
    """A key given for this login and where from: piped on stdin, else in ZOTERO_API_KEY,
    else typed at the prompt. None when none was (Enter at the prompt, nothing piped): the
    saved key is then used, e.g. for `zotsync login --group ID`."""
    if not sys.stdin.isatty():
        piped = sys.stdin.readline().strip()
        return Given(piped, "standard input") if piped else None
    for name in ("ZOTERO_API_KEY", "ZOTSYNC_API_KEY"):
        if os.environ.get(name, "").strip():
            return Given(os.environ[name].strip(), f"${name}")
    saved = (read_config_file(user_config_path()).get("zotero") or {}).get("api_key")
    prompt = "Zotero API key" + (" (Enter keeps the saved one)" if saved else "")
    typed = click.prompt(prompt, hide_input=True, default="", show_default=False).strip()
    return Given(typed, "the prompt") if typed else None


def _login_desktop(run: RunContext, wait: float) -> None:
    """Zotero 10+: ask Zotero for a local API key (the user answers a dialog in Zotero),
    save it (0600) with target = desktop. Zotero 7-9 need no key (the connector writes):
    the target is saved after checking the local API is on (dedup reads through it)."""
    from zotsync.zotero.desktop import ZoteroLocal, not_running  # noqa: PLC0415

    settings = replace(run.settings, desktop_key=None, zotero_retries=1)
    local = ZoteroLocal(settings)
    local.probe()  # not running, local API off: one-line errors
    version = local.app_version or "?"
    if not local.writable:
        path = save_settings({"target": "desktop"})
        note(f"Zotero {version}: no key needed (zotsync writes through the connector); "
             f"target = desktop saved to {path}")
        return
    note(f"Zotero {version}: answer the dialog in Zotero now, choose \"Always Allow\" "
         f"(waiting up to {wait:g} s)")
    try:
        with until(wait):
            response = local.client.post(f"{settings.desktop_url}/api/local/authorize",
                                         json={"appName": "zotsync"},
                                         headers={"Zotero-Server-ID": local.server_id or ""}, timeout=wait)
    except httpx2.ConnectError:
        raise not_running(settings) from None
    except httpx2.TimeoutException:
        raise ZoteroError(f"Zotero's dialog was not answered within {wait:g} s",
                          hint="run `zotsync login --desktop` again and answer it in Zotero") from None
    except httpx2.TransportError:
        raise ZoteroError("Zotero closed the connection without answering the authorization",
                          hint="run `zotsync login --desktop` again") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 403 and isinstance(answer, dict) and answer.get("denied"):
        raise ZoteroError("you denied zotsync access in Zotero's dialog; nothing was saved",
                          hint="run `zotsync login --desktop` again and choose \"Always Allow\"")
    if response.status_code == 429:
        raise ZoteroError("Zotero refuses more authorization requests for now (429)",
                          hint=f"wait {response.headers.get('Retry-After', '60')} s, then run "
                               "`zotsync login --desktop` again")
    key = answer.get("key") if isinstance(answer, dict) else None
    if response.status_code != 200 or not isinstance(key, str) or not key:
        raise ZoteroError(f"Zotero answered {response.status_code} to the authorization request",
                          hint="check Zotero is version 10 or later; run `zotsync login --desktop` again")
    register_secret(key)
    if not answer.get("remember"):
        raise ZoteroError("Zotero granted a key for one write only (\"Allow\"); a push makes several",
                          hint="run `zotsync login --desktop` again and choose \"Always Allow\"")
    path = save_settings({"desktop_key": key, "target": "desktop"})
    note(f"Zotero {version} granted zotsync a local API key: saved to {path} (mode 0600); "
         "target = desktop")


@click.command()
@click.option("--group", "group_id", default=None, metavar="ID",
              help="Use this group library instead of your personal library.")
@click.option("--url", default=None, help="Zotero API base URL (default: api.zotero.org).")
@click.option("--desktop", is_flag=True,
              help="Use the Zotero app on this computer instead (ZOTSYNC_DESKTOP_URL): Zotero 10+ "
                   "asks you to allow zotsync in a dialog; the key it grants is saved.")
@click.option("--wait", type=click.FloatRange(1, 3600), default=120.0, show_default=True, metavar="SECONDS",
              help="With --desktop: how long to wait for your answer in Zotero.")
@pass_run
def login(run: RunContext, group_id: str | None, url: str | None, desktop: bool, wait: float) -> None:
    """Ask for your Zotero API key, check it, and save it for later commands.

    Create a key at https://www.zotero.org/settings/keys with "Allow library access"
    and "Allow write access" (and write access to any group you want to use). The key
    is read from standard input when it is piped, else from ZOTERO_API_KEY, else with
    hidden input (Enter keeps the key saved before); it is checked against
    /keys/current and written with your user ID to the config file, readable only by
    you (0600). It is never printed.
    """
    if desktop:
        if group_id or url:
            raise click.UsageError("--desktop takes neither --group nor --url (set ZOTSYNC_DESKTOP_URL)")
        _login_desktop(run, wait)
        return
    if url:
        run.overrides["zotero_url"] = url
    if group_id is not None and not group_id.strip().isdigit():
        raise click.BadParameter("must be a number (the group's ID, as `zotsync login` lists them)",
                                 param_hint="--group")
    given = _given_key()
    if given is not None:
        register_secret(given.value)
        run.overrides["api_key"] = given  # checked like any key, and wins over a saved one
    settings = run.settings
    key = settings.api_key
    if not key:
        raise ConfigError("no API key given", hint="create one at https://www.zotero.org/settings/keys")
    probe = ZoteroWeb(replace(settings, api_key=key, library_id="0", library_type="user"))
    probe.library_label = "your account"  # no library is known yet
    info = probe.key_info()
    user_id = str(info.get("userID") or "")
    if not user_id:
        raise ZoteroError("Zotero did not say which user the key belongs to",
                          hint="check ZOTSYNC_ZOTERO_URL points at a Zotero API")
    user_access = (info.get("access") or {}).get("user") or {}
    updates: dict[str, Any] = {"api_key": key}
    if url:
        updates["zotero_url"] = settings.zotero_url
    writable = _writable_groups(probe, info)
    if group_id:
        if group_id not in {g for g, _ in writable}:
            raise ZoteroError(f"key lacks write access to group library {group_id}",
                              hint="allow write access to that group at zotero.org/settings/keys")
        updates |= {"library_id": group_id, "library_type": "group"}
        target = f"group library {group_id}"
    else:
        updates |= {"library_id": user_id, "library_type": "user"}
        target = f"your library (user {user_id})"
        if not user_access.get("write"):
            note("warning: this key cannot write to your personal library: push will fail "
                 "(allow write access at zotero.org/settings/keys)")
    path = save_settings(updates)
    note(f"logged in as {info.get('username') or user_id}: using {target}; saved to {path} (mode 0600)")
    for gid, name in writable:
        note(f"  writable group: {gid}  {name}  (use: zotsync login --group {gid})")
