"""Deleting what a person made means moving it to the trash, never removing it outright."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)


def discard(
    path: str | Path, fallback: Path, relative: str | Path | None = None, system: bool = True
) -> str:
    """Move ``path`` to the system trash (unless ``system`` is False), or into ``fallback`` (the
    workspace's trash folder) when the system has none; returns where it went, in words."""
    path = Path(path)
    if system:
        try:
            from send2trash import send2trash

            send2trash(str(path))
            return "the system trash"
        except Exception as error:  # no trash on this system or this drive: keep it ourselves
            log.info("system trash unavailable for %s (%s): using %s", path, error, fallback)
    target = Path(fallback) / time.strftime("%Y%m%d-%H%M%S") / (relative or path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = target, 1
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
        n += 1
    shutil.move(str(path), str(candidate))
    return str(candidate.parent)
