"""The thesis's detection sanity check (§5.2.1): on 1 and on 10 images the loss goes to ~0 and AP50 to ~1.

Trains a thin YOLOv2 (darknet topology, width ×0.125) from scratch through
the same ImportanceBatchGenerator + ImportanceTrainer path as classification.
"""

import keras
import numpy as np
import pytest

from is_keras.callbacks.ap50_callback import OneMinusAP50
from is_keras.data.synthetic_shapes import generate_shapes
from is_keras.detection.anchors import kmeans_anchors
from is_keras.detection.decode import yolo_detections
from is_keras.detection.targets import build_yolo_targets
from is_keras.detection.yolo_loss import YoloV2Loss
from is_keras.metrics.ap50 import ap50
from is_keras.models.yolov2 import yolov2
from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceTrainer


def setup(num_images, size, num_anchors, seed=0):
    data = generate_shapes(num_images, image_size=size, max_objects=3, min_objects=1, seed=seed)
    grid = size // 32
    wh = np.concatenate([np.stack([b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1) for b in data.boxes]) / size * grid
    anchors = kmeans_anchors(wh, num_anchors, seed=0)
    targets = build_yolo_targets(data.boxes, data.labels, size, grid, anchors, num_classes=3)
    keras.utils.set_random_seed(seed)
    model = yolov2((size, size, 3), num_classes=3, num_anchors=num_anchors, width=0.125, bn_momentum=0.9)
    return data, anchors, targets, model


def train_ap50(model, data, anchors):
    dets = yolo_detections(model(data.float_images(), training=False).numpy(), anchors, data.image_size)
    return ap50(data.boxes, data.labels, [d[0] for d in dets], [d[1] for d in dets], [d[2] for d in dets])


def test_one_image_is_learned_by_heart():
    data, anchors, targets, model = setup(1, 96, 2)
    assert len(data.boxes[0]) >= 1
    generator = ImportanceBatchGenerator(data.float_images(), targets, batch_size=1, method="nis", seed=0)
    loss = YoloV2Loss(anchors)
    trainer = ImportanceTrainer(model, generator, loss=loss, learning_rate=3e-3)
    history = trainer.fit(epochs=150)
    first, last = history.history["loss"][0], history.history["loss"][-1]
    assert first > 1.0 and last < 0.05 * first and last < 0.1
    inference_loss = float(loss(targets, model(data.float_images(), training=False)).numpy()[0])
    assert inference_loss < 0.1
    assert train_ap50(model, data, anchors) > 0.95
    assert generator.loss_table[0] == pytest.approx(last, rel=1e-5)  # the table holds the step's loss


def test_ten_images_with_importance_sampling_and_ap50_callback():
    data, anchors, targets, model = setup(10, 64, 3, seed=1)
    generator = ImportanceBatchGenerator(data.float_images(), targets, batch_size=5, method="is-probabilistic", seed=0)
    # 300 steps; a cosine-decayed learning rate lets Adam settle instead of bouncing around the optimum.
    # (200 steps ended at 1-AP50 0.12 on one CPU and ~0 on another; 300 give 0.0 from step 200 on.)
    optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, 300, alpha=0.01))
    trainer = ImportanceTrainer(model, generator, loss=YoloV2Loss(anchors), optimizer=optimizer)
    callback = OneMinusAP50(data.float_images(), data.boxes, data.labels, anchors, every_n_epochs=25)
    history = trainer.fit(epochs=150, callbacks=[callback])
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]
    # evaluated at mid-epoch 1, end of epoch 1, then every 25 epochs
    assert callback.epochs == [0.5, 1.0, 25.0, 50.0, 75.0, 100.0, 125.0, 150.0]
    assert callback.samples == [5, 10, 250, 500, 750, 1000, 1250, 1500]
    assert np.all(np.diff(callback.seconds) > 0)
    assert callback.one_minus_ap50[0] > 0.5
    assert callback.one_minus_ap50[-1] < 0.05
    assert callback.one_minus_ap50[-1] == pytest.approx(1 - train_ap50(model, data, anchors))
    table = generator.loss_table
    assert np.all(np.isfinite(table)) and table.max() < 0.5
