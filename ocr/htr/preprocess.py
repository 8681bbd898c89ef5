"""Line images to model input: greyscale, fixed height, any width; one definition for training
and inference."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class InputSpec:
    """What the recognizer takes: grey lines of ``height`` px, paper 1.0 and ink 0.0, widths
    padded to a multiple of ``width_multiple`` (with paper) and at most ``max_width``; the
    model's output has one step per ``downsample`` px of width."""

    height: int = 40
    max_width: int = 2048
    min_width: int = 16
    width_multiple: int = 4
    downsample: int = 4

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "InputSpec":
        return cls(**json.loads(text))

    def steps(self, width: int) -> int:
        """Output steps of a line of padded ``width``."""
        return -(-width // self.downsample)


def to_grey(image: np.ndarray) -> np.ndarray:
    """An 8-bit greyscale copy of an image given as HxW, HxWx3 (RGB) or HxWx4 (RGBA)."""
    if image.ndim == 2:
        grey = image
    elif image.ndim == 3 and image.shape[2] == 3:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    elif image.ndim == 3 and image.shape[2] == 4:
        grey = cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    else:
        raise ValueError(f"a line image is HxW, HxWx3 or HxWx4, not shape {image.shape}")
    if grey.dtype != np.uint8:
        raise ValueError(f"a line image holds 8-bit pixels, not {grey.dtype}")
    return grey


def line_crop(image: np.ndarray, polygon: list[tuple[float, float]], pad: float = 0.12) -> np.ndarray:
    """The axis-aligned crop around a line polygon with a margin of ``pad`` x its height (plus 2 px),
    clipped to the image: the one crop of training lines and of lines read by the pipeline."""
    pts = np.asarray(polygon)
    x0, y0 = pts.min(0)
    x1, y1 = pts.max(0)
    m = (y1 - y0) * pad + 2
    h, w = image.shape[:2]
    xa, ya, xb, yb = (int(v) for v in (max(0, x0 - m), max(0, y0 - m), min(w, x1 + m), min(h, y1 + m)))
    return image[ya:yb, xa:xb]


def resize_line(image: np.ndarray, spec: InputSpec) -> np.ndarray:
    """The line at the spec's height, aspect kept (width clipped to the spec), float32 in [0, 1]."""
    grey = to_grey(image)
    h, w = grey.shape
    if h == 0 or w == 0:
        raise ValueError("an empty line image")
    width = int(round(w * spec.height / h))
    width = min(max(width, spec.min_width), spec.max_width)
    interp = cv2.INTER_AREA if h > spec.height else cv2.INTER_LINEAR
    return cv2.resize(grey, (width, spec.height), interpolation=interp).astype(np.float32) / 255.0


def batch_lines(lines: list[np.ndarray], spec: InputSpec) -> tuple[np.ndarray, np.ndarray]:
    """Resized lines (from :func:`resize_line`) padded with paper into one (B, 1, H, W) array;
    also returns each line's width."""
    widths = np.array([ln.shape[1] for ln in lines], np.int64)
    width = int(-(-widths.max() // spec.width_multiple) * spec.width_multiple)
    out = np.ones((len(lines), 1, spec.height, width), np.float32)
    for i, ln in enumerate(lines):
        out[i, 0, :, : ln.shape[1]] = ln
    return out, widths
