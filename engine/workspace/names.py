"""Names the person gives (a model, a class, a project): one plain path component inside the
workspace, so that no name can write elsewhere; checked before any work starts."""

from __future__ import annotations

from engine.failures import BadInput

LONGEST = 100  # characters: the name, a suffix and a scratch prefix stay under 255 bytes
_FORBIDDEN = '/\\:*?"<>|'


def check_name(name: str, what: str = "model") -> str:
    """``name`` stripped, or BadInput saying what is wrong with it and what to do."""
    name = str(name).strip()
    if not name:
        raise BadInput(f"A {what} name is needed: type one")
    if (
        name in (".", "..")
        or name.startswith(".")
        or any(c in name for c in _FORBIDDEN)
        or any(ord(c) < 32 for c in name)
    ):
        raise BadInput(
            f"'{name}' cannot be a {what} name: use one plain name, without / \\ : * ? \" < > |, "
            f"control characters or a leading dot"
        )
    if len(name) > LONGEST or len(name.encode("utf-8", "surrogatepass")) > 2 * LONGEST:
        raise BadInput(
            f"A {what} name of {len(name)} characters is too long: use {LONGEST} or fewer"
        )
    return name
