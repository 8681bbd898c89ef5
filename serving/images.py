"""Images served to reviewers: a record cut out of its page(s) and the crop of one field."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from ocr.export.record_files import crop_record

MAX_RECORD_WIDTH = 1800  # px sent to the browser
FIELD_MARGIN = 12  # px around a field's region


@lru_cache(maxsize=6)
def _page(path: str, mtime: float) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def page_pixels(path: str | Path, width: int, height: int) -> tuple[np.ndarray, float, float]:
    """The page image and the scale from draft coordinates to its pixels."""
    p = Path(path)
    try:
        image = _page(str(p), p.stat().st_mtime)
    except OSError:
        raise FileNotFoundError("the page image is missing on the server; ask the administrator to restore "
                                "the book's scans") from None
    return image, image.shape[1] / width, image.shape[0] / height


def jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def stacked(crops: list[np.ndarray], gap: int = 8) -> np.ndarray:
    """Crops top to bottom on white, left-aligned (the halves of a spread record, one above the other,
    so that each stays wide on a laptop screen)."""
    width = max(c.shape[1] for c in crops)
    rows = []
    for i, c in enumerate(crops):
        pad = np.full((c.shape[0] + (gap if i else 0), width, 3), 255, np.uint8)
        pad[pad.shape[0] - c.shape[0]:, : c.shape[1]] = c
        rows.append(pad)
    return np.concatenate(rows, axis=0)


def record_jpeg(parts: list[tuple[str, int, int, list]]) -> bytes:
    """The record's parts (image path, draft width, height, region) upright, one above the other."""
    crops = []
    for path, w, h, region in parts:
        image, sx, sy = page_pixels(path, w, h)
        crops.append(crop_record(image, np.asarray(region, np.float64) * (sx, sy)).image)
    out = stacked(crops)
    if out.shape[1] > MAX_RECORD_WIDTH:
        scale = MAX_RECORD_WIDTH / out.shape[1]
        out = np.asarray(Image.fromarray(out).resize((MAX_RECORD_WIDTH, max(1, round(out.shape[0] * scale))),
                                                     Image.LANCZOS))
    return jpeg(out)


def field_jpeg(path: str, w: int, h: int, region: list) -> bytes:
    """The bounding box of a field's region (plus a margin) on its page."""
    image, sx, sy = page_pixels(path, w, h)
    pts = np.asarray(region, np.float64) * (sx, sy)
    x0, y0 = np.floor(pts.min(0) - FIELD_MARGIN).astype(int)
    x1, y1 = np.ceil(pts.max(0) + FIELD_MARGIN).astype(int)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(image.shape[1], x1), min(image.shape[0], y1)
    if x1 <= x0 or y1 <= y0:
        raise FileNotFoundError("this field lies outside its page image")
    return jpeg(np.ascontiguousarray(image[y0:y1, x0:x1]), quality=90)
