"""A name the person gives stays one plain component inside the workspace."""

import pytest

from engine.failures import BadInput
from engine.workspace.names import check_name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        ".",
        "..",
        "../../evil",
        "sub/name",
        "/abs/x",
        "a\\b",
        ".hidden",
        "a\x00b",
        "tab\tx",
    ],
)
def test_names_that_would_leave_the_folder_or_hide_are_refused_with_a_reason(name):
    with pytest.raises(BadInput, match="name"):
        check_name(name)


def test_long_names_are_refused_with_the_limit():
    with pytest.raises(BadInput, match="100 or fewer"):
        check_name("x" * 300)


def test_plain_names_pass_stripped():
    assert check_name("  ants vs bees 2 ") == "ants vs bees 2"
    assert check_name("été-modèle") == "été-modèle"
