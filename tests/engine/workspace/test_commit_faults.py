"""Fault injection: a save stopped by SIGKILL or Ctrl-C at each filesystem call in turn, and two
writers of one name, always leave the old model or the new one whole, never a mix; what a killed
writer leaves is removed at the next start (Workspace.recover).

The writer is a child process that never imports Keras: its stand-in model writes the bytes of a
small .keras-like zip. Each of its filesystem calls (os.open, write, fsync, replace, link,
unlink, mkdir, close, open, zip writes) is a step; at step k it drops a marker and waits for the
signal.
"""

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from engine.failures import EXIT_USAGE
from engine.workspace import metadata
from engine.workspace.store import ModelInfo, Workspace

REPO = Path(__file__).resolve().parents[3]
DATE = "2025-01-01T00:00:00"  # a fixed date: equal saves give equal bytes
OLD, NEW = ["cat", "dog"], ["red", "green", "blue"]

CHILD = r"""
import builtins, json, os, signal, sys, time, zipfile
jobs = json.loads(sys.argv[1])
sys.path.insert(0, jobs[0]["repo"])
signal.signal(signal.SIGINT, signal.default_int_handler)  # even where SIGINT was ignored
from engine.failures import LabError
from engine.workspace.store import Workspace
import numpy  # what a save imports, once here rather than in every forked save


class StandIn:
    # what save_model asks of a Keras model: save(path) and get_weights()
    def __init__(self, data):
        self.data = data

    def save(self, path):
        with open(path, "wb") as handle:
            handle.write(self.data)

    def get_weights(self):
        return []


real_open, real_sleep, real_rename = builtins.open, time.sleep, os.rename


def signal_me(marker):
    with real_open(marker + ".tmp", "w") as handle:
        handle.write(str(os.getpid()))
    real_rename(marker + ".tmp", marker)
    while True:
        real_sleep(0.002)  # SIGKILL or SIGINT arrives here


def save(job):
    steps = []

    def step(name, call):
        def stopping(*args, **kwargs):
            steps.append(name)
            if len(steps) == job["stop_at"] or name == job["stop_before"]:
                signal_me(job["marker"])
            if name == "replace" and job["slow"]:
                real_sleep(job["slow"])  # a slow disk: the other writer comes meanwhile
            return call(*args, **kwargs)
        return stopping

    with real_open(job["model"], "rb") as handle:
        model = StandIn(handle.read())
    workspace = Workspace(job["root"], system_trash=False)
    if job["go"]:  # two writers: both ready, then both go
        real_open(job["marker"] + ".ready", "w").close()
        while not os.path.exists(job["go"]):
            real_sleep(0.001)
    for name in ("open", "close", "write", "fsync", "replace", "rename", "link", "unlink", "mkdir"):
        setattr(os, name, step(name, getattr(os, name)))
    builtins.open = step("builtins.open", real_open)
    for name in ("writestr", "close"):
        setattr(zipfile.ZipFile, name, step("zip." + name, getattr(zipfile.ZipFile, name)))
    try:
        workspace.save_model(
            model, job["classes"], (32, 32), "unit", job["name"], replace=job["replace"],
            date=job["date"],
        )
    except LabError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    print(json.dumps(steps))
    return 0


code = 0
for job in jobs:  # each save in a process of its own, forked: no start-up time per save
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            status = save(job)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    with real_open(job["marker"] + ".tmp", "w") as handle:
        handle.write(str(code))
    real_rename(job["marker"] + ".tmp", job["marker"] + ".done")
sys.exit(code if code >= 0 else 128 - code)
"""


def fake_keras(path, tag):
    """A small zip that passes for a .keras file: a config.json and some weights bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Functional", "tag": tag}))
        archive.writestr("model.weights.h5", bytes(range(256)) * 40 + tag.encode())
    path.write_bytes(buffer.getvalue())
    return path


def job(
    root, model, classes, stop_at=0, stop_before="", replace=True, go=None, slow=0.0, writer=""
):
    """What one save in the child does: stop at step ``stop_at`` (0: never) or at the first
    call named ``stop_before``; with ``go``, wait for that file first."""
    return {
        "repo": str(REPO),
        "root": str(root),
        "name": "pets",
        "model": str(model),
        "classes": classes,
        "stop_at": stop_at,
        "stop_before": stop_before,
        "marker": str(Path(root).with_name(f"{Path(root).name}{writer}-stopped")),
        "replace": replace,
        "go": str(go) if go else "",
        "slow": slow,
        "date": DATE,
    }


STARTED = []


def start(*args, jobs=None, **kwargs):
    """A child process that saves ``jobs`` one after the other (or the one job of the
    arguments); its exit code is the last save's."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(jobs or [job(*args, **kwargs)])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its saves too are ended with it, below
    )
    STARTED.append(child)
    return child


@pytest.fixture(autouse=True)
def no_child_outlives_its_test():
    yield
    while STARTED:
        child = STARTED.pop()
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()


def finish(child):
    """(exit code, standard error) of a child once it ends."""
    _, err = child.communicate(timeout=60)
    return child.returncode, err


def state(root, name="pets"):
    """(sha256 of the .keras, its class names) as a fresh reader sees them."""
    path = Path(root) / "models" / f"{name}.keras"
    return hashlib.sha256(path.read_bytes()).hexdigest(), ModelInfo.read(path).class_names


def files(root):
    return sorted(p.name for p in (Path(root) / "models").iterdir())


@pytest.fixture
def models(tmp_path):
    return fake_keras(tmp_path / "old.bin", "old"), fake_keras(tmp_path / "new.bin", "new")


@pytest.fixture
def saved_old(tmp_path, models):
    """A workspace holding the old model, saved through the same code as the children's."""
    root = tmp_path / "template"
    code, err = finish(start(root, models[0], OLD))
    assert code == 0, err
    return root


def wait_for(path, child):
    deadline = time.monotonic() + 30
    while not path.exists():
        assert child.poll() is None or path.exists(), "the child ended early"
        assert time.monotonic() < deadline, f"{path.name} never came"
        time.sleep(0.001)


def stop(marker, child, how):
    """Wait for a save to reach its step (then signal it) or to end; True when it was stopped."""
    done = Path(marker + ".done")
    marker = Path(marker)
    deadline = time.monotonic() + 30
    while not marker.exists() and not done.exists():
        assert child.poll() is None, "the child ended early"
        assert time.monotonic() < deadline, "the save neither stopped nor ended"
        time.sleep(0.001)
    stopped = marker.exists()
    if stopped:
        os.kill(int(marker.read_text()), how)
    wait_for(done, child)
    return stopped


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_save_stopped_at_any_step_leaves_the_old_or_the_new_model_whole(
    tmp_path, models, saved_old, how
):
    began = time.monotonic()
    reference = tmp_path / "reference"
    shutil.copytree(saved_old, reference)
    child = start(reference, models[1], NEW)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    steps = json.loads(out)
    old, new = state(saved_old), state(reference)
    assert old[1] == OLD and new[1] == NEW and old[0] != new[0]
    assert len(steps) >= 15 and steps.count("replace") >= 2, steps  # the commit and the copy

    stops = range(1, len(steps) + 2)  # every step, then one past the end
    jobs = [job(tmp_path / f"stopped-at-{k}", models[1], NEW, stop_at=k) for k in stops]
    for each in jobs:
        shutil.copytree(saved_old, each["root"])
    child = start(jobs=jobs)
    seen, kills = set(), 0
    for k, each in zip(stops, jobs, strict=True):
        root = Path(each["root"])
        kills += stop(each["marker"], child, how)
        now = state(root)
        assert now in (old, new), f"stopped at step {k} ({steps[k - 1 : k]}): a mix"
        seen.add(now[1] == NEW)
        if how == signal.SIGINT:  # Ctrl-C: the writer cleans up, unless stopped at that
            left = [n for n in files(root) if n not in ("pets.json", "pets.keras")]
            assert len(left) <= 1 and all(n.startswith(".pets.") for n in left), (k, left)
        removed = Workspace(root, system_trash=False).recover()
        assert files(root) == ["pets.json", "pets.keras"], (k, files(root), removed)
        assert state(root) == now  # recovering changes nothing but leftovers
        copy = (root / "models" / "pets.json").read_bytes()
        assert copy == metadata.read_entry(root / "models" / "pets.keras")  # the readable copy
    finish(child)
    assert kills == len(steps) and seen == {False, True}
    print(f"{how.name}: {len(steps)} steps, {kills} stops, {time.monotonic() - began:.1f} s")


def test_killed_writers_leftovers_are_removed_and_a_live_writers_are_kept(
    tmp_path, models, saved_old
):
    killed, again = tmp_path / "killed", tmp_path / "again"
    jobs = [  # killed just before the commit, while the lock is held; then a save after one
        job(killed, models[1], NEW, stop_before="replace"),
        job(again, models[1], NEW, stop_before="replace"),
        job(again, models[1], NEW, writer="-saved"),
    ]
    for root in (killed, again):
        shutil.copytree(saved_old, root)
    child = start(jobs=jobs)
    assert stop(jobs[0]["marker"], child, signal.SIGKILL)
    assert stop(jobs[1]["marker"], child, signal.SIGKILL)
    assert finish(child)[0] == 0
    # the next save, before any recovery, took over the dead writer's lock
    assert state(again)[1] == NEW
    left = [n for n in files(killed) if n not in ("pets.json", "pets.keras")]
    assert any(n.endswith(".keras") for n in left) and ".pets.lock" in left, left
    live = killed / "models" / ".pets.keras.~1~abcdefgh.keras"  # pid 1 is alive (init)
    live.write_bytes(b"a live writer's work")
    removed = Workspace(killed, system_trash=False).recover()
    assert sorted(p.name for p in removed) == sorted(left)
    assert files(killed) == [live.name, "pets.json", "pets.keras"]
    assert state(killed) == state(saved_old)


def race(tmp_path, models, rounds, replace, template=None):
    """Two children that save under one name at the same moment, ``rounds`` times (a slow
    disk at the commit, so that the second comes while the first holds the lock); returns each
    round's folder and exit codes, and all that the children said on standard error."""
    roots = [tmp_path / f"race-{r}" for r in range(rounds)]
    for root in roots:
        if template:
            shutil.copytree(template, root)
    writers = [
        [
            job(root, model, classes, replace=replace, go=f"{root}-go", slow=0.05, writer=w)
            for root in roots
        ]
        for w, model, classes in (("a", models[0], OLD), ("b", models[1], NEW))
    ]
    children = [start(jobs=jobs) for jobs in writers]
    codes = []
    for r, root in enumerate(roots):
        for jobs, child in zip(writers, children, strict=True):
            wait_for(Path(jobs[r]["marker"] + ".ready"), child)
        Path(f"{root}-go").touch()
        for jobs, child in zip(writers, children, strict=True):
            wait_for(Path(jobs[r]["marker"] + ".done"), child)
        codes.append([int(Path(jobs[r]["marker"] + ".done").read_text()) for jobs in writers])
    said = "".join(child.communicate(timeout=60)[1] for child in children)
    return list(zip(roots, codes, strict=True)), said


def test_two_writers_of_one_name_one_wins_whole(tmp_path, models, saved_old):
    alone = [tmp_path / "alone-a", tmp_path / "alone-b"]
    child = start(jobs=[job(alone[0], models[0], OLD), job(alone[1], models[1], NEW)])
    assert finish(child)[0] == 0
    references = [state(root) for root in alone]
    rounds, _ = race(tmp_path, models, 3, replace=True, template=saved_old)
    for root, codes in rounds:
        assert codes == [0, 0]
        assert state(root) in references
        copy = (root / "models" / "pets.json").read_bytes()
        assert copy == metadata.read_entry(root / "models" / "pets.keras")
        assert files(root) == ["pets.json", "pets.keras"]


def test_two_writers_of_a_new_name_without_replace_one_saves_and_one_is_refused(tmp_path, models):
    rounds, said = race(tmp_path, models, 3, replace=False)
    for root, codes in rounds:
        assert sorted(codes) == [0, EXIT_USAGE]
        assert state(root)[1] == [OLD, NEW][codes.index(0)]
        assert files(root) == ["pets.json", "pets.keras"]
    assert said.count("A model named pets exists (saved while this one trained?)") == 3
