"""Detection data in memory: images of one size, their boxes and labels."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class DetectionData:
    """Images of one size with their boxes; ``len(data)`` is the number of images.

    Args:
        images: ``(N, H, W, 3)`` uint8 (an array or ``np.memmap``).
        boxes, labels: per image ``(n_i, 4)`` float32 ``[x1, y1, x2, y2]`` pixels; ``(n_i,)`` int64 class ids.
        class_names, image_ids: one name per class; one id per image (COCO's image id).
    Example:
        >>> data = DetectionData(np.zeros((3, 32, 32, 3), np.uint8), [np.zeros((1, 4), np.float32)] * 3,
        ...                      [np.zeros(1, np.int64)] * 3, ["square"], [1, 2, 3])
        >>> len(data), data.image_size, data.num_classes, len(data.subset([0, 2])), data.float_images().dtype
        (3, (32, 32), 1, 2, dtype('float32'))
    """

    images: np.ndarray
    boxes: list
    labels: list
    class_names: list
    image_ids: list

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_size(self) -> tuple[int, int]:
        """``(H, W)`` of the images."""
        return tuple(int(v) for v in self.images.shape[1:3])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, indices) -> DetectionData:
        """The images at ``indices`` (a new, in-memory ``DetectionData``)."""
        indices = [int(i) for i in indices]
        return DetectionData(images=np.asarray(self.images[indices]), boxes=[self.boxes[i] for i in indices],
                             labels=[self.labels[i] for i in indices], class_names=list(self.class_names),
                             image_ids=[self.image_ids[i] for i in indices])

    def float_images(self) -> np.ndarray:
        """Images as float32 in [0, 1], the input YOLOv2 expects."""
        return np.asarray(self.images, dtype=np.float32) / 255.0
