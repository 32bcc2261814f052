"""Headless commands: the same engine as the window, for scripts and terminals.

- ``arguments``: the command line of the window and of every command (``parse_args``).
- ``classify``: ``main.py classify``, one JSON line per classified frame.
- ``mnist``: ``main.py mnist``, a course preset trained with a terminal progress bar.
- ``finetune``: ``main.py finetune``, transfer learning from a folder of class folders.

Each command module has ``main(args) -> exit status``. Importing this package imports no Keras,
so the backend can still be chosen after the arguments are read.
"""

from __future__ import annotations

import argparse
import importlib

from cli.arguments import parse_args, weights_option

COMMANDS = ("classify", "mnist", "finetune")

__all__ = ["COMMANDS", "parse_args", "run", "weights_option"]


def run(args: argparse.Namespace) -> int:
    """Run the headless command that ``args.command`` names; its exit status."""
    return importlib.import_module(f"cli.{args.command}").main(args)
