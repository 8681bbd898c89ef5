"""The clean page being drawn: paper colour, ink coverage, per-line ink labels, placed lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.synth.layout import Box


@dataclass
class PlacedLine:
    """A line of handwriting put on the clean page, with its truth in page coordinates."""

    id: str
    text: str
    polygon: np.ndarray
    baseline: np.ndarray
    box: Box
    strikethrough: bool = False


class Canvas:
    """The clean page: RGB paper, the ink coverage (for bleed-through) and per-line ink labels."""

    def __init__(self, width: int, height: int, with_labels: bool) -> None:
        self.rgb = np.full((height, width, 3), 255.0, np.float32)
        self.ink = np.zeros((height, width), np.float32)
        self.labels = np.zeros((height, width), np.int32) if with_labels else None
        self.occupied: list[Box] = []
        self.lines: list[PlacedLine] = []

    def composite(self, alpha: np.ndarray, x: int, y: int, colour: tuple[int, int, int], label: int = 0) -> None:
        """Lay ink ``alpha`` with its top-left corner at (x, y), clipped to the page."""
        rows, cols = np.flatnonzero(alpha.any(1)), np.flatnonzero(alpha.any(0))
        if not rows.size:
            return
        alpha = alpha[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        x, y = x + int(cols[0]), y + int(rows[0])
        h, w = alpha.shape
        H, W = self.ink.shape
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
        if x0 >= x1 or y0 >= y1:
            return
        a = alpha[y0 - y:y1 - y, x0 - x:x1 - x]
        region = self.rgb[y0:y1, x0:x1]
        region *= 1.0 - a[..., None]
        region += a[..., None] * np.asarray(colour, np.float32)
        np.maximum(self.ink[y0:y1, x0:x1], a, out=self.ink[y0:y1, x0:x1])
        if label and self.labels is not None:
            self.labels[y0:y1, x0:x1][a > 0.1] = label

    def free(self, box: Box) -> bool:
        return not any(box.intersects(o) for o in self.occupied)
