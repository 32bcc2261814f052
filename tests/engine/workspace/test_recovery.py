"""What killed writers leave (scratch files, locks) is removed at the next start, and never what a
live writer is working on; a name's lock lets one writer in at a time."""

import os
import subprocess
import sys
import time

import psutil
import pytest

from engine.workspace import locks, scratch
from engine.workspace.store import Workspace, atomic_write_bytes


@pytest.fixture
def dead_pid():
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not psutil.pid_exists(child.pid)
    return child.pid


def test_scratch_names_carry_their_writers_pid(tmp_path):
    fd, path = scratch.create(tmp_path, "pets.keras", ".keras")
    os.close(fd)
    assert path.name.startswith(f".pets.keras.~{os.getpid()}~") and path.suffix == ".keras"
    assert scratch.writer(path) == os.getpid()
    assert scratch.writer(tmp_path / "pets.keras") is None
    assert scratch.writer(tmp_path / ".pets.keras.~x~abc.keras") is None
    written = atomic_write_bytes(tmp_path / "a.json", b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, written.name]


def test_recover_removes_dead_writers_leftovers_everywhere_and_keeps_live_ones(tmp_path, dead_pid):
    workspace = Workspace(tmp_path, system_trash=False)
    places = [
        workspace.models_dir,
        workspace.cache_dir,
        workspace.snapshots_dir,
        workspace.projects_dir / "fruit" / "apple",
    ]
    dead, live = [], []
    for folder in places:
        folder.mkdir(parents=True)
        dead.append(folder / f".x.png.~{dead_pid}~abc123.tmp")
        live.append(folder / f".x.png.~{os.getpid()}~abc123.tmp")
        (folder / "x.png").write_bytes(b"a person's file")
    dead.append(workspace.cache_dir / f".unpacked.~{dead_pid}~q1")  # a scratch folder
    for path in dead[:-1] + live:
        path.write_bytes(b"half")
    dead[-1].mkdir()
    (dead[-1] / "config.json").write_bytes(b"{}")
    stale_lock = workspace.models_dir / ".pets.lock"
    stale_lock.write_text(f"{dead_pid} 0123\n")
    reused = workspace.models_dir / ".reused.lock"  # process 1 started after it: another one
    reused.write_text("1 0123\n")
    os.utime(reused, (0, 0))  # written in 1970, long before process 1 started
    held = workspace.models_dir / ".held.lock"
    held.write_text(f"{os.getpid()} 0123\n")

    removed = workspace.recover()
    assert sorted(removed) == sorted([*dead, stale_lock, reused])
    for folder in places:
        assert (folder / "x.png").read_bytes() == b"a person's file"
    assert all(p.exists() for p in live) and held.exists()
    assert workspace.recover() == []


def test_a_lock_holds_out_a_second_writer_and_a_dead_writers_lock_is_taken_over(tmp_path, dead_pid):
    with locks.NameLock(tmp_path, "pets"):
        assert (tmp_path / ".pets.lock").read_text().split()[0] == str(os.getpid())
        began = time.monotonic()
        with pytest.raises(locks.Busy, match=r"^Another save of 'pets' is still running \("):
            locks.NameLock(tmp_path, "pets", wait=0.2).__enter__()
        assert time.monotonic() - began >= 0.2
        assert (tmp_path / ".pets.lock").exists()  # the refused one did not release it
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    (tmp_path / ".pets.lock").write_text(f"{dead_pid} 0123\n")
    with locks.NameLock(tmp_path, "pets", wait=0.2):
        assert (tmp_path / ".pets.lock").read_text().split()[0] == str(os.getpid())
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_models_lists_no_scratch_file(tmp_path, dead_pid):
    workspace = Workspace(tmp_path, system_trash=False)
    workspace.models_dir.mkdir()
    (workspace.models_dir / f".pets.keras.~{dead_pid}~abc.keras").write_bytes(b"PK")
    assert workspace.models() == []
