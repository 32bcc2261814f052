"""Measuring attacks: perturbation norms and PSNR, robustness curves over a dataset, and the live
probe that attacks every frame of the stream."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from engine.adversarial.attacks import AttackSpec, Target, run_attack
from engine.models.classifier import fit_to_input
from engine.models.labels import top_k


def perturbation_stats(
    clean: np.ndarray, adversarial: np.ndarray, target: Target | None = None
) -> dict:
    """L-infinity and L2 norms of the perturbation (0-255 units of the pixels attacked: one
    channel for a gray network) and its PSNR in dB (peak 255; infinite when nothing changed).

    With ``target``, also "input_linf" and "input_l2": the same perturbation at the network's
    input, in its preprocessing's scale (x / 255 for the MNIST lab's networks), when it is known.
    """
    delta = np.asarray(adversarial, np.float64) - np.asarray(clean, np.float64)
    mse = float((delta**2).mean()) if delta.size else 0.0
    stats = {
        "linf": float(np.abs(delta).max()) if delta.size else 0.0,
        "l2": float(np.sqrt((delta**2).sum())),
        "psnr": float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse)),
    }
    seen = None if target is None else target.network_change(delta)
    if seen is not None:
        stats["input_linf"] = float(np.abs(seen).max()) if seen.size else 0.0
        stats["input_l2"] = float(np.sqrt((seen**2).sum()))
    return stats


def amplified(clean: np.ndarray, adversarial: np.ndarray) -> tuple[np.ndarray, float]:
    """The perturbation as a uint8 image, grey for zero, stretched by a factor so its largest
    value reaches black or white; returns (image, factor)."""
    delta = np.asarray(adversarial, np.float32) - np.asarray(clean, np.float32)
    peak = float(np.abs(delta).max()) if delta.size else 0.0
    factor = 127.0 / peak if peak > 0 else 1.0
    return np.clip(np.rint(128.0 + delta * factor), 0, 255).astype(np.uint8), factor


def quantize(adversarial: np.ndarray) -> np.ndarray:
    """The adversarial image as 8-bit pixels, as a PNG stores it exactly."""
    return np.clip(np.rint(adversarial), 0, 255).astype(np.uint8)


def sample_frame(image: np.ndarray, target: Target) -> np.ndarray:
    """A grayscale dataset image (H, W), white on black, as the RGB frame (H, W, 3) that
    ``target`` reads as that image: inverted for a model whose preprocessing inverts (the
    'mnist' one reads dark digits on light paper). ``frame_pixels`` gives the image back."""
    image = np.asarray(image, np.uint8)
    if target.inverts:
        image = 255 - image
    return np.repeat(image[..., None], 3, axis=-1)


def frame_pixels(frame: np.ndarray, target: Target) -> np.ndarray:
    """A camera frame or picture cropped and resized to the model's input, as the float pixels
    ``target`` is attacked in: RGB, or one gray channel as a gray network sees it."""
    frame = np.asarray(frame)
    if frame.ndim == 2:
        frame = frame[..., None]
    if frame.shape[-1] < 3:
        frame = np.repeat(frame[..., :1], 3, axis=-1)
    fitted = fit_to_input(np.ascontiguousarray(frame[..., :3]), target.input_size)
    if target.channels == 1:
        fitted = fitted.mean(axis=-1, keepdims=True)
        if target.flipped:
            fitted = 255.0 - fitted
    return fitted.astype(np.float32)


@dataclass
class RobustnessCurve:
    """Accuracy against eps (0-255 pixel units) per attack, over ``count`` examples."""

    eps: list[float]
    count: int
    accuracy: dict[str, list[float]] = field(default_factory=dict)
    stopped: bool = False

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        methods = list(self.accuracy)
        writer.writerow(["eps (0-255)", "eps (fraction)", *[f"{m} accuracy" for m in methods]])
        for i, eps in enumerate(self.eps):
            values = [self.accuracy[m][i] if i < len(self.accuracy[m]) else "" for m in methods]
            if all(v == "" for v in values):
                break
            writer.writerow(
                [f"{eps:g}", f"{eps / 255:.4f}", *[v if v == "" else f"{v:.4f}" for v in values]]
            )
        return out.getvalue()


def robustness_curve(
    target: Target,
    images: np.ndarray,
    labels: np.ndarray,
    eps_values,
    methods=("FGSM", "PGD L∞"),
    *,
    steps: int = 10,
    batch_size: int = 100,
    seed: int = 0,
    report: Callable | None = None,
    cancel: threading.Event | None = None,
) -> RobustnessCurve:
    """Accuracy of ``target`` on ``images`` (pixels) attacked at each eps, for each method.

    ``report(done, total, curve)`` follows every batch; setting ``cancel`` stops after the
    current batch and returns the points finished so far (``stopped`` is set).
    """
    cancel = cancel or threading.Event()
    images, labels = np.asarray(images, np.float32), np.asarray(labels)
    eps_values = sorted(float(e) for e in eps_values)
    curve = RobustnessCurve(eps_values, len(images), {m: [] for m in methods})
    batches = range(0, len(images), batch_size)
    total, done = len(eps_values) * len(methods) * len(batches), 0
    for eps in eps_values:
        for method in methods:
            spec = AttackSpec(method, eps, steps, seed=seed)
            correct = 0
            for start in batches:
                if cancel.is_set():
                    curve.stopped = True
                    return curve
                x, y = images[start : start + batch_size], labels[start : start + batch_size]
                attacked = x if eps == 0 else run_attack(target, x, y, spec, cancel)
                correct += int((target.predict(attacked) == y).sum())
                done += 1
                if report:
                    report(done, total, curve)
            curve.accuracy[method].append(correct / max(len(images), 1))
    if report:
        report(total, total, curve)
    return curve


class LiveAttack:
    """A stream probe: attacks each frame against the model's own answer for it.

    Returns {"clean": top-k, "attacked": top-k, "image": uint8 adversarial input, "stats"}.
    ``spec`` may be replaced from another thread; the next frame uses the new one.
    """

    def __init__(self, spec: AttackSpec | None = None, k: int = 3):
        self.spec = spec or AttackSpec("FGSM", 4.0)
        self.k = k
        self._target: Target | None = None
        self._classifier = None

    def target(self, classifier) -> Target:
        if classifier is not self._classifier:
            self._target, self._classifier = Target.from_classifier(classifier), classifier
        return self._target

    def __call__(self, image: np.ndarray, classifier) -> dict:
        target = self.target(classifier)
        spec = self.spec
        if spec.method == "DeepFool":
            spec = replace(spec, steps=min(spec.steps, 2))
        x = frame_pixels(image, target)[None]
        clean = target.probabilities(x)[0]
        adversarial = quantize(run_attack(target, x, [int(clean.argmax())], spec)[0])
        attacked = target.probabilities(adversarial[None].astype(np.float32))[0]
        names = target.class_names
        return {
            "clean": top_k(clean, names, self.k),
            "attacked": top_k(attacked, names, self.k),
            "image": adversarial,
            "stats": perturbation_stats(x[0], adversarial, target),
        }


@dataclass
class Crafted:
    """One attacked image with everything shown of it: the three pictures (uint8), each one's
    top-k, the perturbation's norms and PSNR, and the amplification of its picture."""

    spec: AttackSpec
    clean: np.ndarray
    adversarial: np.ndarray
    perturbation: np.ndarray
    factor: float
    clean_top: list
    adversarial_top: list
    perturbation_top: list
    stats: dict


def craft(
    target: Target,
    pixels: np.ndarray,
    spec: AttackSpec,
    k: int = 5,
    cancel: threading.Event | None = None,
) -> Crafted:
    """Attack one image (H, W, C) of float pixels against the model's own answer for it.

    The adversarial image is rounded to 8 bits, as a PNG keeps it, before it is measured and
    classified: what is shown is what gets saved.
    """
    x = np.asarray(pixels, np.float32)[None]
    clean = quantize(x[0])
    x = clean[None].astype(np.float32)
    probabilities = target.probabilities(x)[0]
    adversarial = quantize(run_attack(target, x, [int(probabilities.argmax())], spec, cancel)[0])
    perturbation, factor = amplified(clean, adversarial)
    # one image a call: the batch shape the forward call was compiled for (JAX and torch compile
    # per shape)
    scores = [
        target.probabilities(p[None].astype(np.float32))[0] for p in (adversarial, perturbation)
    ]
    names = target.class_names
    return Crafted(
        spec,
        clean,
        adversarial,
        perturbation,
        factor,
        top_k(probabilities, names, k),
        top_k(scores[0], names, k),
        top_k(scores[1], names, k),
        perturbation_stats(clean, adversarial, target),
    )
