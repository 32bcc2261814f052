"""Headless commands: the same engine as the window, for scripts and terminals.

- ``arguments``: the command line of the window and of every command (``parse_args``).
- ``classify``: ``main.py classify``, one JSON line per classified frame.
- ``mnist``: ``main.py mnist``, a course preset trained with a terminal progress bar.
- ``finetune``: ``main.py finetune``, transfer learning from a folder of class folders.
- ``attack``: ``main.py attack``, one image attacked: a JSON line and the adversarial PNG.
- ``boundary``: the one error boundary every command runs inside (``guarded``).

Each command module has ``main(args) -> exit status``. Importing this package imports no Keras,
so the backend can still be chosen after the arguments are read.
"""

from __future__ import annotations

import argparse
import importlib

from cli.arguments import check_backend, check_paths, parse_args, weights_option
from cli.boundary import guarded

COMMANDS = ("classify", "mnist", "finetune", "attack")

__all__ = ["COMMANDS", "check_backend", "parse_args", "run", "weights_option"]


def run(args: argparse.Namespace) -> int:
    """Run the headless command that ``args.command`` names inside the error boundary: its
    paths and backend checked first, then Keras imported; the exit status."""

    def check() -> None:
        check_paths(args)
        check_backend(args)

    def work() -> int:
        from engine import backend

        backend.select(check_backend(args))  # before anything imports keras
        _recover(args)
        return importlib.import_module(f"cli.{args.command}").main(args)

    def workspace_root():
        from engine.workspace.store import Workspace

        return Workspace(getattr(args, "workspace", None)).root

    return guarded(work, workspace_root, check)


def _recover(args: argparse.Namespace) -> None:
    """Clean what killed runs left in the workspace before this run writes there."""
    from engine.workspace.store import Workspace

    workspace = Workspace(getattr(args, "workspace", None))
    if workspace.root.is_dir():
        workspace.recover()
