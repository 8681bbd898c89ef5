"""One image file per record (JPEG and PDF), each at most ``max_bytes`` and still legible.

A record is cut out of its page along the minimum-area rectangle of its region (plus a margin),
rotated upright; a record that runs across a spread becomes its left and right crops side by
side. The file is then made to fit: colour JPEG at quality 85 down to 40, then smaller scales,
then greyscale, never below the legibility floor::

    scale >= max(MIN_X_HEIGHT_PX / x-height, MIN_DPI / page dpi)

The x-height (height of the letters' body, without ascenders and descenders) is measured on the
record's own handwritten lines; the page resolution comes from the template's paper size. A
record that cannot fit above the floor is an error naming the file: raise ``max_bytes`` or check
the scan.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ocr.export.records import BookRecord, book_records, page_template
from ocr.schema import Page

DEFAULT_PATTERN = "{book}.{year}.{volume}.{number}"
MIN_X_HEIGHT_PX = 12.0
MIN_DPI = 100.0
QUALITIES = (85, 75, 65, 55, 47, 40)
SCALE_STEP = 0.85
MARGIN_PX = 10
_GAP_PX = 12  # white gap between the left and right halves of a spread record


@dataclass
class RecordCrop:
    """A deskewed crop and the affine transform (2x3) from page pixels to crop pixels."""

    image: np.ndarray
    transform: np.ndarray


def crop_record(image: np.ndarray, polygon: Sequence[tuple[float, float]],
                margin: float = MARGIN_PX) -> RecordCrop:
    """Cut ``polygon``'s minimum-area rectangle (grown by ``margin`` px) out of ``image``, upright.

    The rectangle's angle is taken within +-45 degrees, so a record is never turned on its side.
    Pixels outside the page are white.
    """
    pts = np.asarray(polygon, np.float32)
    (cx, cy), (w, h), angle = cv2.minAreaRect(pts)
    if angle > 45:
        angle, w, h = angle - 90, h, w
    elif angle < -45:
        angle, w, h = angle + 90, h, w
    out_w, out_h = int(np.ceil(w + 2 * margin)), int(np.ceil(h + 2 * margin))
    m = cv2.getRotationMatrix2D((float(cx), float(cy)), float(angle), 1.0)
    m[0, 2] += out_w / 2 - cx
    m[1, 2] += out_h / 2 - cy
    white = (255,) * (image.shape[2] if image.ndim == 3 else 1)
    crop = cv2.warpAffine(image, m, (out_w, out_h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=white)
    return RecordCrop(crop, m)


def x_height(grey: np.ndarray, polygons: Sequence[np.ndarray]) -> float | None:
    """Median x-height in pixels of the handwritten lines inside ``grey`` (polygons in its pixels).

    Per line: the rows whose ink count reaches half the busiest row's (ruled lines, rows almost
    all ink, are ignored); None when no line has ink.
    """
    heights = []
    for poly in polygons:
        x0, y0 = np.floor(poly.min(0)).astype(int)
        x1, y1 = np.ceil(poly.max(0)).astype(int)
        x0, y0 = max(x0, 0), max(y0, 0)
        patch = grey[y0:y1, x0:x1]
        if patch.size < 16:
            continue
        mask = np.zeros(patch.shape, np.uint8)
        cv2.fillPoly(mask, [np.round(poly - (x0, y0)).astype(np.int32)], 1)
        _, ink = cv2.threshold(patch, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        rows = (ink & mask).sum(1).astype(float)
        rows[rows > 0.8 * patch.shape[1]] = 0
        if rows.max() <= 0:
            continue
        heights.append(float((rows >= 0.5 * rows.max()).sum()))
    return float(np.median(heights)) if heights else None


def page_dpi(page: Page) -> float | None:
    """The page image's resolution from its template's paper width; None if unknown."""
    template = page_template(page.template_id)
    return page.image.width / (template.page.width_mm / 25.4) if template else None


def _side_by_side(crops: list[np.ndarray]) -> np.ndarray:
    if len(crops) == 1:
        return crops[0]
    height = max(c.shape[0] for c in crops)
    parts = []
    for i, c in enumerate(crops):
        pad = np.full((height, c.shape[1] + (_GAP_PX if i else 0), *c.shape[2:]), 255, c.dtype)
        pad[: c.shape[0], pad.shape[1] - c.shape[1]:] = c
        parts.append(pad)
    return np.concatenate(parts, axis=1)


def record_image(rec: BookRecord,
                 images: dict[str, np.ndarray]) -> tuple[np.ndarray, float | None, float | None]:
    """The record's image (spread halves side by side), its x-height in px and the page dpi."""
    crops, polys = [], []
    for page, part in rec.parts:
        image = images[page.id]
        sx, sy = image.shape[1] / page.image.width, image.shape[0] / page.image.height
        crop = crop_record(image, np.asarray(part.region, np.float64) * (sx, sy))
        crops.append(crop.image)
        for f in part.fields:
            for ln in f.lines:
                if ln.strikethrough or len(ln.polygon) < 3:
                    continue
                pts = np.asarray(ln.polygon, np.float64) * (sx, sy)
                polys.append((len(crops) - 1, cv2.transform(pts[None], crop.transform)[0]))
    heights = [
        h for i, c in enumerate(crops)
        if (h := x_height(_grey(c), [p for j, p in polys if j == i])) is not None
    ]
    page = rec.first_page
    dpi = page_dpi(page)
    if dpi is not None:
        dpi *= images[page.id].shape[1] / page.image.width
    return _side_by_side(crops), (float(np.median(heights)) if heights else None), dpi


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def legibility_floor(x_height_px: float | None, dpi: float | None) -> float:
    """The smallest scale that keeps the x-height >= 12 px and the resolution >= 100 dpi (<= 1)."""
    floors = [MIN_X_HEIGHT_PX / x_height_px if x_height_px else 0.0, MIN_DPI / dpi if dpi else 0.0]
    if x_height_px is None and dpi is None:
        return 1.0  # nothing known about the writing: do not shrink it
    return min(1.0, max(floors))


@dataclass
class Encoded:
    """An encoding that fits: JPEG and PDF bytes and the settings that made them."""

    jpeg: bytes
    pdf: bytes
    scale: float
    quality: int
    grey: bool


def _encode(pil: Image.Image, quality: int, dpi: float) -> tuple[bytes, bytes]:
    opts = dict(quality=quality, optimize=True, dpi=(dpi, dpi))
    jpg, pdf = io.BytesIO(), io.BytesIO()
    pil.save(jpg, "JPEG", **opts)
    pil.save(pdf, "PDF", resolution=dpi, **opts)  # embeds the same JPEG stream (DCTDecode)
    return jpg.getvalue(), pdf.getvalue()


def fit_record(image: np.ndarray, *, max_bytes: int, floor: float, dpi: float | None,
               formats: tuple[str, ...]) -> Encoded:
    """The first encoding, best first, whose requested formats are all <= ``max_bytes``."""
    scales = [1.0]
    while scales[-1] * SCALE_STEP > floor:
        scales.append(scales[-1] * SCALE_STEP)
    if floor < scales[-1]:
        scales.append(floor)
    base = Image.fromarray(image)
    smallest = None
    for grey in (False, True):
        src = base.convert("L") if grey else base.convert("RGB")
        for scale in scales:
            size = (max(1, round(src.width * scale)), max(1, round(src.height * scale)))
            im = src if scale == 1.0 else src.resize(size, Image.LANCZOS)
            for q in QUALITIES:
                jpg, pdf = _encode(im, q, (dpi or 150.0) * scale)
                sizes = [len(jpg) if f == "jpg" else len(pdf) for f in formats]
                if max(sizes) <= max_bytes:
                    return Encoded(jpg, pdf, scale, q, grey)
                smallest = max(sizes) if smallest is None else min(smallest, max(sizes))
    raise ValueError(
        f"cannot fit the record into {max_bytes} bytes without going below the legibility floor "
        f"(scale {floor:.2f}); the smallest encoding was {smallest} bytes: raise max_bytes or check "
        "the record's region"
    )


def _sanitize(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def record_stem(rec: BookRecord, pattern: str = DEFAULT_PATTERN) -> str:
    """The file name (without extension) of a record: ``pattern`` with book, year, volume,
    number, page filled in and sanitized. An unknown number becomes ``p<page>r<row>``."""
    page, part = rec.parts[0]
    so = rec.field("so")
    number = rec.number or (so.value or so.raw_text if so is not None else "") or ""
    if not number.strip():
        number = f"p{page.book.page_number}r{page.records.index(part) + 1}"
    values = {
        "book": page.book.book_type.value, "year": page.book.year, "volume": page.book.volume,
        "number": number.strip(), "page": page.book.page_number,
    }
    try:
        name = pattern.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            f"file-name pattern {pattern!r} is not usable ({exc}); use the fields "
            "{book}, {year}, {volume}, {number}, {page}"
        ) from None
    return ".".join(_sanitize(p) for p in name.split("."))


def write_record_files(pages: Sequence[tuple[Page, np.ndarray]], out_dir: Path, *,
                       pattern: str = DEFAULT_PATTERN, max_bytes: int = 100_000,
                       formats: tuple[str, ...] = ("pdf", "jpg")) -> list[Path]:
    """Write one file per record and format (``<pattern>.jpg``, ``<pattern>.pdf``); return paths.

    ``pages`` are (page, RGB or greyscale image) pairs in book order; a record on the left and
    right page of a spread makes one file. Names that collide get ``_2``, ``_3``... so no record
    overwrites another's file.
    """
    unknown = sorted(set(formats) - {"jpg", "pdf"})
    if unknown or not formats:
        raise ValueError(f"unknown record file formats {unknown or formats}; use 'jpg' and/or 'pdf'")
    images = {page.id: image for page, image in pages}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    written: list[Path] = []
    for rec in book_records([p for p, _ in pages]):
        stem = base = record_stem(rec, pattern)
        n = 1
        while stem.lower() in used:
            n += 1
            stem = f"{base}_{n}"
        used.add(stem.lower())
        image, xh, dpi = record_image(rec, images)
        try:
            enc = fit_record(image, max_bytes=max_bytes, floor=legibility_floor(xh, dpi), dpi=dpi,
                             formats=formats)
        except ValueError as exc:
            raise ValueError(f"{stem}: {exc}") from None
        for fmt in formats:
            path = out_dir / f"{stem}.{fmt}"
            path.write_bytes(enc.jpeg if fmt == "jpg" else enc.pdf)
            written.append(path)
    return written
