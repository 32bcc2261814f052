"""JSON from outside the app, parsed within a nesting budget: deep nesting is a sentence, never
a RecursionError, and the nesting is measured without recursion."""

from __future__ import annotations

import json

from engine.failures import BadFile, OverBudget


def load(data: bytes, where: str, what: str, max_depth: int):
    """The JSON value in ``data``, read from ``where`` (a file name, for the messages), which
    should be ``what`` ("a run record"); BadFile when it is not JSON, OverBudget when lists and
    objects nest deeper than ``max_depth``."""
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError as error:
        raise _too_deep(where, what, max_depth) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise BadFile(f"{where} is not {what} ({error})") from error
    if depth(value, max_depth) > max_depth:
        raise _too_deep(where, what, max_depth)
    return value


def depth(node, limit: int) -> int:
    """How deep lists and objects nest in parsed JSON (looking no deeper than one past
    ``limit``)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= limit:
                values = item.values() if isinstance(item, dict) else item
                stack.extend((value, level + 1) for value in values)
    return deepest


def _too_deep(where: str, what: str, max_depth: int) -> OverBudget:
    return OverBudget(f"{where} is not {what}: it nests deeper than {max_depth} levels")
