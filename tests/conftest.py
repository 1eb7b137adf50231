import keras
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same random state, so weights are repeatable."""
    keras.utils.set_random_seed(1234)


@pytest.fixture
def rng():
    """A fresh NumPy generator per test: data does not depend on which tests ran before on the same worker."""
    return np.random.default_rng(1234)
