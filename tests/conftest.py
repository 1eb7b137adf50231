import keras
import numpy as np
import pytest
from hypothesis import settings

from tests.graph_settings import use_test_graph_settings

use_test_graph_settings()

# Property tests: the same generated examples on every run (a CI failure
# reproduces by running the test again), no time limit per example (two
# workers share two cores), and no example database written into the tree.
settings.register_profile("mmkeras", derandomize=True, deadline=None, database=None)
settings.load_profile("mmkeras")


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same random state, so weights are repeatable."""
    keras.utils.set_random_seed(1234)


@pytest.fixture
def rng():
    """A fresh NumPy generator per test: data does not depend on which tests ran before on the same worker."""
    return np.random.default_rng(1234)
