"""A lock file per name, so that one writer at a time checks a name and commits under it.

The lock is ``.<name>.lock`` beside the files it guards and holds its writer's process id
(and a token of its own, so that two threads of one process never release each other's). It
is created whole: the id is written to a scratch file first, which is then linked to the lock's
name (a link, like O_CREAT|O_EXCL, fails when the name exists), so no lock is ever seen empty.
A lock whose writer is no longer alive is stale: the next writer, or ``sweep`` at the next
start, removes it.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import time
from pathlib import Path

from engine.failures import LabError
from engine.workspace import scratch

log = logging.getLogger(__name__)

WAIT = 60.0  # seconds: a commit holds the lock for a rename and a small write
_POLL = 0.02
_UNREADABLE_GRACE = 10.0  # seconds an id-less lock (see _create's fallback) counts as live


class Busy(LabError):
    """Another writer held the name for longer than the wait."""


class NameLock:
    """``with NameLock(folder, name):`` holds ``folder/.name.lock``; Busy after ``wait`` s."""

    def __init__(self, folder: str | Path, name: str, wait: float = WAIT):
        self.folder, self.name, self.wait = Path(folder), name, wait
        self.path = self.folder / f".{name}.lock"
        self.content = f"{os.getpid()} {secrets.token_hex(8)}\n".encode()

    def __enter__(self) -> NameLock:
        try:
            self._acquire()
        except BaseException:
            self.__exit__()  # a Ctrl-C just after the lock was taken must not leave it held
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            with open(self.path, "rb") as handle:
                ours = handle.read(len(self.content) + 1) == self.content
        except OSError:
            return
        if ours:
            self.path.unlink(missing_ok=True)

    def _acquire(self) -> None:
        deadline = time.monotonic() + self.wait
        while not self._create():
            if stale(self.path):
                _remove_stale(self.path)
                continue
            if time.monotonic() >= deadline:
                raise Busy(
                    f"Another save of '{self.name}' is still running (process "
                    f"{_holder(self.path) or 'unknown'}): wait for it to end, or choose another "
                    f"name"
                )
            time.sleep(_POLL)

    def _create(self) -> bool:
        fd, tmp = scratch.create(self.folder, f"{self.name}.lock")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(self.content)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return False
            except OSError as error:  # a file system without hard links (FAT, some shares)
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
                    raise
                return self._create_exclusive()
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _create_exclusive(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as handle:
            handle.write(self.content)
        return True


def stale(path: str | Path) -> bool:
    """Whether the lock at ``path`` was left by a writer that is no longer alive."""
    path = Path(path)
    try:
        since = path.stat().st_mtime
    except FileNotFoundError:
        return False
    pid = _holder(path)
    if pid is None:
        return time.time() - since > _UNREADABLE_GRACE
    return not scratch.alive(pid, since)


def sweep(folder: str | Path) -> list[Path]:
    """Remove the stale locks in ``folder``; returns what was removed."""
    removed = []
    folder = Path(folder)
    if folder.is_dir():
        for path in folder.glob(".*.lock"):
            try:
                if stale(path) and _remove_stale(path):
                    removed.append(path)
            except OSError as error:  # a read-only disk: leave it
                log.warning("could not remove the stale lock %s: %s", path, error)
    return removed


def _holder(path: Path) -> int | None:
    try:
        with open(path, "rb") as handle:
            return int(handle.read(64).split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _remove_stale(path: Path) -> bool:
    # Read again just before removing: another writer may have broken it and taken it since.
    # (A window of microseconds remains between two writers that both found it stale; the
    # commit itself is one rename, so even then no model is ever a mix.)
    if not stale(path):
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
