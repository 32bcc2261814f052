"""Whether a model fits what it is opened for: one image in, one vector of class scores out.

Keras opens any safe model, but classifying, inspecting and attacking pictures feed it
(N, H, W, C) batches and read (N, classes) scores; fine-tuning cuts a base network fed the same
pictures. A model that takes or gives something else (a flat vector, a sequence, two inputs, a
map of scores) is refused with a message naming what is needed and what the model has, before
any frame reaches it. ``task`` is the message's subject: a caller may name its own place there
("The live view needs an image classifier…").
"""

from __future__ import annotations


class ModelMisfit(ValueError):
    """A model that does not fit where it is opened; the message says what is needed and why."""


def channels_for(preprocessing: str) -> int:
    """Channels a model receives after ``preprocessing``: 'mnist' turns frames to grayscale."""
    return 1 if preprocessing == "mnist" else 3


def shape_text(shape) -> str:
    """A per-example shape as a person reads it: (None, 28, 28, 1) -> '(28, 28, 1)'."""
    dims = ["?" if d is None else str(int(d)) for d in tuple(shape)[1:]]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def check_classifier(
    model,
    *,
    task: str = "Classifying pictures",
    name: str = "this model",
    channels: int = 3,
    input_size=None,
    classes: int | None = None,
) -> None:
    """Raise ModelMisfit unless ``model`` takes one (H, W, ``channels``) image (of
    ``input_size`` when its size is fixed) and gives one vector of class scores (``classes``
    of them when given; one sigmoid unit counts as two)."""
    needs = (
        f"{task} needs an image classifier: input (H, W, {channels}) and a class-probability output"
    )
    _check_input(model, needs, name, channels, input_size)
    outputs = _shapes(model, "outputs")
    if len(outputs) != 1:
        raise ModelMisfit(
            f"{needs}; {name} gives {len(outputs)} outputs: {', '.join(map(shape_text, outputs))}."
        )
    if len(outputs[0]) != 2 or outputs[0][-1] is None:
        raise ModelMisfit(
            f"{needs}; {name} gives {shape_text(outputs[0])}, not one score per class."
        )
    scores = int(outputs[0][-1])
    if classes is not None and (2 if scores == 1 else scores) != classes:
        raise ModelMisfit(
            f"{name} gives {scores} class score{'s' * (scores != 1)} but its "
            f".json names {classes} classes: they must match, one name per "
            f"class."
        )


def check_base(
    model,
    *,
    task: str = "Fine-tuning",
    name: str = "this model",
    channels: int = 3,
    input_size=None,
) -> None:
    """Raise ModelMisfit unless ``model`` can be a transfer-learning base: one (H, W,
    ``channels``) image in (whatever it gives: it is cut at a layer)."""
    needs = f"{task} needs a base network that takes an image: input (H, W, {channels})"
    _check_input(model, needs, name, channels, input_size)


def check_saved(model, info, task: str = "Classifying pictures") -> None:
    """``check_classifier`` against a workspace model's metadata (a store.ModelInfo)."""
    check_classifier(
        model,
        task=task,
        name=info.path.name,
        channels=channels_for(info.preprocessing),
        input_size=info.input_size,
        classes=len(info.class_names),
    )


def check_saved_base(model, info, task: str = "Fine-tuning") -> None:
    """``check_base`` against a workspace model's metadata (a store.ModelInfo)."""
    check_base(
        model,
        task=task,
        name=info.path.name,
        channels=channels_for(info.preprocessing),
        input_size=info.input_size,
    )


def _check_input(model, needs: str, name: str, channels: int, input_size) -> None:
    inputs = _shapes(model, "inputs")
    if len(inputs) != 1:
        raise ModelMisfit(
            f"{needs}; {name} takes {len(inputs)} inputs: {', '.join(map(shape_text, inputs))}."
        )
    shape = inputs[0]
    if len(shape) != 4 or shape[-1] not in (None, channels):
        hint = ""
        if len(shape) == 4 and shape[-1] == 1:
            hint = ' (a grayscale model needs "preprocessing": "mnist" in its .json)'
        elif len(shape) == 4 and shape[-1] == 3 and channels == 1:
            hint = " (its .json says 'mnist' preprocessing, which makes frames grayscale)"
        raise ModelMisfit(f"{needs}; {name} takes {shape_text(shape)}{hint}.")
    fixed = tuple(shape[1:3])
    if input_size is not None and None not in fixed and fixed != tuple(input_size)[:2]:
        raise ModelMisfit(
            f"{name} takes {fixed[0]}×{fixed[1]} images but its .json says "
            f"input_size {input_size[0]}×{input_size[1]}: they must match."
        )


def _shapes(model, which: str) -> list[tuple]:
    """The per-tensor shapes of a model's inputs or outputs, batch axis included."""
    tensors = getattr(model, which, None)
    if tensors is None:  # a model without a functional graph: fall back to the declared shape
        shape = getattr(model, f"{which[:-1]}_shape")
        return [tuple(s) for s in shape] if isinstance(shape, list) else [tuple(shape)]
    return [tuple(t.shape) for t in tensors]
