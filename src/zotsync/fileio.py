"""File writes that either happen whole or not at all."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

READ_ONLY = "the file is read-only"  # the strerror of the PermissionError for such a file

# Read once at import: os.umask can only be read by setting it, which races with threads.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None, backup: bool = False) -> None:
    """Write `data` to `path` through a temp file in the same folder, fsync, rename.

    A crash leaves either the old file or the new one, never half of either. A symbolic
    link is written through (its target is replaced); a read-only file is refused
    (PermissionError), never replaced. `mode`
    sets the permissions before any byte is written (0o600 for secrets); otherwise an
    existing file's mode is kept. With `backup`, an existing file is first copied to
    `<name>.bak` (also atomically).
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # write through the link: it stays a link
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & stat.S_IWUSR):
        # A rename would replace a file its owner made read-only: refuse, as an editor would.
        raise PermissionError(errno.EACCES, READ_ONLY, str(path))
    folder = path.parent if str(path.parent) else Path()
    if mode is None and path.exists():
        mode = path.stat().st_mode & 0o7777
    if backup and path.exists():
        atomic_write_bytes(path.with_name(path.name + ".bak"), path.read_bytes(), mode=mode)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode if mode is not None else 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_text(
    path: Path, text: str, *, encoding: str = "utf-8", mode: int | None = None, backup: bool = False
) -> None:
    """`atomic_write_bytes` for text; newlines are written exactly as given."""
    atomic_write_bytes(path, text.encode(encoding), mode=mode, backup=backup)




__all__ = ["READ_ONLY", "atomic_write_bytes", "atomic_write_text"]
