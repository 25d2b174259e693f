"""The docs stay true: README commands, CI, commands, formats and settings documented."""

from __future__ import annotations

import re
from pathlib import Path

from zotsync.cli import cli
from zotsync.config import SETTINGS
from zotsync.readers import FORMATS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_quick_start_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "examples/" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = quick_start_commands()[1]
    assert test_command in ci.splitlines()


def test_examples_are_the_bundled_samples() -> None:
    for name in ("arxiv-daily-digest.md", "hf-daily-papers.txt"):
        assert (ROOT / "examples" / name).read_bytes() == (ROOT / "tests" / "data" / name).read_bytes()


def test_every_command_is_documented() -> None:
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"## `zotsync {name}" in usage, name


def test_every_format_is_documented() -> None:
    formats = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    for name in FORMATS:
        assert f"| `{name}` |" in formats, name


def test_every_setting_is_documented() -> None:
    configuration = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for spec in SETTINGS:
        assert f"`{spec.section}.{spec.key}`" in configuration, spec.name
        assert f"`{spec.env[0]}`" in configuration, spec.name


def test_changelog_keeps_a_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert "keepachangelog.com" in changelog
