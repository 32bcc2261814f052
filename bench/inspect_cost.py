"""What the Inspect tab's computations cost per frame, against the live classification.

    python bench/inspect_cost.py [--model MobileNetV2] [--repeats 10]
    KERAS_BACKEND=torch python bench/inspect_cost.py

Random weights (the timings do not depend on them). Prints the median time of: the live
classifier's forward, the activations of an early layer, Grad-CAM at the last maps as the app
computes it (only the network after that layer is differentiated), vanilla saliency (a gradient
through the whole network, which is what Grad-CAM costs when the tape wraps the whole model) and
one step of feature visualization.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.levers import median_ms
from engine import backend
from engine.inspection.features import Target, visualize
from engine.inspection.inspector import Inspector
from engine.models import zoo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="MobileNetV2")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    classifier = zoo.zoo_classifier(args.model, None)
    inspector = Inspector(classifier.model)
    frame = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    batch = classifier.prepare(frame)
    last = inspector.last_spatial()
    early = [info.path for info in inspector.layers if info.spatial][2]
    rows = [
        ("classify (compiled forward)", lambda: classifier.predict(frame)),
        (f"activations of {early}", lambda: inspector.activations(batch, early)),
        (f"Grad-CAM at {last} (the app)", lambda: inspector.grad_cam(batch, None, last)),
        ("saliency (gradient to the input)", lambda: inspector.saliency(batch)),
        (
            "one feature-visualization step",
            lambda: visualize(inspector, Target(0, last), classifier.preprocess, steps=1),
        ),
    ]
    print(
        f"{args.model}, Keras {backend.name()} on {backend.describe_device()}, "
        f"median of {args.repeats}:"
    )
    base = None
    for title, call in rows:
        ms = median_ms(call, args.repeats, warm=2)
        base = base or ms
        print(f"  {title:<48} {ms:8.1f} ms   {ms / base:5.1f}x classify")
    return 0


if __name__ == "__main__":
    sys.exit(main())
