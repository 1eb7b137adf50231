"""Matplotlib helpers the book uses to show data, training and models."""

import functools
import pathlib
import textwrap

import matplotlib.pyplot as plt
import numpy as np


def _grid(count, columns, cell=2.4, extra_height=0.0):
    columns = max(1, min(columns, count))
    rows = int(np.ceil(count / columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(cell * columns, (cell + extra_height) * rows), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    return fig, axes.flat


def show_scenes(images, captions=None, columns=4, wrap=28):
    """Show images in a grid, each with its caption (or first caption) below.

    Args:
        images: array `(n, H, W, 3)`, uint8 or float in [0, 1].
        captions: optional list of n strings, or of n lists of strings (the
            first of each is shown).
        columns: images per row.
        wrap: characters per caption line.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> from mmkeras.datasets import make_scenes
    >>> scenes = make_scenes(4, seed=0)
    >>> fig = show_scenes(scenes.images, [c[0] for c in scenes.captions], columns=4)
    >>> len([ax for ax in fig.axes if ax.images])  # one panel per scene
    4
    >>> plt.close(fig)
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"`images` must have shape (n, height, width, 3). Received shape {images.shape}."
        )
    if captions is not None and len(captions) != len(images):
        raise ValueError(
            f"Got {len(images)} images but {len(captions)} captions; pass one caption per image."
        )
    fig, axes = _grid(len(images), columns, extra_height=0.6 if captions is not None else 0.0)
    for i, ax in enumerate(axes):
        if i >= len(images):
            break
        ax.imshow(images[i])
        if captions is not None:
            caption = captions[i] if isinstance(captions[i], str) else captions[i][0]
            ax.set_title("\n".join(textwrap.wrap(caption, wrap)), fontsize=8)
    fig.tight_layout()
    return fig


def show_vqa_examples(images, questions, answers, predictions, columns=4):
    """Images with a question, the true answer and the model's, green if right.

    Example:

    >>> from mmkeras.datasets import make_scenes
    >>> scenes = make_scenes(2, seed=0)
    >>> asked = [q[0] for q in scenes.questions]
    >>> fig = show_vqa_examples(scenes.images, [q["question"] for q in asked], [q["answer"] for q in asked],
    ...                         ["yes", "no"], columns=2)
    >>> len([ax for ax in fig.axes if ax.images])
    2
    >>> plt.close(fig)
    """
    fig, axes = _grid(len(images), columns, extra_height=0.9)
    for i, ax in enumerate(axes):
        if i >= len(images):
            break
        ax.imshow(images[i])
        right = answers[i] == predictions[i]
        title = "\n".join(textwrap.wrap(questions[i], 30))
        title += f"\ntrue: {answers[i]}  model: {predictions[i]}"
        ax.set_title(title, fontsize=7.5, color="darkgreen" if right else "firebrick")
    fig.tight_layout()
    return fig


def plot_history(*histories, metrics=("loss", "accuracy"), labels=None):
    """Training curves (train solid, validation dashed) of Keras histories.

    Example:

    >>> history = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.4, 0.7, 0.8], "val_loss": [1.1, 0.8, 0.7],
    ...            "val_accuracy": [0.4, 0.6, 0.7]}
    >>> fig = plot_history(history, labels=["VQA"])
    >>> [ax.get_title() for ax in fig.axes], len(fig.axes[0].lines)  # train and validation
    (['loss', 'accuracy'], 2)
    >>> plt.close(fig)
    """
    labels = labels or [f"model {i + 1}" for i in range(len(histories))]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for history, label in zip(histories, labels):
            logs = history.history if hasattr(history, "history") else history
            if metric in logs:
                (line,) = ax.plot(logs[metric], label=f"{label} train")
                if f"val_{metric}" in logs:
                    ax.plot(logs[f"val_{metric}"], "--", color=line.get_color(), label=f"{label} val")
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_feature_maps(feature_map, channels=8, title=None):
    """The first `channels` channels of one feature map `(H, W, C)`.

    Example:

    >>> fig = plot_feature_maps(np.random.default_rng(0).random((8, 8, 16)), channels=4, title="block 1")
    >>> len([ax for ax in fig.axes if ax.images])
    4
    >>> plt.close(fig)
    """
    feature_map = np.asarray(feature_map)
    if feature_map.ndim != 3:
        raise ValueError(
            f"`feature_map` must be one map of shape (height, width, channels). "
            f"Received shape {feature_map.shape}; index the batch first, e.g. maps[0]."
        )
    count = min(channels, feature_map.shape[-1])
    fig, axes = _grid(count, count, cell=1.5)
    for c, ax in enumerate(axes):
        ax.imshow(feature_map[..., c], cmap="viridis")
        ax.set_title(f"channel {c}", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_region_weights(image, weights, title=None):
    """An image beside a heat map of per-region weights `(regions,)`.

    The regions are assumed to form a square grid over the image, as the
    grid output of `ImageEncoder` does.

    Example:

    >>> weights = np.zeros(16)
    >>> weights[5] = 1.0  # a 4 x 4 grid of regions, one of them attended
    >>> fig = plot_region_weights(np.zeros((32, 32, 3)), weights, title="where the question looked")
    >>> fig.axes[1].images[-1].get_array().shape  # the heat map over the image
    (4, 4)
    >>> plt.close(fig)
    """
    weights = np.asarray(weights)
    side = int(round(np.sqrt(weights.size)))
    if side * side != weights.size:
        raise ValueError(
            f"Expected weights for a square grid of regions; received {weights.size} values."
        )
    fig, (left, right) = plt.subplots(1, 2, figsize=(5, 2.6))
    left.imshow(image)
    left.axis("off")
    right.imshow(image)
    right.imshow(
        weights.reshape(side, side),
        cmap="magma",
        alpha=0.6,
        extent=(0, image.shape[1], image.shape[0], 0),
    )
    right.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_accuracy_by_type(accuracies, chance=None, title="accuracy by question type"):
    """Bars of accuracy per group; `chance` (same keys) drawn as ticks.

    Example:

    >>> fig = plot_accuracy_by_type({"colour": 0.9, "count": 0.6}, chance={"colour": 0.17, "count": 0.4})
    >>> [tick.get_text() for tick in fig.axes[0].get_xticklabels()]
    ['colour', 'count']
    >>> plt.close(fig)
    """
    names = list(accuracies)
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2, 3))
    ax.bar(names, [accuracies[n] for n in names], color="steelblue", label="model")
    if chance is not None:
        ax.scatter(names, [chance[n] for n in names], color="black", marker="_", s=600,
                   label="majority answer")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_bars(values, title=None, ylabel=None, reference=None, reference_label=None, ylim=None):
    """Bars of `values` (a dict name -> number), with an optional reference line.

    Example:

    >>> fig = plot_bars({"one frame": 0.4, "3D CNN": 0.95}, title="held-out accuracy", ylim=(0, 1))
    >>> fig.axes[0].get_title(), len(fig.axes[0].patches)
    ('held-out accuracy', 2)
    >>> plt.close(fig)
    """
    names = list(values)
    fig, ax = plt.subplots(figsize=(0.9 * len(names) + 2.5, 3.2))
    ax.bar(names, [values[n] for n in names], color="steelblue")
    if reference is not None:
        ax.axhline(reference, color="black", linestyle="--", linewidth=1, label=reference_label)
        if reference_label:
            ax.legend(fontsize=8)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel or "")
    ax.set_title(title or "")
    ax.tick_params(axis="x", rotation=35)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, class_names, title="confusion matrix"):
    """A confusion matrix as an image, rows true classes, columns predictions.

    Example:

    >>> fig = plot_confusion_matrix(np.array([[5, 1], [0, 6]]), ["kitchen", "garden"])
    >>> fig.axes[0].images[0].get_array().tolist()
    [[5, 1], [0, 6]]
    >>> plt.close(fig)
    """
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(0.55 * len(class_names) + 3, 0.55 * len(class_names) + 2.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(class_names)), class_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(class_names)), class_names, fontsize=8)
    threshold = matrix.max() / 2
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, int(count), ha="center", va="center", fontsize=7,
                color="white" if count > threshold else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_embedding_2d(vectors, labels, groups=None, title=None):
    """Project `vectors` to 2-D with PCA and label each point.

    Args:
        vectors: array `(n, d)`.
        labels: n strings written next to the points.
        groups: optional n group names; each group gets its own colour.

    Example:

    >>> vectors = np.random.default_rng(0).normal(size=(4, 8))
    >>> fig = plot_embedding_2d(vectors, ["red", "blue", "circle", "square"], groups=["colour", "colour", "shape", "shape"])
    >>> sorted(text.get_text() for text in fig.axes[0].texts)
    ['blue', 'circle', 'red', 'square']
    >>> plt.close(fig)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    centred = vectors - vectors.mean(axis=0)
    # PCA by SVD: the two directions of largest variance.
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    points = centred @ components[:2].T
    fig, ax = plt.subplots(figsize=(6, 5))
    groups = list(groups) if groups is not None else ["all"] * len(points)
    for group in dict.fromkeys(groups):
        chosen = np.asarray([g == group for g in groups])
        ax.scatter(points[chosen, 0], points[chosen, 1], s=18, label=str(group))
    for (x, y), label in zip(points, labels):
        ax.annotate(str(label), (x, y), fontsize=7, xytext=(2, 2), textcoords="offset points")
    if len(set(groups)) > 1:
        ax.legend(fontsize=7)
    ax.set_title(title or "")
    fig.tight_layout()
    return fig


def _as_square_grid(weights):
    weights = np.asarray(weights)
    side = int(round(np.sqrt(weights.shape[-1])))
    if side * side != weights.shape[-1]:
        raise ValueError(
            f"Expected weights for a square grid of regions; received {weights.shape[-1]} per map."
        )
    return weights.reshape(weights.shape[:-1] + (side, side))


def plot_caption_attention(image, words, weights, columns=6):
    """Where a captioner looked for each word it generated.

    Args:
        image: array `(H, W, 3)`.
        words: the n generated words.
        weights: array `(n, regions)`, the attention over a square grid of
            image regions at each word (e.g. `generate_captions(...).attention[i]`).
        columns: panels per row.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> weights = np.full((3, 16), 1 / 16)  # three words, a 4 x 4 grid each
    >>> fig = plot_caption_attention(np.zeros((32, 32, 3)), ["a", "red", "circle"], weights, columns=3)
    >>> [ax.get_title() for ax in fig.axes if ax.get_title()]
    ['a', 'red', 'circle']
    >>> plt.close(fig)
    """
    maps = _as_square_grid(weights)
    if len(words) > len(maps):
        raise ValueError(f"Got {len(words)} words but attention for only {len(maps)} steps.")
    fig, axes = _grid(len(words), columns, cell=1.8, extra_height=0.2)
    for ax, word, attention in zip(axes, words, maps):
        ax.imshow(image)
        ax.imshow(attention, cmap="magma", alpha=0.6, extent=(0, image.shape[1], image.shape[0], 0))
        ax.set_title(word, fontsize=9)
    fig.tight_layout()
    return fig


def show_retrieval(queries, candidates, similarity, relevant=None, k=5, wrap=30):
    """Each text query beside its top-k images, relevant ones framed green.

    Args:
        queries: m query strings.
        candidates: images `(n, H, W, 3)`.
        similarity: array `(m, n)`, higher is more similar.
        relevant: optional, per query a list of relevant candidate indices
            (or `None` to leave that query's results unframed).
        k: images shown per query.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> images = np.random.default_rng(0).random((6, 16, 16, 3))
    >>> similarity = np.random.default_rng(1).random((2, 6))
    >>> fig = show_retrieval(["a red circle", "a blue square"], images, similarity, relevant=[[0], None], k=3)
    >>> len([ax for ax in fig.axes if ax.images])  # three images per query
    6
    >>> plt.close(fig)
    """
    similarity = np.asarray(similarity)
    if similarity.shape != (len(queries), len(candidates)):
        raise ValueError(
            f"`similarity` must have shape (queries, candidates) = ({len(queries)}, {len(candidates)}). "
            f"Received {similarity.shape}."
        )
    fig, axes = plt.subplots(len(queries), k + 1, figsize=(1.5 * (k + 1) + 1.5, 1.6 * len(queries)),
                             squeeze=False, gridspec_kw={"width_ratios": [2.5] + [1] * k})
    for row, query in enumerate(queries):
        axes[row, 0].axis("off")
        axes[row, 0].text(0, 0.5, "\n".join(textwrap.wrap(query, wrap)), fontsize=8, va="center")
        for rank, index in enumerate(np.argsort(-similarity[row])[:k]):
            ax = axes[row, rank + 1]
            ax.imshow(candidates[index])
            ax.set_xticks([])
            ax.set_yticks([])
            if relevant is not None and relevant[row] is not None:
                colour = "tab:green" if index in set(relevant[row]) else "tab:red"
                for spine in ax.spines.values():
                    spine.set_edgecolor(colour)
                    spine.set_linewidth(3)
            ax.set_title(f"#{rank + 1}", fontsize=7)
    fig.tight_layout()
    return fig


# Fonts that hold Chinese characters, in the order they are tried; Matplotlib's default has none.
_CJK_FILE_NAMES = ("wqy", "cjk", "sourcehan", "simhei", "msyh", "pingfang")
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "SimHei",
             "Microsoft YaHei", "PingFang SC", "Heiti SC")


@functools.lru_cache(maxsize=None)
def cjk_font():
    """The name of an installed font that can draw Chinese, or `None`.

    Example:

    >>> cjk_font() is None or cjk_font() in CJK_FONTS
    True
    """
    from matplotlib import font_manager

    def known():
        installed = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    if known() is None:
        # A font installed after Matplotlib cached its font list is missing from it until it is added.
        for path in font_manager.findSystemFonts():
            if any(key in pathlib.Path(path).name.lower() for key in _CJK_FILE_NAMES):
                font_manager.fontManager.addfont(path)
    return known()


def plot_alignment(source_tokens, target_tokens, weights, title=None):
    """The attention of a translator: which source token each target token looked at.

    Rows are the target tokens as they were written, columns the source
    tokens; each row sums to 1. Chinese labels are drawn with an installed
    CJK font (`cjk_font()`) when there is one.

    Args:
        source_tokens: the S source tokens (words, or frame labels).
        target_tokens: the T written tokens.
        weights: array `(T, S)` or larger (extra rows and columns, e.g.
            padding or image regions, are cut off).
        title: optional title.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> weights = np.eye(3)[[0, 0, 1, 2]]
    >>> fig = plot_alignment(["a", "red", "circle"], ["一", "个", "红", "圆"], weights)
    >>> [label.get_text() for label in fig.axes[0].get_xticklabels()]
    ['a', 'red', 'circle']
    >>> plt.close(fig)
    """
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] < len(target_tokens) or weights.shape[1] < len(source_tokens):
        raise ValueError(
            f"Expected weights of shape (at least {len(target_tokens)} target, {len(source_tokens)} source tokens). "
            f"Received shape {weights.shape}."
        )
    weights = weights[:len(target_tokens), :len(source_tokens)]
    font = {"fontfamily": cjk_font()} if cjk_font() else {}
    fig, ax = plt.subplots(figsize=(0.45 * len(source_tokens) + 1.5, 0.32 * len(target_tokens) + 1.2))
    ax.imshow(weights, cmap="magma", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60, ha="right", fontsize=8, **font)
    ax.set_yticks(range(len(target_tokens)), target_tokens, fontsize=9, **font)
    if title:
        ax.set_title(title, fontsize=9, **font)
    fig.tight_layout()
    return fig
