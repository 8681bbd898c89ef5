"""Write rendered pages to disk: page image + JSON, line crops + labels.tsv, contact sheets."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr.htr.preprocess import line_crop
from ocr.schema import Page
from training.synth.fonts import print_font
from training.synth.render import RenderedPage

JPEG_QUALITY = 90


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG bytes of an RGB (or greyscale) image; deterministic for the same pixels."""
    img = rgb[..., ::-1] if rgb.ndim == 3 else rgb
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def write_page(rendered: RenderedPage, out_dir: Path) -> Page:
    """Write ``<id>.jpg`` and ``<id>.json`` (the schema, with the image's sha256)."""
    data = encode_jpeg(rendered.image)
    page = rendered.page.model_copy(deep=True)
    page.image.sha256 = hashlib.sha256(data).hexdigest()
    (out_dir / page.image.path).write_bytes(data)
    page.save(out_dir / f"{page.id}.json")
    return page


def write_lines(rendered: RenderedPage, out_dir: Path, *, include_printed: bool = False) -> list[tuple[str, str]]:
    """Crop every legible handwritten line (not struck out, not in an unreadable field) as a
    greyscale JPEG under ``out_dir/lines/``; return (relative path, text) rows for labels.tsv."""
    grey = cv2.cvtColor(rendered.image, cv2.COLOR_RGB2GRAY)
    rows = []
    lines = [ln for r in rendered.page.records for f in r.fields if f.status == "filled" for ln in f.lines]
    lines += [ln for reg in rendered.page.regions if reg.kind == "margin_note" or include_printed for ln in reg.lines]
    (out_dir / "lines").mkdir(parents=True, exist_ok=True)
    for ln in lines:
        if ln.strikethrough or not ln.text.strip():
            continue
        crop = line_crop(grey, ln.polygon)
        if crop.size == 0:
            continue
        rel = f"lines/{rendered.page.id}_{ln.id}.jpg"
        (out_dir / rel).write_bytes(encode_jpeg(crop))
        rows.append((rel, ln.text))
    return rows


def contact_sheet(paths: list[Path], out: Path, *, cols: int = 4, thumb_height: int = 560) -> None:
    """A grid of page thumbnails of equal height captioned with their file names, saved as PNG."""
    font = ImageFont.truetype(str(print_font()), 18)
    thumbs = []
    for p in paths:
        im = Image.open(p).convert("RGB")
        thumbs.append((p.stem, im.resize((max(1, int(im.width * thumb_height / im.height)), thumb_height),
                                         Image.LANCZOS)))
    cell_w = max(im.width for _, im in thumbs) + 10
    cell_h = thumb_height + 34
    rows = -(-len(thumbs) // cols)
    sheet = Image.new("RGB", (cols * cell_w + 10, rows * cell_h + 10), (90, 90, 90))
    draw = ImageDraw.Draw(sheet)
    for i, (name, im) in enumerate(thumbs):
        x, y = 10 + (i % cols) * cell_w, 10 + (i // cols) * cell_h
        sheet.paste(im, (x, y))
        draw.text((x, y + thumb_height + 6), name, font=font, fill=(255, 255, 255))
    sheet.save(out, optimize=True)
