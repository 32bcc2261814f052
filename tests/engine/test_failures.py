"""Known failures become one sentence and an exit code; anything else is an internal error."""

import errno

from engine import failures
from engine.failures import BadFile, BadInput, MissingBackend, OverBudget, explain


def test_the_app_s_own_refusals_keep_their_words_and_get_their_exit_codes():
    assert explain(BadInput("--epochs must be 1 or more")) == failures.Failure(
        "--epochs must be 1 or more.", failures.EXIT_USAGE
    )
    assert explain(BadFile("x.keras is damaged.")).exit_code == failures.EXIT_DATA
    assert explain(OverBudget("a.idx claims 2147483647 labels")).exit_code == failures.EXIT_DATA
    assert explain(MissingBackend("jax is not installed")).exit_code == failures.EXIT_USAGE
    assert isinstance(BadFile("x"), ValueError)  # callers that catch ValueError still do


def test_the_machine_saying_no_is_a_sentence_naming_the_file():
    full = explain(OSError(errno.ENOSPC, "No space left on device", "/w/models/a.keras"))
    assert full.sentence == "/w/models/a.keras: the disk is full: free some space and try again."
    assert full.exit_code == failures.EXIT_FAILED
    read_only = explain(OSError(errno.EROFS, "Read-only file system"))
    assert read_only.sentence.startswith("The folder is on a read-only disk")
    assert explain(PermissionError(errno.EACCES, "denied", "/w")).exit_code == 1
    assert "ran out of memory" in explain(MemoryError()).sentence


def test_interrupts_and_closed_output_have_their_shell_codes():
    assert explain(KeyboardInterrupt()).exit_code == 130
    assert explain(BrokenPipeError(errno.EPIPE, "Broken pipe")).exit_code == 141


def test_anything_else_is_internal_and_points_to_the_log():
    assert explain(KeyError("conv2")) is None
    assert explain(ValueError("shapes (3,) and (4,) not aligned")) is None
    assert explain(OSError(errno.EIO, "Input/output error")) is None
    assert failures.internal("/w/lab.log") == (
        "An internal error stopped it; the details are in /w/lab.log."
    )
