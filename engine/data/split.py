"""Train/validation split by capture session or by file, never frame by frame at random.

Webcam frames a few milliseconds apart are near-copies: with one in training and its twin in
validation, validation accuracy says nothing. Whole groups (a capture session, or one imported
file) go to one side. The choice is a stable hash of the group's name, so adding images never
reshuffles the ones already split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from engine.data.projects import Dataset, Item

MIN_VALIDATION = 5  # per class; fewer and one image moves the class's accuracy by 20 points


@dataclass
class Split:
    train: list[Item]
    validation: list[Item]
    warnings: list[str] = field(default_factory=list)


def _rank(group: str) -> str:
    return hashlib.sha1(group.encode("utf-8", "surrogateescape")).hexdigest()


def _validation_groups(groups: dict[str, list], target: float) -> set[str]:
    """Groups, in hash order, each taken only if it brings validation's size nearer ``target``
    (a long session is skipped rather than overshoot); at least one group when there are two."""
    if len(groups) < 2:
        return set()
    chosen, taken = set(), 0
    for key in sorted(groups, key=_rank):
        size = len(groups[key])
        if abs(taken + size - target) < abs(taken - target):
            chosen.add(key)
            taken += size
    if not chosen:
        chosen.add(min(groups, key=lambda key: (len(groups[key]), _rank(key))))
    return chosen


def split(dataset: Dataset, fraction: float = 0.2) -> Split:
    """Split ``dataset``: folders named train/val keep theirs; otherwise about ``fraction`` of
    each class's groups go to validation."""
    train, validation, warnings = [], [], []
    for label, name in enumerate(dataset.class_names):
        items = [item for item in dataset.items if item.label == label]
        fixed = [item for item in items if item.fixed_split]
        if fixed:
            train += [i for i in fixed if i.fixed_split == "train"]
            validation += [i for i in fixed if i.fixed_split == "val"]
            items = [item for item in items if not item.fixed_split]
        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(item.group, []).append(item)
        if len(groups) == 1 and len(items) > 1 and not fixed:
            warnings.append(
                f"All images of '{name}' come from one capture session: they are split "
                f"by file, so validation holds near-copies of training images and will "
                f"look better than it is. Record a second session."
            )
            groups = {_rank(str(item.path)): [item] for item in items}
        chosen = _validation_groups(groups, fraction * len(items))
        for key, group in groups.items():
            (validation if key in chosen else train).extend(group)
        # keep at least one group for training
        if items and all(item in validation for item in items):
            moved = [item for item in validation if item.label == label][:1]
            validation = [item for item in validation if item not in moved]
            train += moved
    share = len(validation) / max(1, len(dataset.items))
    if share > fraction + 0.1 and not any(item.fixed_split for item in dataset.items):
        warnings.append(
            f"Validation holds {share:.0%} of the images, not {fraction:.0%}: a "
            f"capture session is never split, so a few long sessions tip the balance. "
            f"Record more, shorter sessions."
        )
    for label, name in enumerate(dataset.class_names):
        count = sum(1 for item in validation if item.label == label)
        if count < MIN_VALIDATION:
            warnings.append(
                f"Validation has only {count} image{'s' * (count != 1)} of '{name}': "
                f"its accuracy will jump by large steps. Add more images or sessions."
            )
    return Split(train, validation, warnings)
