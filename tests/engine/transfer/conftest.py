"""Transfer-learning fixtures: the colour model as a base."""

import pytest

from engine.transfer import embeddings
from tests.helpers.models import colour_model


@pytest.fixture
def colour_base():
    """The colour model whole as a base: 32x32 in, its 3 scores as the embedding."""
    return embeddings.model_base(colour_model(), "colours", (32, 32), "unit")
