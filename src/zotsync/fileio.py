"""File writes that either happen whole or not at all."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

READ_ONLY = "the file is read-only"  # the strerror of the PermissionError for such a file
DEFAULT_MAX_SIZE = 10**9  # bytes: the default of the input.max_size setting

# Read once at import: os.umask can only be read by setting it, which races with threads.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class NotRegularFile(OSError):
    """A path that names something other than a regular file (a FIFO, a device, a socket,
    a folder) or a symbolic link loop: never read as a file, never replaced by one."""

    def __init__(self, path: Path | str, kind: str) -> None:
        super().__init__(errno.EINVAL, f"is {kind}, not a regular file", str(path))
        self.kind = kind


class TooLarge(OSError):
    """A file (or stdin) over the size limit for inputs."""

    def __init__(self, path: Path | str, size: int | None, limit: int) -> None:
        what = f"is {format_size(size)}" if size is not None else "is larger than that"
        super().__init__(errno.EFBIG, f"{what}, over the {format_size(limit)} limit for input files",
                         str(path))
        self.size = size
        self.limit = limit


class Changed(OSError):
    """The file changed on disk after it was read: the write was not made."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(errno.EAGAIN, "changed on disk while zotsync was writing it", str(path))


def format_size(size: int) -> str:
    """`1 GB`, `1.5 MB`, `812 bytes` (decimal units, as `input.max_size` reads them)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _stat_following_links(path: Path) -> os.stat_result | None:
    """`os.stat` (links followed); None for a new path; a link loop is `NotRegularFile`."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegularFile(path, "a symbolic link loop") from None
        raise


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a file was when it was read: a write made against it checks it is still so."""

    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, st: os.stat_result, data: bytes) -> Snapshot:
        return cls(st.st_size, st.st_mtime_ns, hashlib.blake2b(data, digest_size=16).hexdigest())


_CHUNK = 1 << 20


def read_at_most(stream: BinaryIO, limit: int | None, *, expected: int = 0) -> bytes:
    """What `stream` holds to its end, but at most `limit` + 1 bytes (one byte over tells
    the caller it is too large). Read in the `expected` size (a file's) and then in 1 MiB
    blocks: `read(limit + 1)` would allocate the whole limit (1 GB) for every read."""
    blocks: list[bytes] = []
    total = 0
    size = expected + 1  # a file that says its size is read at once (+1: did it grow?)
    while limit is None or total <= limit:
        block = stream.read(size if limit is None else min(size, limit + 1 - total))
        if not block:
            break
        blocks.append(block)
        total += len(block)
        size = _CHUNK
    return b"".join(blocks)


def read_regular(path: Path, *, limit: int | None = None) -> tuple[bytes, Snapshot]:
    """`read_regular_bytes` and the file's `Snapshot`."""
    data, st = _read_regular(path, limit)
    return data, Snapshot.of(st, data)


def read_regular_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """The bytes of the regular file at `path` (links followed).

    A FIFO, device, socket or link loop is `NotRegularFile`, refused before it is opened
    (opening a FIFO blocks, reading /dev/zero never ends) and checked again on the open
    file (it could be swapped in between). Over `limit` bytes is `TooLarge`, checked
    before reading and while reading (a file can grow). Missing: FileNotFoundError.
    """
    return _read_regular(path, limit)[0]


def _read_regular(path: Path, limit: int | None) -> tuple[bytes, os.stat_result]:
    before = _stat_following_links(Path(path))
    if before is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    if not stat.S_ISREG(before.st_mode):
        raise NotRegularFile(path, file_kind(before.st_mode))
    # O_NONBLOCK: if a FIFO was swapped in after the stat, opening it does not wait.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(path, file_kind(st.st_mode))
        if limit is not None and st.st_size > limit:
            raise TooLarge(path, st.st_size, limit)
        data = read_at_most(handle, limit, expected=st.st_size)
    if limit is not None and len(data) > limit:
        raise TooLarge(path, None, limit)
    return data, st


class _Watch:
    """The file at a path, opened and hashed now and kept open: after a rename replaced
    it, `late_bytes` says whether anything was still written to it (and what it holds)."""

    def __init__(self, path: Path) -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            self.handle = None
            self.snapshot: Snapshot | None = None
            return
        self.handle = os.fdopen(fd, "rb")
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            self.close()
            raise NotRegularFile(path, file_kind(st.st_mode))
        self.snapshot = Snapshot.of(st, self.handle.read())

    def late_bytes(self) -> bytes | None:
        """What the file holds now, if it changed since it was opened; else None."""
        if self.handle is None or self.snapshot is None:
            return None
        st = os.fstat(self.handle.fileno())
        if (st.st_size, st.st_mtime_ns) == (self.snapshot.size, self.snapshot.mtime_ns):
            return None
        self.handle.seek(0)
        return self.handle.read()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def writable_target(path: Path) -> Path:
    """The file a write to `path` replaces: a symbolic link's target (the link stays).

    Refused: a FIFO, device, socket or folder (`NotRegularFile`: replacing a device
    with a regular file destroys it), a link loop, and a read-only file
    (PermissionError, as an editor would).
    """
    path = Path(path)
    st = _stat_following_links(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # write through the link: it stays a link
    if st is None:
        return path
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(path, file_kind(st.st_mode))
    if not os.access(path, os.W_OK) or not st.st_mode & stat.S_IWUSR:
        # A rename would replace a file its owner made read-only: refuse, as an editor would.
        raise PermissionError(errno.EACCES, READ_ONLY, str(path))
    return path


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None, backup: bool = False,
                       unchanged: Snapshot | None = None, expect_new: bool = False) -> bytes | None:
    """Write `data` to `path` through a temp file in the same folder, fsync, rename.

    A crash leaves either the old file or the new one, never half of either. A symbolic
    link is written through (its target is replaced); a read-only file or one that is
    not a regular file (a FIFO, a device) is refused, never replaced (see
    `writable_target`). `mode` sets the permissions before any byte is written (0o600
    for secrets); otherwise an existing file's mode is kept. With `backup`, an existing
    file is first copied to `<name>.bak` (also atomically).

    With `unchanged` (or `expect_new`: the file did not exist when read), the file is
    checked just before the rename to be still as it was read (size, mtime, content);
    if it is not, nothing is replaced and `Changed` is raised, so the caller can merge
    into the new content. A write that lands on the old file in the instant between that
    check and the rename is caught too: the old file is held open across the rename,
    and what it then holds is returned (None when it did not change) for the caller to
    put back.
    """
    path = writable_target(path)
    folder = path.parent if str(path.parent) else Path()
    exists = path.exists()
    if mode is None and exists:
        mode = path.stat().st_mode & 0o7777
    checked = unchanged is not None or expect_new
    if checked:  # changed already: stop before the backup (checked again before the rename)
        early = _Watch(path)
        early.close()
        if early.snapshot != unchanged:
            raise Changed(path)
    if backup and exists:
        old = read_regular_bytes(path)
        atomic_write_bytes(path.with_name(path.name + ".bak"), old, mode=mode)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:  # name the file the user asked for, not our temp file
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, mode if mode is not None else 0o666 & ~_UMASK)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:  # a full disk, a quota: said of the target
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        watch = _Watch(path) if checked else None
        try:
            if watch is not None and watch.snapshot != unchanged:
                raise Changed(path)
            tmp.replace(path)
            late = watch.late_bytes() if watch is not None else None
        finally:
            if watch is not None:
                watch.close()
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
    return late


def atomic_write_text(
    path: Path, text: str, *, encoding: str = "utf-8", mode: int | None = None, backup: bool = False
) -> None:
    """`atomic_write_bytes` for text; newlines are written exactly as given."""
    atomic_write_bytes(path, text.encode(encoding), mode=mode, backup=backup)




__all__ = [
    "DEFAULT_MAX_SIZE",
    "READ_ONLY",
    "Changed",
    "NotRegularFile",
    "Snapshot",
    "TooLarge",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_kind",
    "format_size",
    "read_regular",
    "writable_target",
]
