"""The docs stay true: README commands, CI, commands, formats and settings documented."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click

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


def test_the_quick_start_demo_runs_offline_and_writes_a_bib(tmp_path: Path) -> None:
    """The main job of the README (after `pip install .`): examples/demo.sh, no account,
    no network (lookups point at a refusing port in tests, and the demo asks for none)."""
    script = quick_start_commands()[0].split("&&", 1)[1].split()
    assert script == ["sh", "examples/demo.sh"]
    sh = shutil.which("sh")
    assert sh is not None
    bin_dir = str(Path(sys.executable).parent)  # where `zotsync` was installed
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "ZOTSYNC_DEMO_OUT": str(tmp_path / "out"), "TMPDIR": str(tmp_path)}
    result = subprocess.run([sh, str(ROOT / "examples" / "demo.sh")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "65 papers, 8 duplicates merged" in result.stderr
    assert "plan: create 65, file 0, notes create 8" in result.stderr
    assert "collections to create: Reading / Daily digests" in result.stdout
    bib = (tmp_path / "out" / "refs.bib").read_text(encoding="utf-8")
    assert bib.count("@misc{") == 8 and "ye2025noninvasive" in bib
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the throw-away store was removed


def test_examples_are_the_bundled_samples() -> None:
    for name in ("arxiv-daily-digest.md", "hf-daily-papers.txt"):
        assert (ROOT / "examples" / name).read_bytes() == (ROOT / "tests" / "data" / name).read_bytes()


def test_every_command_is_documented() -> None:
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    for name in cli.list_commands(click.Context(cli)):
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
