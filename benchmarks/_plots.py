"""The benchmarks' grouped bar chart (matplotlib only: no Keras, so a process without a backend can draw it)."""

import matplotlib
import matplotlib.ticker
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def grouped_bars(labels, series, path, title, xlabel):
    """Horizontal bars, one group per label and one bar per series, on a log scale; saved to `path`.

    Args:
        labels: the groups, top to bottom.
        series: `{name: [value per label]}`; a value of 0 draws no bar.
        path, title, xlabel: where to save, and the texts.
    """
    positions = np.arange(len(labels))
    height = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(labels) + 1.8))
    for i, (name, values) in enumerate(series.items()):
        ax.barh(positions + (i - (len(series) - 1) / 2) * height, values, height, label=name)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    # Labelled minor ticks (2x10^3, 3x10^3, ...) run into each other over a few decades.
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel(xlabel)
    # Below the axes: inside, the legend covers the longest bars.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(series), fontsize=8, frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
