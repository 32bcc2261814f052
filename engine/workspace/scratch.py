"""Scratch files: what a writer fills before renaming it into place, named with the writer's
process id, so that what a killed writer left can be told from a live writer's work and removed
at the next start.

A scratch name is ``.<target name>.~<pid>~<random><suffix>``: hidden, beside its target (a
rename within one folder is atomic), never a name a person or the app gives (names never start
with a dot: engine/workspace/names.py).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

_SCRATCH = re.compile(r"^\..+\.~(\d+)~[^~/]*$")
_CLOCK_SLACK = 2.0  # seconds between a file's time and its process's start time, both rounded


def create(folder: str | Path, target_name: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new empty scratch file in ``folder`` for ``target_name``: (an open descriptor, path)."""
    fd, path = tempfile.mkstemp(prefix=f".{target_name}.~{os.getpid()}~", suffix=suffix, dir=folder)
    return fd, Path(path)


def writer(path: str | Path) -> int | None:
    """The process id in a scratch file's name; None when the name is not a scratch name."""
    match = _SCRATCH.match(Path(path).name)
    return int(match.group(1)) if match else None


def alive(pid: int, since: float) -> bool:
    """Whether process ``pid`` may still be the one that wrote a file at time ``since`` (its
    mtime): a process of that id that started later is another process that reused the id."""
    if pid == os.getpid():
        return True
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False  # killed, not yet reaped by its parent: it writes nothing more
        return process.create_time() <= since + _CLOCK_SLACK
    except (psutil.NoSuchProcess, ValueError):
        return False
    except psutil.Error:  # another user's process: cannot tell, so keep its files
        return True


def sweep(folders: Iterable[str | Path]) -> list[Path]:
    """Remove the scratch files (and folders) of writers that are no longer alive, in
    ``folders`` and the folders below them; returns what was removed. A file that cannot be
    removed (a read-only disk) is left and logged."""
    removed = []
    for folder in folders:
        for parent, dirs, files in os.walk(folder):
            for name in [*files, *dirs]:
                path = Path(parent) / name
                pid = writer(path)
                if pid is None:
                    continue
                try:
                    if alive(pid, path.lstat().st_mtime):
                        continue
                    if name in dirs and not path.is_symlink():
                        shutil.rmtree(path)
                        dirs.remove(name)
                    else:
                        path.unlink()
                except FileNotFoundError:
                    continue  # its writer renamed or removed it meanwhile
                except OSError as error:
                    log.warning("could not remove the leftover %s: %s", path, error)
                    continue
                removed.append(path)
    return removed
