"""`zotsync config`: show every setting, its value and where it came from."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import click

from zotsync.commands.common import RunContext, emit_json, json_option, pass_run
from zotsync.config import SETTINGS, Settings, user_config_path
from zotsync.errors import ZoteroError


@click.command("config")
@json_option
@pass_run
def config_command(run: RunContext, as_json: bool) -> None:
    """Show the settings in force and where each comes from (the API key is never shown).

    Precedence: defaults < config file < environment variables < command-line flags.
    """
    described = run.settings.describe()
    in_use = _target_in_use(run.settings)
    if as_json:
        emit_json({"config_file": str(user_config_path()), "settings": described, "target": in_use})
        return
    click.echo(f"config file: {user_config_path()}")
    for spec in SETTINGS:
        entry = described[spec.name]
        value = entry["value"]
        if isinstance(value, bool):  # as TOML spells it, to copy into config.toml
            value = "true" if value else "false"
        elif value is None and (spec.section, spec.key) == ("store", "dir"):
            value = f"{run.settings.store_path.parent}    (the default folder)"
        elif isinstance(value, tuple | list):  # a TOML array
            value = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
        elif value is None:
            value = ""
        envs = "/".join(spec.env)
        click.echo(f"{spec.section}.{spec.key} = {value}    # from {entry['from']}; env {envs}")
    click.echo(f"# in use: {in_use['description']}")


def _target_in_use(settings: Settings) -> dict[str, Any]:
    """Which Zotero the commands talk to; for the desktop app, its version (one ping)."""
    if settings.target == "web":
        library = (f"{settings.library_type} library {settings.library_id}" if settings.library_id
                   else "no library yet (zotsync login)")
        return {"target": "web", "url": settings.zotero_url, "zotero_version": None,
                "description": f"target web: {settings.zotero_url}, {library}"}
    from zotsync.zotero.desktop import ZoteroConnector  # noqa: PLC0415

    connector = ZoteroConnector(replace(settings, zotero_timeout=min(settings.zotero_timeout, 5.0),
                                        zotero_retries=1))
    try:
        version: str | None = connector.ping()
        state = f"Zotero {version}"
    except ZoteroError as error:
        version, state = None, error.message
    finally:
        connector.close()
    return {"target": "desktop", "url": settings.desktop_url, "zotero_version": version,
            "description": f"target desktop: {settings.desktop_url}, {state}"}
