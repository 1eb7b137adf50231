import keras
import pytest


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same random state, so weights are repeatable."""
    keras.utils.set_random_seed(1234)
