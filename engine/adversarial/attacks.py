"""Adversarial examples in pixel space: FGSM, BIM, PGD (L-infinity and L2), targeted, DeepFool.

Images are float arrays (N, H, W, C) of 0-255 pixels and every budget (eps, step size) is in those
pixel units. ``Target`` lets the gradient flow through the model's own preprocessing, so the same
code attacks every zoo network and every workspace model, on whichever Keras backend runs. A
network that reads one gray channel (the MNIST lab's) is attacked in that channel, as it sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from engine import backend

ATTACKS = ("FGSM", "BIM", "PGD L∞", "PGD L2", "DeepFool")


@dataclass(frozen=True)
class AttackSpec:
    """What to run. ``eps`` is the budget in 0-255 pixel units (an L2 norm for PGD L2);
    ``step_size`` None means 2.5 * eps / steps (Madry et al.); ``target_class`` None is untargeted.
    DeepFool ignores eps: it looks for the smallest L2 perturbation that changes the class."""

    method: str = "FGSM"
    eps: float = 8.0
    steps: int = 10
    step_size: float | None = None
    target_class: int | None = None
    seed: int = 0
    overshoot: float = 0.02
    candidates: int = 10

    @property
    def fraction(self) -> float:
        """eps as a fraction of the 0-255 range (Goodfellow's panda: 0.007)."""
        return self.eps / 255.0

    @property
    def step(self) -> float:
        return self.step_size if self.step_size else 2.5 * self.eps / max(self.steps, 1)


def pixel_affine(preprocess, channels: int = 3):
    """(A, b) such that ``preprocess(x) == x @ A + b`` at every pixel, or None if it is not one.

    Every preprocessing in the zoo (scaling, mean/std, RGB->BGR, grayscale) is such a map; finding
    it numerically lets a numpy-only function be differentiated on every backend.
    """
    rng = np.random.default_rng(0)
    probe = np.zeros((channels + 2, 3, 3, channels), np.float32)
    for c in range(channels):
        probe[1 + c, ..., c] = 255.0
    probe[-1] = rng.uniform(0, 255, probe.shape[1:])
    try:
        out = np.asarray(preprocess(probe.copy()), np.float64)
    except Exception:
        return None
    if out.ndim != 4 or out.shape[:3] != probe.shape[:3]:
        return None
    b = out[0, 0, 0]
    a = (out[1 : 1 + channels, 0, 0] - b) / 255.0
    scale = max(np.abs(out).max(), 1e-6)
    if not np.allclose(probe.astype(np.float64) @ a + b, out, rtol=1e-5, atol=1e-5 * scale):
        return None
    return a.astype(np.float32), b.astype(np.float32)


def _logits_function(model):
    """x -> logits: the last softmax undone where the model ends in one (its saturated
    probabilities would give zero gradients), else log-probabilities, which rank the same."""
    last = model.layers[-1] if getattr(model, "layers", None) else None
    if getattr(last, "activation", None) is keras.activations.softmax:
        body = keras.Model(model.inputs, last.input)
        if isinstance(last, keras.layers.Dense):

            def logits(x):
                z = ops.matmul(body(x, training=False), last.kernel)
                return z + last.bias if last.use_bias else z

            return logits
        if isinstance(last, keras.layers.Activation):
            return lambda x: body(x, training=False)

    def log_probabilities(x):
        p = model(x, training=False)
        if p.shape[-1] == 1:  # one sigmoid unit: two classes
            p = ops.concatenate([1.0 - p, p], axis=-1)
        return ops.log(ops.maximum(p, 1e-12))

    return log_probabilities


def reads_gray(preprocess) -> bool:
    """Whether ``preprocess`` turns RGB into one gray channel, the mean of the three (as the
    'mnist' one does): the network then sees one channel, and is attacked in it."""
    affine = pixel_affine(preprocess, 3)
    return affine is not None and affine[0].shape == (3, 1) and np.ptp(affine[0]) < 1e-9


class Target:
    """A model seen from pixel space: float (N, H, W, C) 0-255 images in, logits out.

    ``preprocess`` is the model's own (numpy or keras.ops); ``channels`` the pixel channels it
    takes (3 for camera frames, 1 for a grayscale network fed 0-255 digits). ``linear`` is the
    matrix (channels, network channels) that carries a change of pixels to the network's input
    (None when the preprocessing is not affine): the perturbation's size as the network sees it.

    One channel that the preprocessing inverts (the 'mnist' one, made for dark digits on light
    paper) is attacked in the network's own polarity: ``flipped`` is set, a pixel is 255 minus
    the frame's gray and reaches the network as pixel / 255, so every picture of the attack is
    drawn white on black, as the network sees it and as the IDX files store the digits.

    Its gradients are compiled on first use, once per objective, and kept in ``compiled``:
    every attack step, eps, class and frame after that reuses them (keep one Target per model).
    """

    def __init__(
        self,
        model,
        preprocess,
        input_size,
        class_names=None,
        channels: int = 3,
        name: str = "model",
        *,
        forward=None,
    ):
        self.model, self.name = model, name
        self.input_size, self.channels = tuple(input_size), channels
        affine = pixel_affine(preprocess, channels)
        # e.g. 'mnist': dark-on-light frames become white-on-black
        self.inverts = affine is not None and bool(affine[0].sum() < 0)
        self.flipped = channels == 1 and self.inverts
        self.linear = self.offset = None
        if affine is None:
            self.preprocess = preprocess
        else:
            a, b = affine
            if self.flipped:  # preprocess(255 - q) == q @ -a + (b + 255 a)
                a, b = -a, (b + 255.0 * a.sum(axis=0)).astype(np.float32)
            self.linear, self.offset = a, b
            self.preprocess = lambda x: ops.add(ops.einsum("nhwc,cd->nhwd", x, a), b)
        self._logits = _logits_function(model)
        self._pixel_logits = _pixel_logits(self._logits, self.preprocess)
        self.classes = int(np.prod(model.output_shape[1:])) or 1
        self.classes = 2 if self.classes == 1 else self.classes
        self.class_names = list(class_names or [str(i) for i in range(self.classes)])
        self.compiled: dict = {}  # objective name -> backend.CompiledGradient, built on first use
        # the model's compiled forward call (``backend.compiled_forward``): the one given, as a
        # Classifier's already warmed up, or one built on first use
        self._forward = forward

    @classmethod
    def from_classifier(cls, classifier) -> Target:
        """The live or a workspace classifier's network, in one channel if it reads gray."""
        return cls(
            classifier.model,
            classifier.preprocess,
            classifier.input_size,
            classifier.class_names,
            1 if reads_gray(classifier.preprocess) else 3,
            classifier.name,
            # its compiled forward, already traced for a frame: a second would trace again
            forward=getattr(classifier, "forward", None),
        )

    def network_change(self, delta: np.ndarray) -> np.ndarray | None:
        """A perturbation of pixels as the network's input sees it (its preprocessing's scale),
        or None when the preprocessing is not affine."""
        if self.linear is None:
            return None
        return np.asarray(delta, np.float64) @ self.linear.astype(np.float64)

    def logits(self, x):
        """Backend tensor of pixels -> backend tensor of logits (differentiable)."""
        return self._pixel_logits(x)

    def probabilities(self, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
        """Softmax probabilities (N, classes) for pixel images, as numpy."""
        x = np.asarray(x, np.float32)
        out = [self._probabilities(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.classes), np.float32)

    def _probabilities(self, x: np.ndarray) -> np.ndarray:
        if self.linear is None:
            return ops.convert_to_numpy(ops.softmax(self.logits(x), axis=-1))
        # An affine preprocessing is applied in numpy and the model runs compiled: an eager call
        # costs several times more (each frame of the live probe is classified twice).
        if self._forward is None:
            self._forward = backend.compiled_forward(self.model)
        p = self._forward(np.einsum("nhwc,cd->nhwd", x, self.linear) + self.offset)
        p = np.asarray(p, np.float32).reshape(len(x), -1)
        if p.shape[-1] == 1:  # one sigmoid unit: two classes
            p = np.concatenate([1.0 - p, p], axis=-1)
        p = np.maximum(p, 1e-12)  # the softmax of the log-probabilities that the logits are
        return p / p.sum(axis=-1, keepdims=True)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.probabilities(x).argmax(axis=-1)

    def objective_gradient(self, x: np.ndarray, labels, target_class=None) -> np.ndarray:
        """Gradient of what an attack climbs: the cross-entropy of the true ``labels``, or minus
        the cross-entropy of ``target_class`` for a targeted attack. Per example (summed loss)."""
        wanted = labels if target_class is None else np.full(len(x), target_class)
        sign = np.float32(1.0 if target_class is None else -1.0)
        return self.gradient("objective", x, self.onehot(wanted), sign)

    def logit_values(self, x: np.ndarray) -> np.ndarray:
        """Logits (N, classes) for pixel images, as numpy."""
        return np.asarray(ops.convert_to_numpy(self.logits(np.asarray(x, np.float32))), np.float32)

    def class_gradient(self, x: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """The gradient of each example's logit for its class in ``classes``."""
        return self.gradient("class", x, self.onehot(classes))

    def onehot(self, classes) -> np.ndarray:
        """One row per example with 1 at its class: how a class reaches a compiled objective
        (a value, not a traced constant, so a new class compiles nothing)."""
        return np.eye(self.classes, dtype=np.float32)[np.asarray(classes, np.int64)]

    def objective(self, t, onehot, sign):
        """Summed cross-entropy of the ``onehot`` classes, times ``sign`` (-1: targeted)."""
        return _OBJECTIVES["objective"](self._pixel_logits)(t, onehot, sign)

    def class_score(self, t, onehot):
        """Summed logit of each example's ``onehot`` class."""
        return _OBJECTIVES["class"](self._pixel_logits)(t, onehot)

    def gradient(self, objective: str, x: np.ndarray, *args) -> np.ndarray:
        """Gradient with respect to ``x`` of ``objective`` ("objective" or "class"), compiled
        the first time it is asked for and kept in ``compiled``; ``args`` are its arrays."""
        if objective not in self.compiled:
            # built on the logits function, not on self: a compiled function kept in the
            # Target that held the Target would be a cycle, freed only by the cycle collector
            fn = _OBJECTIVES[objective](self._pixel_logits)
            self.compiled[objective] = backend.compiled_value_and_grad(fn, self.model.variables)
        return self.compiled[objective](x, *args)[1]


def _pixel_logits(logits, preprocess):
    """Pixels -> logits through ``preprocess`` (a function that does not hold the Target)."""
    return lambda x: logits(preprocess(ops.cast(x, "float32")))


def _cross_entropy(pixel_logits):
    def objective(t, onehot, sign):
        z = pixel_logits(t)
        log_p = z - ops.logsumexp(z, axis=-1, keepdims=True)
        return ops.multiply(ops.negative(sign), ops.sum(ops.multiply(onehot, log_p)))

    return objective


def _class_score(pixel_logits):
    return lambda t, onehot: ops.sum(ops.multiply(onehot, pixel_logits(t)))


_OBJECTIVES = {"objective": _cross_entropy, "class": _class_score}


def fgsm(target: Target, x, labels, eps: float, target_class=None) -> np.ndarray:
    """Goodfellow et al.'s fast gradient sign method: one step of eps * sign(gradient)."""
    x = np.asarray(x, np.float32)
    gradient = target.objective_gradient(x, labels, target_class)
    return np.clip(x + eps * np.sign(gradient), 0.0, 255.0).astype(np.float32)


def project(delta: np.ndarray, eps: float, norm: str) -> np.ndarray:
    """The nearest perturbation within the eps ball of ``norm`` ('inf' or '2'), per example."""
    if norm == "inf":
        return np.clip(delta, -eps, eps)
    size = np.sqrt((delta.reshape(len(delta), -1).astype(np.float64) ** 2).sum(axis=1))
    factor = np.minimum(1.0, eps / np.maximum(size, 1e-12))
    return (delta * factor.reshape(-1, *[1] * (delta.ndim - 1))).astype(np.float32)


def pgd(
    target: Target,
    x,
    labels,
    eps: float,
    *,
    steps: int = 10,
    step_size: float | None = None,
    norm: str = "inf",
    random_start: bool = True,
    target_class=None,
    seed: int = 0,
    cancel=None,
) -> np.ndarray:
    """Projected gradient ascent (Madry et al.) in the L-infinity or L2 ball of radius eps.

    With ``random_start`` off and norm 'inf' this is the basic iterative method (BIM, Kurakin et
    al.). Every step is projected onto the ball and clipped to 0-255, which only shrinks it.
    """
    x = np.asarray(x, np.float32)
    step = step_size if step_size else 2.5 * eps / max(steps, 1)
    adversarial = x.copy()
    if random_start and eps > 0:
        rng = np.random.default_rng(seed)
        if norm == "inf":
            start = rng.uniform(-eps, eps, x.shape)
        else:  # uniform in the L2 ball
            direction = rng.normal(size=x.shape)
            flat = direction.reshape(len(x), -1)
            radius = eps * rng.uniform(size=len(x)) ** (1.0 / flat.shape[1])
            start = direction * (radius / np.linalg.norm(flat, axis=1)).reshape(-1, 1, 1, 1)
        adversarial = np.clip(x + start.astype(np.float32), 0.0, 255.0)
    for _ in range(steps if eps > 0 else 0):
        if cancel is not None and cancel.is_set():
            break
        gradient = target.objective_gradient(adversarial, labels, target_class)
        if norm == "inf":
            adversarial = adversarial + step * np.sign(gradient)
        else:
            size = np.linalg.norm(gradient.reshape(len(x), -1), axis=1).reshape(-1, 1, 1, 1)
            adversarial = adversarial + step * gradient / np.maximum(size, 1e-12)
        adversarial = np.clip(x + project(adversarial - x, eps, norm), 0.0, 255.0)
    return adversarial.astype(np.float32)


def class_gradients(target: Target, x: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The gradient of each example's logit for each of its ``classes`` (N, K), flattened:
    (N, K, pixels). One call with each example tiled once per class, each row asking for its
    own class, where that measured faster than a call per class (bench/adversarial.py,
    MobileNetV2, 11 classes: 1.4x under TensorFlow, 4.5x under torch; 0.8x under JAX)."""
    n, k = classes.shape
    if backend.name() == "jax":
        rows = [target.class_gradient(x, classes[:, j]).reshape(n, -1) for j in range(k)]
        return np.stack(rows, axis=1)
    tiled = np.repeat(x, k, axis=0)
    return target.class_gradient(tiled, classes.reshape(-1)).reshape(n, k, -1)


def deepfool(
    target: Target, x, *, steps: int = 50, overshoot: float = 0.02, candidates: int = 10
) -> np.ndarray:
    """Moosavi-Dezfooli et al.'s DeepFool: step to the nearest linearized class boundary among
    the ``candidates`` most likely classes until the class changes; the result is close to the
    smallest L2 perturbation that fools the model."""
    x = np.asarray(x, np.float32)
    logits = target.logit_values(x)
    original = logits.argmax(axis=-1)
    rows = np.arange(len(x))
    others = np.argsort(-logits, axis=-1)[:, 1 : 1 + candidates]
    classes = np.concatenate([original[:, None], others], axis=1)
    total = np.zeros_like(x)
    adversarial = x.copy()
    for _ in range(steps):
        logits = target.logit_values(adversarial)
        active = logits.argmax(axis=-1) == original
        if not active.any():
            break
        grads = class_gradients(target, adversarial, classes)
        w = grads[:, 1:] - grads[:, :1]
        f = logits[rows[:, None], others] - logits[rows, original][:, None]
        w_norm = np.maximum(np.linalg.norm(w, axis=2), 1e-12)
        best = (np.abs(f) / w_norm).argmin(axis=1)  # the nearest linearized boundary
        size = (np.abs(f[rows, best]) + 1e-4) / w_norm[rows, best] ** 2
        best_step = (size[:, None] * w[rows, best]).reshape(x.shape).astype(np.float32)
        total[active] += best_step[active]
        adversarial = np.clip(x + (1.0 + overshoot) * total, 0.0, 255.0).astype(np.float32)
    return adversarial


def run_attack(target: Target, x, labels, spec: AttackSpec, cancel=None) -> np.ndarray:
    """Run ``spec`` on pixel images ``x`` with true (or predicted) ``labels``."""
    if spec.method == "FGSM":
        return fgsm(target, x, labels, spec.eps, spec.target_class)
    if spec.method in ("BIM", "PGD L∞", "PGD L2"):
        return pgd(
            target,
            x,
            labels,
            spec.eps,
            steps=spec.steps,
            step_size=spec.step,
            norm="2" if spec.method == "PGD L2" else "inf",
            random_start=spec.method != "BIM",
            target_class=spec.target_class,
            seed=spec.seed,
            cancel=cancel,
        )
    if spec.method == "DeepFool":
        return deepfool(
            target,
            x,
            steps=max(spec.steps, 1) * 5,
            overshoot=spec.overshoot,
            candidates=spec.candidates,
        )
    raise ValueError(f"unknown attack {spec.method!r}: choose one of {', '.join(ATTACKS)}")
