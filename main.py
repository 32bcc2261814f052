"""Deep Learning Lab: start the window, or a headless command.

python main.py [--camera N | --video FILE | --images DIR | --demo] [--model NAME]
               [--weights FILE] [--backend tensorflow|jax|torch] [--workspace DIR]
python main.py classify --video FILE --model NAME|PATH.keras [--frames N] [--realtime]
python main.py mnist --preset lenet5 [--dataset fashion|mnist|DIR] [--epochs N]
python main.py finetune --data DIR --base NAME [--weights imagenet|none|FILE] [--epochs N]
                        [--unfreeze K] --out NAME
"""

from __future__ import annotations

import logging
import sys

import cli


def main(argv: list[str] | None = None) -> int:
    args = cli.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from engine import backend

    backend.select(args.backend)  # before anything imports keras
    if args.command:
        return cli.run(args)
    args.weights = cli.weights_option(args)
    from gui.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
