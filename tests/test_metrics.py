import pytest

from mmkeras.metrics import accuracy_by_group
from mmkeras.metrics import majority_baseline


def test_accuracy_by_group_by_hand():
    result = accuracy_by_group(["a", "b", "a", "c"], ["a", "a", "a", "c"], ["x", "x", "y", "y"])
    assert result == {"x": 0.5, "y": 1.0, "overall": 0.75}


def test_majority_baseline_overall_and_per_group():
    train = ["yes", "yes", "no", "two", "two", "one"]
    groups = ["e", "e", "e", "c", "c", "c"]
    assert majority_baseline(train, ["yes", "no"]) == {"overall": 0.5}
    result = majority_baseline(train, ["yes", "no", "one", "two"], groups, ["e", "e", "c", "c"])
    assert result == {"e": 0.5, "c": 0.5, "overall": 0.5}


def test_errors():
    with pytest.raises(ValueError, match="one length"):
        accuracy_by_group([1, 2], [1], [0, 0])
    with pytest.raises(ValueError, match="zero examples"):
        accuracy_by_group([], [], [])
    with pytest.raises(ValueError, match=r"\['z'\] never appear"):
        majority_baseline(["a"], ["a"], ["x"], ["z"])
