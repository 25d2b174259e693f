"""`zotsync config`: show every setting, its value and where it came from."""

from __future__ import annotations

import json

import click

from zotsync.commands.common import RunContext, emit_json, json_option, pass_run
from zotsync.config import SETTINGS, user_config_path


@click.command("config")
@json_option
@pass_run
def config_command(run: RunContext, as_json: bool) -> None:
    """Show the settings in force and where each comes from (the API key is never shown).

    Precedence: defaults < config file < environment variables < command-line flags.
    """
    described = run.settings.describe()
    if as_json:
        emit_json({"config_file": str(user_config_path()), "settings": described})
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
