"""The commands' one error boundary (issue 15, item 1): a known failure is one sentence and its
exit code, an unexpected one is logged with its traceback and exits 70, Ctrl-C exits 130 at any
moment without a traceback, and a closed output ends the command quietly."""

import errno
import logging
import os
import signal
import subprocess
import sys
import time

import pytest

import cli.classify
import main
from tests.helpers.files import REPO


def classify_demo(workspace, colour_info, frames=3) -> int:
    argv = ["classify", "--demo", "--frames", str(frames), "--model", str(colour_info.path)]
    return main.main([*argv, "--workspace", str(workspace.root)])


def broken(error):
    def fail(*args, **kwargs):
        raise error

    return fail


def test_an_unexpected_error_is_logged_with_its_traceback_and_exits_70(
    workspace, colour_info, monkeypatch, capsys
):
    monkeypatch.setattr(cli.classify, "every_frame", broken(RuntimeError("boom")))
    assert classify_demo(workspace, colour_info) == 70
    log_file = workspace.root / "lab.log"
    assert capsys.readouterr().err == (
        f"error: An internal error stopped it; the details are in {log_file}.\n"
    )
    logged = log_file.read_text()
    assert "internal error in a command" in logged and "Traceback" in logged
    assert "RuntimeError: boom" in logged
    assert str(log_file) not in [
        getattr(h, "baseFilename", None) for h in logging.getLogger().handlers
    ]  # the run's log file is closed once the command ends


def test_without_a_writable_workspace_the_traceback_goes_to_stderr(
    workspace, colour_info, monkeypatch, capsys
):
    monkeypatch.setattr(cli.classify, "every_frame", broken(RuntimeError("boom")))
    monkeypatch.setattr(logging, "FileHandler", broken(OSError(errno.EROFS, "Read-only")))
    assert classify_demo(workspace, colour_info) == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "RuntimeError: boom" in err
    assert err.splitlines()[-1] == (
        "error: An internal error stopped it; the details are in the traceback above."
    )


@pytest.mark.parametrize(
    ("error", "said", "code"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "The disk is full", 1),
        (MemoryError(), "The machine ran out of memory", 1),
        (KeyboardInterrupt(), "Interrupted.", 130),
    ],
)
def test_a_known_failure_is_one_line_and_its_exit_code(
    workspace, colour_info, monkeypatch, capsys, error, said, code
):
    monkeypatch.setattr(cli.classify, "every_frame", broken(error))
    assert classify_demo(workspace, colour_info) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and said in err and "Traceback" not in err


def test_a_classify_run_needs_no_writable_workspace(workspace, colour_info, monkeypatch, capsys):
    monkeypatch.setattr(logging, "FileHandler", broken(OSError(errno.EROFS, "Read-only")))
    assert classify_demo(workspace, colour_info, frames=2) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def command(colour_info, *more) -> subprocess.Popen:
    """``main.py classify`` on the demo stream in a fresh interpreter, as a terminal runs it."""
    argv = ["classify", "--demo", "--frames", "100000", "--model", str(colour_info.path), *more]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, str(REPO / "main.py"), *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("realtime", [False, True])
def test_a_closed_output_ends_the_command_quietly(colour_info, realtime):
    """`classify ... | head -n 2` once printed 45 BrokenPipe tracebacks."""
    with command(colour_info, *(["--realtime"] if realtime else [])) as proc:
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        proc.stdout.close()  # head has read its two lines
        err = proc.stderr.read()
        assert proc.wait(60) == 141
    assert all(line.startswith('{"frame": ') for line in lines)
    assert "Traceback" not in err and "BrokenPipe" not in err and "error:" not in err


def test_ctrl_c_while_classifying_exits_130_with_one_short_line(colour_info):
    with command(colour_info) as proc:
        assert proc.stdout.readline().startswith('{"frame": 0')  # it runs
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.splitlines()[-1] == "Interrupted."


@pytest.mark.parametrize("after", [0.3, 1.5])
def test_ctrl_c_during_start_up_exits_130_without_a_traceback(colour_info, after):
    """Sent while Python, Keras or the model are still loading, whatever the moment."""
    with command(colour_info) as proc:
        time.sleep(after)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.count("Interrupt") <= 1


def test_a_command_cleans_what_a_killed_run_left_before_it_starts(workspace, colour_info):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that no longer runs: the writer that was killed
    leftover = workspace.models_dir / f".pets.keras.~{gone.pid}~x1y2.keras"
    leftover.write_bytes(b"half a model")
    live = workspace.models_dir / f".pets.keras.~{os.getpid()}~live.keras"
    live.write_bytes(b"a model being written now")
    assert classify_demo(workspace, colour_info, frames=1) == 0
    assert not leftover.exists() and live.exists()
