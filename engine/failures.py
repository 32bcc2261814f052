"""The failures a person can act on, said as one sentence each, and the exit code of each.

Every boundary (a headless command's ``main``, a GUI job) asks ``explain(error)``: a known
failure (a refused input, a damaged or hostile file, a file over its budget, a full disk, a
read-only or forbidden folder, an optional backend that is not installed, an interrupt, a
closed output) comes back as a ``Failure`` with the sentence and the exit code; anything else
is None, an internal error, to be logged with its traceback and reported by ``internal``.

The app's own refusals raise ``LabError`` or one of its kinds. It is a ValueError, so code
that already catches ValueError for a bad file keeps doing so.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1  # the machine said no: disk full, read-only, permission, out of memory
EXIT_USAGE = 2  # an argument or a form value refused before any work (argparse uses 2 too)
EXIT_DATA = 3  # a file refused: damaged, foreign, hostile or over its budget
EXIT_INTERNAL = 70  # a bug: the traceback is in the log (sysexits' EX_SOFTWARE)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_CLOSED_OUTPUT = 141  # the reader of standard output went away (128 + SIGPIPE)


class LabError(ValueError):
    """A refusal the app words itself: the message says what happened and what to do."""

    exit_code = EXIT_FAILED


class BadInput(LabError):
    """An argument, a form value or a name that cannot be used; refused before any work."""

    exit_code = EXIT_USAGE


class BadFile(LabError):
    """A file that cannot be used: damaged, foreign, hostile; the message names it."""

    exit_code = EXIT_DATA


class OverBudget(BadFile):
    """A file that claims more than the app will spend on it (bytes, pixels, items, depth);
    the message names the file and the limit."""


class MissingBackend(LabError):
    """An optional Keras backend (jax, torch) that is not installed."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Failure:
    """A known failure: what to tell the person, and the exit code of a command."""

    sentence: str
    exit_code: int


_OS_ERRORS = {
    errno.ENOSPC: "the disk is full: free some space and try again",
    errno.EDQUOT: "the disk quota is used up: free some space and try again",
    errno.EROFS: "the folder is on a read-only disk: choose a folder you can write to "
    "(--workspace DIR on the command line)",
    errno.EACCES: "permission was refused: check that you may read and write there, or "
    "choose another folder",
    errno.EPERM: "permission was refused: check that you may read and write there, or "
    "choose another folder",
    errno.ENOTDIR: "a file stands where a folder should be: move that file away",
    errno.EISDIR: "a folder stands where a file should be: move that folder away",
    errno.ENOENT: "it does not exist: check the name, or was it moved?",
    errno.ENAMETOOLONG: "the name is too long: choose a shorter one",
    errno.EMFILE: "too many files are open: close something and try again",
}


def explain(error: BaseException) -> Failure | None:
    """The sentence and exit code for a known failure; None for an internal error."""
    if isinstance(error, KeyboardInterrupt):
        return Failure("Interrupted.", EXIT_INTERRUPTED)
    if isinstance(error, BrokenPipeError):
        return Failure("The output was closed.", EXIT_CLOSED_OUTPUT)
    if isinstance(error, LabError):
        return Failure(_sentence(str(error)), error.exit_code)
    if isinstance(error, MemoryError):
        return Failure(
            "The machine ran out of memory: try a smaller batch, a smaller image size or "
            "fewer images.",
            EXIT_FAILED,
        )
    if isinstance(error, OSError) and error.errno in _OS_ERRORS:
        where = error.filename or error.filename2
        reason = _OS_ERRORS[error.errno]
        text = f"{where}: {reason}" if where else reason[:1].upper() + reason[1:]
        return Failure(_sentence(text), EXIT_FAILED)
    return None


def internal(log_path: str | None = None) -> str:
    """The sentence for an error nobody expected: where its details are."""
    where = log_path or "lab.log in the workspace"
    return f"An internal error stopped it; the details are in {where}."


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
