"""is_keras.plotting: figures built from results, returned (not written), without pyplot."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from is_keras.experiments.curves import MeanCurve
from is_keras.plotting import draw_detections, plot_curves, plot_versus_parameters


def test_curves_figure_has_both_panels_with_the_metric_and_bands():
    curve = MeanCurve(np.array([64, 128, 192]), np.array([1.0, 2.0, 3.0]), np.array([0.4, 0.2, 0.1]),
                      np.array([0.1, 0.05, 0.5]), 3, metric="one_minus_ap50")
    fig = plot_curves({"nis": curve, "is-probabilistic": curve}, metric_label="1-AP50", title="shapes")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    samples_ax, seconds_ax = fig.axes
    assert samples_ax.get_ylabel() == "1-AP50 (mean ± 1 std)" and samples_ax.get_yscale() == "log"
    np.testing.assert_array_equal(samples_ax.lines[0].get_xdata(), [64, 128, 192])
    np.testing.assert_array_equal(seconds_ax.lines[0].get_xdata(), [1.0, 2.0, 3.0])
    assert [t.get_text() for t in samples_ax.get_legend().get_texts()] == ["nis (n=3)", "is-probabilistic (n=3)"]
    # the band's lower edge is cut at a tenth of the mean where the std exceeds it (last point: 0.1 - 0.5 < 0)
    band = samples_ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(0.01)
    with pytest.raises(ValueError, match="no curves"):
        plot_curves({})


def test_versus_parameters_sorts_by_parameters_and_refuses_unknown_quantities():
    rows = [{"label": "NIS", "parameters": p, "runs": 2, "performance_mean": m, "performance_std": 0.01}
            for p, m in ((4000, 0.05), (1000, 0.2))]
    fig = plot_versus_parameters(rows, quantity="performance", title="t")
    (line,) = fig.axes[0].lines
    np.testing.assert_array_equal(line.get_xdata(), [1000, 4000])
    np.testing.assert_array_equal(line.get_ydata(), [0.2, 0.05])
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="quantity"):
        plot_versus_parameters(rows, quantity="accuracy")


def test_detections_drawn_above_the_threshold_only():
    image = np.zeros((32, 32, 3))
    fig = draw_detections(image, [[2, 2, 20, 20], [5, 5, 9, 9]], [0.9, 0.1], [1, 0], gt_boxes=[[1, 1, 19, 21]],
                          class_names=["circle", "square"])
    ax = fig.axes[0]
    colours = [tuple(p.get_edgecolor()[:3]) for p in ax.patches]
    assert colours == [(0.0, 1.0, 0.0), (1.0, 0.0, 0.0)]  # ground truth (lime), one prediction (red)
    assert [t.get_text() for t in ax.texts] == ["square 0.90"]
    fig2 = Figure()
    ax2 = fig2.subplots()
    assert draw_detections(image, [], ax=ax2) is fig2


def test_figures_are_not_registered_with_pyplot():
    """The user's pyplot state (open figures, backend) is left alone: no module of ours uses pyplot."""
    from pathlib import Path

    import matplotlib.pyplot as plt

    import is_keras

    plt.close("all")
    draw_detections(np.zeros((8, 8, 3)), [[1, 1, 4, 4]])
    curve = MeanCurve(np.array([1, 2]), np.array([1.0, 2.0]), np.array([0.5, 0.2]), np.zeros(2), 1)
    plot_curves({"nis": curve})
    assert plt.get_fignums() == []
    package = Path(is_keras.__file__).parent
    uses = ("import matplotlib.pyplot", "from matplotlib import pyplot", "plt.")
    users = [str(p.relative_to(package)) for p in package.rglob("*.py") if any(u in p.read_text() for u in uses)]
    assert users == []
