"""Deep Learning Lab: start the window, or a headless command.

python main.py [--camera N | --video FILE | --images DIR | --demo] [--model NAME]
               [--weights FILE] [--backend tensorflow|jax|torch] [--workspace DIR]
python main.py classify --video FILE|--images DIR --model NAME|PATH.keras [--frames N]
                        [--realtime]
python main.py mnist --preset lenet5 [--dataset fashion|mnist|DIR] [--epochs N]
python main.py finetune --data DIR --base NAME [--weights imagenet|none|FILE] [--epochs N]
                        [--unfreeze K] --out NAME [--force]
python main.py attack --model NAME|FILE --image FILE --method fgsm|bim|pgd|deepfool [--eps E]
                      [--steps N] [--target CLASS] [--out FILE.png] [--force]
"""

from __future__ import annotations

import os
import signal
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command or the window; the exit status (a refused
    argument is argparse's 2, with its usage line)."""
    import cli

    try:
        args = cli.parse_args(argv)
    except SystemExit as refused:  # --help, or an argument refused before any work
        return refused.code if isinstance(refused.code, int) else 2
    if args.command:
        return cli.run(args)  # the commands' error boundary, logging and backend choice
    return _window(args)


def _window(args) -> int:
    import logging

    import cli
    from engine import backend
    from engine.failures import MissingBackend

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        backend.select(cli.check_backend(args))  # before anything imports keras
    except (MissingBackend, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.weights = cli.weights_option(args)
    from gui.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    try:
        status = main()
    except KeyboardInterrupt:  # Ctrl-C before a command's boundary stood: nothing to say
        status = 130
    # From here on (the interpreter's shutdown, Keras' exit handlers) Ctrl-C ends at once.
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    sys.exit(status)
