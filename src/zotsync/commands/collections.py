"""`zotsync collections`: the library's collection tree."""

from __future__ import annotations

import click

from zotsync.commands.common import RunContext, emit_json, json_option, pass_run, target_option
from zotsync.core.library import Collection, collection_path
from zotsync.sync import open_library


def _tree_lines(collections: list[Collection]) -> list[str]:
    children: dict[str | None, list[Collection]] = {}
    for collection in collections:
        children.setdefault(collection.parent, []).append(collection)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for c in sorted(children.get(parent, []), key=lambda c: c.name.casefold()):
            lines.append(f"{'  ' * depth}{c.name}  ({c.num_items} items)  [{c.key}]")
            walk(c.key, depth + 1)

    walk(None, 0)
    return lines


@click.command()
@target_option
@json_option
@pass_run
def collections(run: RunContext, as_json: bool) -> None:
    """List the library's collections as a tree, with item counts and keys."""
    library = open_library(run.settings, run.store)
    found = library.index.collections()
    if as_json:
        emit_json([{"key": c.key, "name": c.name, "parent": c.parent,
                    "path": collection_path(found, c.key), "items": c.num_items,
                    "subcollections": c.num_collections} for c in found])
        return
    if not found:
        click.echo("(no collections)")
    for line in _tree_lines(found):
        click.echo(line)
