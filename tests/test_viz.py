import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mmkeras import viz  # noqa: E402

IMAGES = np.random.default_rng(0).random((6, 16, 16, 3))


def test_caption_attention_draws_one_panel_per_word():
    weights = np.zeros((4, 16))
    weights[:, 5] = 1.0
    fig = viz.plot_caption_attention(IMAGES[0], ["a", "red", "circle"], weights, columns=2)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == ["a", "red", "circle"]
    # The heat map is the 4x4 grid of weights, hot where the weight is.
    heat = fig.axes[0].images[1].get_array()
    assert heat.shape == (4, 4) and heat[1, 1] == 1.0
    plt.close(fig)
    with pytest.raises(ValueError, match="square grid"):
        viz.plot_caption_attention(IMAGES[0], ["a"], np.zeros((1, 15)))
    with pytest.raises(ValueError, match="3 words but attention for only 2"):
        viz.plot_caption_attention(IMAGES[0], ["a", "b", "c"], np.zeros((2, 16)))


def test_retrieval_grid_ranks_by_similarity_and_frames_relevant_images():
    similarity = np.array([[0.1, 0.9, 0.5, 0.0, 0.2, 0.3], [0.8, 0.0, 0.0, 0.7, 0.0, 0.0]])
    fig = viz.show_retrieval(["first", "second"], IMAGES, similarity, relevant=[[1], [5]], k=2)
    unjudged = viz.show_retrieval(["first", "second"], IMAGES, similarity, relevant=[[1], None], k=2)
    assert unjudged.axes[4].spines["left"].get_linewidth() != 3
    plt.close(unjudged)
    axes = np.array(fig.axes).reshape(2, 3)
    np.testing.assert_array_equal(axes[0, 1].images[0].get_array(), IMAGES[1])
    np.testing.assert_array_equal(axes[0, 2].images[0].get_array(), IMAGES[2])
    edge = lambda ax: matplotlib.colors.to_hex(ax.spines["left"].get_edgecolor())
    assert edge(axes[0, 1]) == matplotlib.colors.to_hex("tab:green")
    assert edge(axes[1, 1]) == matplotlib.colors.to_hex("tab:red")
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\(queries, candidates\) = \(2, 6\)"):
        viz.show_retrieval(["first", "second"], IMAGES, similarity.T)


def test_alignment_draws_source_columns_and_target_rows():
    weights = np.zeros((5, 6))
    weights[np.arange(5), [1, 1, 2, 3, 4]] = 1.0
    fig = viz.plot_alignment(["[START]", "a", "red", "circle"], ["一", "个", "红"], weights, title="a red circle")
    ax = fig.axes[0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["[START]", "a", "red", "circle"]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["一", "个", "红"]
    np.testing.assert_array_equal(ax.images[0].get_array(), weights[:3, :4])  # padding rows and columns cut off
    plt.close(fig)
    with pytest.raises(ValueError, match="at least 3 target, 4 source tokens.*Received shape \\(2, 4\\)"):
        viz.plot_alignment(["[START]", "a", "red", "circle"], ["一", "个", "红"], np.zeros((2, 4)))
