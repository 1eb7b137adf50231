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


def _check_labels(y_true, y_pred, num_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    _check_same_length(y_true=y_true, y_pred=y_pred)
    if len(y_true) == 0:
        raise ValueError("Cannot score zero examples.")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"`{name}` must be a 1-D array of integer class ids (take "
                f"`probabilities.argmax(-1)` of a softmax). Received dtype "
                f"{labels.dtype} and shape {labels.shape}."
            )
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(
                f"`{name}` holds class ids outside [0, {num_classes}): "
                f"min {labels.min()}, max {labels.max()}."
            )
    return y_true, y_pred


def confusion_matrix(y_true, y_pred, num_classes):
    """Counts `C[i, j]` of examples of class i predicted as class j.

    Returns:
        An int64 array `(num_classes, num_classes)`.
    """
    y_true, y_pred = _check_labels(y_true, y_pred, num_classes)
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def classification_report(y_true, y_pred, num_classes):
    """Precision, recall and F1 per class, and their macro averages.

    Precision of class c is the share of the predictions "c" that are
    right, recall the share of the true c's that were found, F1 their
    harmonic mean. A class never predicted has precision 0 (as a class
    never present has recall 0): the macro averages then penalise a model
    that ignores a class, which is why they are the measure of choice for
    classes of unequal size.

    Args:
        y_true, y_pred: 1-D integer class ids.
        num_classes: int, the number of classes.

    Returns:
        A dict with arrays `"precision"`, `"recall"`, `"f1"`, `"support"`
        (one entry per class) and floats `"macro_precision"`,
        `"macro_recall"`, `"macro_f1"` and `"accuracy"`.
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    true_positives = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    support = matrix.sum(axis=1)
    precision = np.divide(true_positives, predicted, out=np.zeros(num_classes), where=predicted > 0)
    recall = np.divide(true_positives, support, out=np.zeros(num_classes), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(num_classes), where=total > 0)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
        "macro_precision": float(precision.mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "accuracy": float(true_positives.sum() / matrix.sum()),
    }
