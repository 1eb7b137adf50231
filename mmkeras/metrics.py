"""Evaluation helpers that Keras does not already provide."""

import collections

import numpy as np


def _check_same_length(**arrays):
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Expected arrays of one length. Received lengths {lengths}.")


def accuracy_by_group(y_true, y_pred, groups):
    """Accuracy overall and within each group (e.g. each question type).

    Args:
        y_true, y_pred: sequences of labels (any comparable values).
        groups: sequence of group names, one per example.

    Returns:
        A dict `{group: accuracy}` in order of first appearance, plus
        `"overall"`.
    """
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups)
    _check_same_length(y_true=y_true, y_pred=y_pred, groups=groups)
    if len(y_true) == 0:
        raise ValueError("Cannot compute an accuracy over zero examples.")
    correct = y_true == y_pred
    result = {g: float(correct[groups == g].mean()) for g in dict.fromkeys(groups.tolist())}
    result["overall"] = float(correct.mean())
    return result


def majority_baseline(train_answers, test_answers, train_groups=None, test_groups=None):
    """Accuracy of always giving the most frequent training answer.

    With groups, the most frequent answer *of each group* is used (e.g.
    always "yes" for existence questions, "two" for counts): the chance
    level a model must beat to show it looks at the input at all.

    Returns:
        A dict like `accuracy_by_group`'s (just `"overall"` without groups).
    """
    train_answers, test_answers = np.asarray(train_answers), np.asarray(test_answers)
    if train_groups is None:
        majority = collections.Counter(train_answers.tolist()).most_common(1)[0][0]
        return {"overall": float((test_answers == majority).mean())}
    train_groups, test_groups = np.asarray(train_groups), np.asarray(test_groups)
    _check_same_length(train_answers=train_answers, train_groups=train_groups)
    _check_same_length(test_answers=test_answers, test_groups=test_groups)
    majority = {
        g: collections.Counter(train_answers[train_groups == g].tolist()).most_common(1)[0][0]
        for g in dict.fromkeys(train_groups.tolist())
    }
    unseen = set(test_groups.tolist()) - set(majority)
    if unseen:
        raise ValueError(f"Test groups {sorted(unseen)} never appear in the training groups.")
    predictions = np.asarray([majority[g] for g in test_groups])
    return accuracy_by_group(test_answers, predictions, test_groups)
