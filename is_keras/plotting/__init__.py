"""Every matplotlib drawing of the library; each function takes results and returns a ``Figure``.

No pyplot (the user's backend is left alone) and no file I/O (:func:`is_keras.experiments.figure_files.save_figure`).
"""

from is_keras.plotting.anchors import plot_anchor_elbow
from is_keras.plotting.curves import plot_curves
from is_keras.plotting.detections import draw_detections
from is_keras.plotting.loss_table import plot_loss_histograms
from is_keras.plotting.parameters import plot_versus_parameters

__all__ = ["draw_detections", "plot_anchor_elbow", "plot_curves", "plot_loss_histograms", "plot_versus_parameters"]
