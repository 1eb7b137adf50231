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

    Example:

    >>> accuracy_by_group(["red", "two", "yes"], ["red", "one", "yes"], ["colour", "count", "exists"])
    {'colour': 1.0, 'count': 0.0, 'exists': 1.0, 'overall': 0.666...}
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

    Example:

    >>> majority_baseline(["yes", "yes", "no"], ["yes", "no", "yes", "yes"])
    {'overall': 0.75}
    >>> majority_baseline(["yes", "two", "yes", "three", "three"], ["no", "three"],
    ...                   ["exists", "count", "exists", "count", "count"], ["exists", "count"])
    {'exists': 0.0, 'count': 1.0, 'overall': 0.5}
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

    Example:

    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], num_classes=3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
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

    Example:

    >>> report = classification_report([0, 0, 1, 1], [0, 0, 0, 1], num_classes=2)
    >>> report["precision"].round(3).tolist(), report["recall"].tolist(), report["accuracy"]
    ([0.667, 1.0], [1.0, 0.5], 0.75)
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


def _ngram_counts(tokens, order):
    return collections.Counter(tuple(tokens[i : i + order]) for i in range(len(tokens) - order + 1))


def corpus_bleu(references, hypotheses, max_order=4, smooth=False):
    """Corpus-level BLEU (Papineni et al., 2002), in [0, 1].

    For each n up to `max_order`, the modified precision p_n counts the
    hypothesis n-grams that appear in a reference, each clipped to the most
    times it occurs in any one reference, summed over the corpus. BLEU is
    `BP * exp(mean_n log p_n)`, with the brevity penalty
    `BP = min(1, exp(1 - r / c))`, `c` the total hypothesis length and `r`
    the total of the reference lengths closest to each hypothesis' length.

    Args:
        references: for each hypothesis, a list of one or more reference
            token lists, e.g. `[[["a", "red", "circle"], ["a", "circle"]], ...]`.
        hypotheses: a list of token lists, one per example.
        max_order: the largest n-gram order (4 gives BLEU-4).
        smooth: add one to the numerator and denominator of every p_n with
            n > 1 (Lin and Och, 2004), so that one missing 4-gram does not
            zero the score of short texts.

    Returns:
        A float.

    Example:

    >>> corpus_bleu([[["a", "red", "circle"]]], [["a", "red", "circle"]], max_order=2)
    1.0
    """
    if len(references) != len(hypotheses):
        raise ValueError(
            f"Expected one list of references per hypothesis. Received {len(references)} "
            f"reference lists and {len(hypotheses)} hypotheses."
        )
    if not hypotheses:
        raise ValueError("Cannot compute BLEU over zero hypotheses.")
    if not isinstance(max_order, int) or max_order < 1:
        raise ValueError(f"`max_order` must be a positive int. Received: max_order={max_order!r}")
    for refs, hypothesis in zip(references, hypotheses):
        if isinstance(hypothesis, str) or not refs or any(isinstance(r, str) for r in refs):
            raise ValueError(
                "BLEU works on tokens: each hypothesis must be a list of tokens and each "
                "entry of `references` a non-empty list of token lists (split strings with "
                f".split() first). Received hypothesis {hypothesis!r:.60} with references {refs!r:.60}."
            )
    matches = np.zeros(max_order)
    totals = np.zeros(max_order)
    hypothesis_length = reference_length = 0
    for refs, hypothesis in zip(references, hypotheses):
        hypothesis = list(hypothesis)
        hypothesis_length += len(hypothesis)
        # The closest reference length; ties go to the shorter reference.
        reference_length += min((abs(len(r) - len(hypothesis)), len(r)) for r in refs)[1]
        for n in range(1, max_order + 1):
            counts = _ngram_counts(hypothesis, n)
            most_in_a_reference = collections.Counter()
            for r in refs:
                most_in_a_reference |= _ngram_counts(list(r), n)
            matches[n - 1] += sum(min(c, most_in_a_reference[g]) for g, c in counts.items())
            totals[n - 1] += max(len(hypothesis) - n + 1, 0)
    if smooth:
        matches[1:] += 1
        totals[1:] += 1
    if np.any(matches == 0) or np.any(totals == 0):
        return 0.0
    log_precision = np.mean(np.log(matches / totals))
    brevity = 1.0 if hypothesis_length > reference_length else np.exp(1 - reference_length / max(hypothesis_length, 1))
    return float(brevity * np.exp(log_precision))


def recall_at_k(similarity, k, relevant=None):
    """Share of queries whose top-k candidates include a relevant one.

    Args:
        similarity: array `(queries, candidates)`, higher is more similar
            (e.g. text embeddings times image embeddings).
        k: int or a sequence of ints.
        relevant: for each query, the index (int) or indices (a sequence) of
            its relevant candidates; defaults to the diagonal (query i
            matches candidate i).

    Ties are counted against the query: a relevant candidate is in the top
    k only if fewer than k others score at least as high, so a constant
    similarity scores 0, not a lucky 1.

    Returns:
        A float for an int `k`, or a dict `{k: recall}`.

    Example:

    >>> recall_at_k(np.eye(3), k=1)
    1.0
    """
    try:
        similarity = np.asarray(similarity, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`similarity` must hold numbers. Received {similarity!r:.80}") from None
    if similarity.ndim != 2:
        raise ValueError(
            f"`similarity` must be a 2-D (queries, candidates) array. Received shape {similarity.shape}."
        )
    if not np.isfinite(similarity).all():
        query, candidate = (int(i) for i in np.argwhere(~np.isfinite(similarity))[0])
        raise ValueError(
            f"`similarity` holds {similarity[query, candidate]} for query {query}, candidate {candidate}: a "
            "ranking with NaN or infinity is no ranking. Check the embeddings (a NaN input, a zero vector "
            "normalised)."
        )
    queries, candidates = similarity.shape
    if relevant is None:
        if queries > candidates:
            raise ValueError(
                f"Without `relevant`, query i must match candidate i, but there are {queries} "
                f"queries and only {candidates} candidates. Pass `relevant`."
            )
        relevant = list(range(queries))
    if len(relevant) != queries:
        raise ValueError(f"`relevant` needs one entry per query ({queries}). Received {len(relevant)}.")
    ks = _check_ks(k)
    best_rank = np.empty(queries)
    for q in range(queries):
        targets = np.atleast_1d(np.asarray(relevant[q], dtype=np.int64))
        if targets.size == 0 or targets.min() < 0 or targets.max() >= candidates:
            raise ValueError(
                f"Query {q} has relevant indices {targets.tolist()} outside [0, {candidates})."
            )
        others = np.delete(similarity[q], targets)
        # Rank of the best relevant candidate = number of others scoring >= it.
        best_rank[q] = np.sum(others >= similarity[q, targets].max())
    results = {x: float(np.mean(best_rank < x)) for x in ks}
    return results[ks[0]] if isinstance(k, (int, np.integer)) else results


def _check_ks(k):
    ks = [k] if isinstance(k, (int, np.integer)) else list(k)
    if not ks or any(not isinstance(x, (int, np.integer)) or x < 1 for x in ks):
        raise ValueError(f"`k` must be a positive int or a list of them. Received: k={k!r}")
    return ks


def chance_recall_at_k(relevant, num_candidates, k):
    """The Recall@K that a random ranking scores on average: the chance level of `recall_at_k`.

    A query with `r` relevant candidates among `n` misses all of them in a
    random top k with probability `C(n - r, k) / C(n, k)`; the chance
    level is one minus that, averaged over the queries.

    Args:
        relevant: for each query, the index (int) or indices (a sequence)
            of its relevant candidates, as for `recall_at_k`; only their
            number matters.
        num_candidates: int, how many candidates each query ranks.
        k: int or a sequence of ints.

    Returns:
        A float for an int `k`, or a dict `{k: chance}`.

    Example:

    >>> round(chance_recall_at_k([0, 1, 2, 3], num_candidates=100, k=5), 6)
    0.05
    >>> round(chance_recall_at_k([[0, 1]], num_candidates=4, k=1), 3)
    0.5
    """
    ks = _check_ks(k)
    if not isinstance(num_candidates, (int, np.integer)) or num_candidates < 1:
        raise ValueError(f"`num_candidates` must be a positive int. Received: num_candidates={num_candidates!r}")
    counts = [np.atleast_1d(np.asarray(r)).size for r in relevant]
    if not counts:
        raise ValueError("`relevant` is empty: a chance level needs at least one query.")
    for query, count in enumerate(counts):
        if not 1 <= count <= num_candidates:
            raise ValueError(
                f"Query {query} has {count} relevant candidates; each query needs between 1 and "
                f"num_candidates={num_candidates}."
            )

    def chance(top):
        # The product form of C(n - r, k) / C(n, k): the k drawn candidates miss the r relevant ones one by one.
        return float(np.mean([1.0 - np.prod([(num_candidates - count - i) / (num_candidates - i)
                                             for i in range(min(top, num_candidates))]) for count in counts]))

    results = {x: chance(x) for x in ks}
    return results[ks[0]] if isinstance(k, (int, np.integer)) else results


def l2_normalize(vectors):
    """Rows scaled to unit length, so that dot products are cosine similarities.

    Args:
        vectors: array `(..., dim)` of embeddings.

    Returns:
        float array of the same shape; every row has length 1.

    Example:

    >>> l2_normalize([[3.0, 4.0]]).tolist()
    [[0.6, 0.8]]
    """
    try:
        vectors = np.asarray(vectors, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`vectors` must hold numbers. Received {vectors!r:.80}") from None
    if vectors.ndim == 0:
        raise ValueError("`vectors` must have at least one axis, the vectors' dimension. Received a scalar.")
    lengths = np.linalg.norm(vectors, axis=-1, keepdims=True)
    if not np.all(np.isfinite(lengths)):
        raise ValueError("`vectors` holds NaN or infinity: check the model that embedded them.")
    if np.any(lengths == 0):
        row = np.argwhere(lengths[..., 0] == 0)[0].tolist()
        raise ValueError(
            f"The vector at index {row} is all zeros and has no direction to normalise. A zero embedding usually "
            "means an empty input (no words, a blank image); drop it or embed something."
        )
    return vectors / lengths


def edit_distance(reference, hypothesis):
    """Levenshtein distance: the fewest insertions, deletions and
    substitutions that turn `hypothesis` into `reference` (two sequences,
    e.g. strings or lists of words).

    Example:

    >>> edit_distance("circle", "circles")
    1
    """
    previous = list(range(len(hypothesis) + 1))
    for i, ref_item in enumerate(reference, 1):
        current = [i]
        for j, hyp_item in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_item != hyp_item)))
        previous = current
    return previous[-1]


def _error_rate(references, hypotheses, split):
    if isinstance(references, str) or isinstance(hypotheses, str):
        raise TypeError(
            "Pass lists of strings (one per utterance), not a single string. "
            f"Received {type(references).__name__} and {type(hypotheses).__name__}."
        )
    _check_same_length(references=references, hypotheses=hypotheses)
    for name, texts in (("references", references), ("hypotheses", hypotheses)):
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"{name}[{index}] is {text!r:.40} ({type(text).__name__}); every entry must be a string.")
    errors = sum(edit_distance(split(r), split(h)) for r, h in zip(references, hypotheses))
    length = sum(len(split(r)) for r in references)
    if length == 0:
        raise ValueError("The references are all empty: an error rate needs something to compare with.")
    return errors / length


def character_error_rate(references, hypotheses):
    """CER: character edits over the corpus divided by its reference characters.

    Spaces count as characters. It can exceed 1 (a hypothesis much longer
    than its reference).

    Example:

    >>> character_error_rate(["red circle"], ["red circles"])
    0.1
    """
    return _error_rate(references, hypotheses, list)


def word_error_rate(references, hypotheses):
    """WER: word edits over the corpus divided by its reference words.

    Example:

    >>> word_error_rate(["a large red circle"], ["a red circle"])
    0.25
    """
    return _error_rate(references, hypotheses, str.split)
