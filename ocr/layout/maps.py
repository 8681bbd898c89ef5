"""What the learned layout model sees and predicts: the page scaled to a fixed long side, and
one probability map per channel at that scale. Shared by training and inference."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# horizontal rules, vertical rules, printed text, handwritten lines (filled), line cores (the
# middle band of each line, apart from its neighbours)
MAP_CHANNELS = ("hrule", "vrule", "print", "line", "core")


@dataclass(frozen=True)
class MapSpec:
    """The model's input: RGB scaled so that the long side is ``long_side`` (sides padded up to a
    multiple of ``multiple`` with white), values / 255."""

    long_side: int = 1024
    multiple: int = 16

    def scale(self, width: int, height: int) -> float:
        return self.long_side / max(width, height)

    def size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of a ``width`` x ``height`` page at model scale, unpadded."""
        s = self.scale(width, height)
        return max(1, round(width * s)), max(1, round(height * s))

    def resize(self, image: np.ndarray, *, nearest: bool = False) -> np.ndarray:
        """``image`` (H x W [x C]) at model scale, unpadded."""
        size = self.size(image.shape[1], image.shape[0])
        interp = cv2.INTER_NEAREST if nearest else cv2.INTER_AREA
        if image.ndim == 3 and image.shape[2] > 4:  # OpenCV resizes at most 4 channels at once
            return np.dstack([cv2.resize(image[..., i:i + 4], size, interpolation=interp)
                              for i in range(0, image.shape[2], 4)])
        return cv2.resize(image, size, interpolation=interp)

    def tensor(self, image: np.ndarray) -> np.ndarray:
        """1 x 3 x H' x W' float32 model input of an RGB uint8 page (padded, so H', W' are
        multiples of ``multiple``)."""
        small = self.resize(image)
        if small.ndim == 2:
            small = np.repeat(small[..., None], 3, 2)
        h, w = small.shape[:2]
        m = self.multiple
        ph, pw = -(-h // m) * m, -(-w // m) * m
        out = np.ones((ph, pw, 3), np.float32)
        out[:h, :w] = small.astype(np.float32) / 255.0
        return out.transpose(2, 0, 1)[None]

    def to_dict(self) -> dict[str, int]:
        return {"long_side": self.long_side, "multiple": self.multiple}
