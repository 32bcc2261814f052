"""Time from pressing Train to a usable model: cached embeddings vs the course's approach.

    python bench/finetune.py                       # 2 and 5 classes x 100 images, 25 epochs
    python bench/finetune.py --classes 2 --epochs 10 --base MobileNetV3Small

Both approaches start from the same decoded 224x224 JPEGs and the same base (MobileNetV2,
weights=None: timing does not depend on the weights' values) and end with the model saved in a
workspace. Ours embeds each image once and trains the head on the vectors; the course's script
pushes every image through the frozen base on every epoch and validates after every epoch, as
its fit_generator(..., validation_data=...) did and as our panel does (its ImageDataGenerator
decoded the files again each epoch too; here they are decoded once, which favours the course).
The base is built before the clock starts in both; the build time is printed beside. "Ours" is
timed with the base's forward call already compiled, as the panel leaves it: it builds and
compiles the base in a worker when the person picks it (gui/panels/collect_train/picker.py).
"Ours cold" is the first run, which compiles it: Train pressed within a second or two of
picking, or the headless command (the course's fit compiles its own step inside its time).
Also: embedding throughput and a second run with a warm cache.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image

from engine import backend
from engine.data import projects, split
from engine.transfer import embeddings, finetune
from engine.workspace.store import Workspace


def make_images(root: Path, classes: int, per_class: int) -> None:
    """Class folders of textured 224x224 JPEGs (a different colour and stripe per class)."""
    rng = np.random.default_rng(0)
    for c in range(classes):
        folder = root / f"class{c}"
        folder.mkdir(parents=True)
        for n in range(per_class):
            image = rng.integers(0, 80, (224, 224, 3)).astype(np.uint8)
            image[:, :, c % 3] += 120
            image[(np.arange(224) // (4 + c)) % 2 == 0] //= 2
            Image.fromarray(image).save(
                folder / f"cap-20260101-1200{n // 25:02d}-000-{n:04d}.jpg", quality=90
            )


def course_approach(dataset, parts, base, options, workspace) -> float:
    """Frozen base + head, trained on raw images for the same epochs; returns seconds."""
    import keras

    start = time.perf_counter()
    x = finetune._images(parts.train, base)
    y = np.array([i.label for i in parts.train])
    validation = (
        finetune._images(parts.validation, base),
        np.array([i.label for i in parts.validation]),
    )
    inputs = keras.Input((*base.input_size, 3))
    base.model.trainable = False
    head = finetune.build_head(base.dimensions, len(dataset.class_names), options.dropout)
    model = keras.Model(inputs, head(base.model(inputs)))
    model.compile(
        keras.optimizers.Adam(options.learning_rate),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        x,
        y,
        batch_size=options.batch_size,
        epochs=options.epochs,
        validation_data=validation,
        verbose=0,
    )
    workspace.save_model(model, dataset.class_names, base.input_size, base.preprocessing, "course")
    return time.perf_counter() - start


def ours(dataset, parts, base, options, workspace, cache: bool) -> tuple[float, float]:
    start = time.perf_counter()
    outcome = finetune.train(
        dataset, parts, base, options, cache_folder=workspace.cache_dir if cache else None
    )
    finetune.save(outcome, dataset, parts, base, options, workspace, "ours")
    return time.perf_counter() - start, outcome.embed_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", default="2,5")
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--base", default="MobileNetV2")
    args = parser.parse_args()
    print(
        f"# bench/finetune.py: {args.base} (weights=None), {args.per_class} images per class, "
        f"{args.epochs} epochs, Keras {backend.name()} on {backend.describe_device()}"
    )
    print(
        "| classes | images | base build s | course s | ours s (embed s) | speed-up | "
        "embed img/s | 2nd run s (cache) | speed-up | ours cold s | speed-up |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for classes in map(int, args.classes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            workspace = Workspace(Path(tmp) / "ws")
            make_images(Path(tmp) / "data", classes, args.per_class)
            dataset = projects.open_project(workspace, Path(tmp) / "data").scan(check=False)
            parts = split.split(dataset)
            built = time.perf_counter()
            base = embeddings.zoo_base(args.base, None)
            built = time.perf_counter() - built
            options = finetune.Options(epochs=args.epochs)
            cold, _ = ours(
                dataset, parts, base, options, Workspace(Path(tmp) / "cold"), cache=False
            )  # compiles the forward, as the headless command does
            course = course_approach(dataset, parts, base, options, workspace)
            mine, embed_seconds = ours(dataset, parts, base, options, workspace, cache=True)
            again, _ = ours(dataset, parts, base, options, workspace, cache=True)
            images = len(dataset.items)
            print(
                f"| {classes} | {images} | {built:.1f} | {course:.1f} | {mine:.1f} "
                f"({embed_seconds:.1f}) | {course / mine:.1f}x | {images / embed_seconds:.1f} | "
                f"{again:.1f} | {course / again:.1f}x | {cold:.1f} | {course / cold:.1f}x |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
