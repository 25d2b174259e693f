"""Shared fixtures. Every test runs with its own config and data dirs: a developer's
own zotsync config, store or Zotero key never leaks into a test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

pytest_plugins = ["servers.zotero_fixtures", "servers.lookup_fixtures", "servers.llm_fixtures",
                  "servers.source_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present (reference corpus only)")

_OUR_VARS = ("ZOTSYNC_", "ZOTERO_", "OPENAI_")  # OPENAI_API_KEY is llm.api_key's fallback


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(_OUR_VARS):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    # Retries wait for real; keep them short so fault tests stay fast.
    monkeypatch.setenv("ZOTSYNC_ZOTERO_BACKOFF", "0.01")
    yield home


@pytest.fixture(autouse=True)
def no_real_lookups(isolated_dirs: Path, no_network_lookups: str) -> str:
    """arXiv and Hugging Face point at a refusing local port unless a test starts a stand-in:
    no test can reach the real services, whatever the developer's config says. (After
    `isolated_dirs`, which clears the environment.)"""
    return no_network_lookups


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def run_cli() -> object:
    """Run the CLI in-process with separate stdout and stderr."""
    from zotsync.cli import cli

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), env=env, input=input, catch_exceptions=False)

    return invoke
