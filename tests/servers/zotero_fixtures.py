"""pytest fixtures for the Zotero Web API emulator (`servers.zotero_emulator`).

`zotero_emu` (function scope) is a started emulator with user 1 ("alice") and her
library, group 42 ("Lab") she owns, a write key (`emu.api_key`, writes to the user
library and to group 42), a read-only key (`emu.readonly_key`, reads both), and
`emu.env` (ZOTERO_API_KEY, ZOTERO_LIBRARY_ID="1", ZOTERO_LIBRARY_TYPE="user",
ZOTSYNC_ZOTERO_URL) to hand to the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers.zotero_emulator import ZoteroEmulator

USER_ID = 1
USERNAME = "alice"
GROUP_ID = 42
GROUP_NAME = "Lab"
WRITE_KEY = "ZsWriteKey4Tests00000001"
READONLY_KEY = "ZsReadOnlyKey4Tests00001"


@pytest.fixture
def zotero_emu() -> Iterator[ZoteroEmulator]:
    """A running Zotero Web API emulator: user 1, group 42, a write and a read-only key."""
    with ZoteroEmulator() as emu:
        emu.add_user(USER_ID, USERNAME)
        emu.add_group(GROUP_ID, GROUP_NAME, owner=USER_ID)
        emu.api_key = emu.add_key(WRITE_KEY, user_id=USER_ID, write=True, groups={GROUP_ID: True})
        emu.readonly_key = emu.add_key(READONLY_KEY, user_id=USER_ID, write=False, groups={GROUP_ID: False})
        yield emu
