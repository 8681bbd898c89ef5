"""Layout training pages from labelled schema pages: annotators' pages pulled from Label Studio
(``hotich annotate pull``: ``pages/<id>.json`` + image) and ``hotich synth`` output
(``<id>.json`` + ``<id>.jpg``).

The target maps (``MAP_CHANNELS``) are drawn from the page's polygons, as the renderer draws
its own from clean geometry: rules along the ruled edges (table cells, or the borders of the
blocks of a block template) at the renderer's width, handwritten line masks and cores from line
polygons, printed text as the ink inside printed regions (titles, headers, labels, page numbers).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from pydantic import ValidationError

from ocr.evaluation.layout import load_rgb
from ocr.layout.maps import MAP_CHANNELS, MapSpec
from ocr.schema import Line, Page
from ocr.templates import BlocksLayout, LedgerTemplate, TemplateError, load_template
from training.layout.data import model_scale, save_page
from training.synth.layout import BLOCK_INSET_MM, BLOCK_RULE, HEAVY_RULE, LIGHT_RULE
from training.synth.maps import line_masks, widen_rules
from training.synth.printing import rule_thickness
from training.synth.render import PX_PER_MM

log = logging.getLogger(__name__)

PRINTED_KINDS = ("title", "header", "page_number")  # regions of printed text; other lines are handwritten
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
SUBPIXEL_BITS = 4  # rules are drawn to 1/16 px
SUBPIXEL = 1 << SUBPIXEL_BITS
INK_BLOCK, INK_C = 31, 12  # adaptive threshold (block px, offset) that separates printed ink from paper

Outline = tuple[np.ndarray, float]  # a ruled closed polygon (page pixels) and its rule weight


@lru_cache(maxsize=32)
def _template(template_id: str) -> LedgerTemplate | None:
    try:
        return load_template(template_id)
    except TemplateError:
        return None


def px_per_mm(page: Page) -> float:
    """The page image's resolution, from its template's paper width (the synthetic default when
    the template is unknown)."""
    t = _template(page.template_id)
    return page.image.width / t.page.width_mm if t else PX_PER_MM


def _rect_around(points: np.ndarray, grow: tuple[float, float]) -> np.ndarray:
    """The smallest (rotated) rectangle around ``points``, grown by ``grow`` (x, y) px on each side."""
    (cx, cy), (w, h), angle = cv2.minAreaRect(points.astype(np.float32))
    if w < h:  # keep the width along the page's x axis
        w, h, angle = h, w, angle - 90
    return cv2.boxPoints(((cx, cy), (w + 2 * grow[0], h + 2 * grow[1]), angle)).astype(np.float64)


def ruled_outlines(page: Page) -> list[Outline] | None:
    """The closed polygons whose edges are printed rules: the table cells and the table outline,
    or for a block template each block's border (its record region, else its cells grown by the
    block's inset). None when the page says nothing about its ruling (no grid, no blocks)."""
    t = _template(page.template_id)
    if t is not None and isinstance(t.layout, BlocksLayout):
        regions = {r.id: np.asarray(r.region, np.float64) for r in page.records if len(r.region) >= 3}
        cells: dict[str, list[np.ndarray]] = {}
        for c in page.grid.cells if page.grid else []:
            if c.record_id is not None and c.record_id not in regions:
                cells.setdefault(c.record_id, []).append(np.asarray(c.polygon, np.float64))
        s = px_per_mm(page)
        grow = (BLOCK_INSET_MM[0] * s, BLOCK_INSET_MM[1] * s)
        blocks = list(regions.values()) + [_rect_around(np.vstack(polys), grow) for polys in cells.values()]
        return [(b, BLOCK_RULE) for b in blocks] or None
    if page.grid is None or not page.grid.cells:
        return None
    outlines = [(np.asarray(c.polygon, np.float64), LIGHT_RULE) for c in page.grid.cells if len(c.polygon) >= 3]
    if page.grid.region and len(page.grid.region) >= 3:
        outlines.append((np.asarray(page.grid.region, np.float64), HEAVY_RULE))
    return outlines


def rule_maps(outlines: Iterable[Outline], shape: tuple[int, int], px_per_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """(hrule, vrule) uint8 masks of the outlines' edges on a page of ``shape`` (h, w): each edge
    goes to the channel of its direction, as wide as the renderer's (its anti-aliased pen, cut
    where the renderer cuts it, is as wide as a sub-pixel aliased one), then widened alike."""
    drawn = {"h": np.zeros(shape, np.uint8), "v": np.zeros(shape, np.uint8)}
    for poly, weight in outlines:
        thickness = rule_thickness(weight, px_per_mm)
        ends = np.round(poly * SUBPIXEL).astype(np.int64)
        for a, b in zip(ends, np.roll(ends, -1, axis=0)):
            key = "h" if abs(b[0] - a[0]) >= abs(b[1] - a[1]) else "v"
            cv2.line(drawn[key], (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 255, thickness, cv2.LINE_8,
                     SUBPIXEL_BITS)
    return widen_rules(drawn["h"], px_per_mm), widen_rules(drawn["v"], px_per_mm)


def _fill(polygons: Iterable[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for poly in polygons:
        if len(poly) >= 3:
            cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 255)
    return mask


def print_map(page: Page, shape: tuple[int, int], image: np.ndarray | None = None, *,
              scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """Printed text: the dark ink of ``image`` inside the printed regions' lines (the region
    itself where it has none); the areas filled when there is no image."""
    sx, sy = scale
    areas = [np.asarray(ln.polygon, np.float64) * [sx, sy] for reg in page.regions if reg.kind in PRINTED_KINDS
             for ln in (reg.lines or [reg])]
    mask = _fill(areas, shape)
    if image is None:
        return mask
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, INK_BLOCK, INK_C)
    return mask & ink


def handwritten_lines(page: Page) -> list[Line]:
    """Every handwritten line of a page: fields' lines, then those of non-printed regions (notes...)."""
    lines = [ln for r in page.records for f in r.fields for ln in f.lines]
    return lines + [ln for reg in page.regions if reg.kind not in PRINTED_KINDS for ln in reg.lines]


def page_maps_from_schema(page: Page, shape: tuple[int, int], image: np.ndarray | None = None) -> np.ndarray:
    """H x W x C uint8 target maps (``MAP_CHANNELS`` order) of ``page`` on an image of ``shape``
    (h, w), drawn from its polygons (scaled from the page's image size to ``shape``). ``image``
    (RGB, that shape) makes the printed-text channel its ink rather than filled text boxes.
    Raises ValueError when the page says nothing about its ruling."""
    h, w = shape
    sx, sy = w / page.image.width, h / page.image.height
    outlines = ruled_outlines(page)
    if outlines is None:
        raise ValueError(f"page {page.id}: its rules are unknown (no table grid cells, nor a block template's "
                         "records); label its grid or leave the page out of layout training")
    res = px_per_mm(page) * sx
    hrule, vrule = rule_maps([(poly * [sx, sy], weight) for poly, weight in outlines], shape, res)
    lines = [np.asarray(ln.polygon, np.float64) * [sx, sy] for ln in handwritten_lines(page)]
    line, core = line_masks(lines, (w, h))
    channels = {"hrule": hrule, "vrule": vrule, "print": print_map(page, shape, image, scale=(sx, sy)),
                "line": line, "core": core}
    return np.dstack([channels[name] for name in MAP_CHANNELS])




@dataclass
class PagesReport:
    """What :func:`build_pages` did: the training pages written, and the page files left out, each
    with its reason (page ids and paths only, no page content)."""

    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (page file relative to src, reason)


def find_image(json_path: Path, page: Page) -> Path | None:
    """The image of a page file: its ``image.path`` (relative to the file, or absolute), else a file
    of the same stem beside it (.jpg, .png, .tif)."""
    ref = Path(page.image.path)
    candidates = [ref if ref.is_absolute() else json_path.parent / ref]
    candidates += [json_path.with_suffix(s) for s in IMAGE_SUFFIXES]
    return next((p for p in candidates if p.is_file()), None)


def _convert(path: Path, seen: dict[str, Path], src: Path, out: Path, spec: MapSpec) -> Path | str:
    """The training page written for one page file, or why it was left out."""
    try:
        page = Page.load(path)
    except (ValueError, ValidationError) as exc:  # pydantic's own message would quote the content
        return f"not a schema {Page.model_fields['schema_version'].default} page ({type(exc).__name__})"
    if page.id in seen:
        return f"page id {page.id} also in {seen[page.id].relative_to(src)}"
    image_path = find_image(path, page)
    if image_path is None:
        return f"no image (neither {page.image.path} nor {path.stem}.jpg/.png beside it)"
    if ruled_outlines(page) is None:
        return "its rules are unknown: no table grid (cells), nor a block template's records"
    try:
        image = load_rgb(image_path)
    except ValueError:
        return f"image {image_path.name} cannot be read"
    seen[page.id] = path
    maps = page_maps_from_schema(page, image.shape[:2], image)
    return save_page(out / f"{page.id}.npz", *model_scale(image, maps, spec))


def build_pages(src: Path, out: Path, spec: MapSpec = MapSpec()) -> PagesReport:
    """Training pages (``out/<page id>.npz``, as :mod:`training.layout.data` stores rendered ones)
    from every page JSON under ``src`` and its image; every file left out is in the report."""
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise FileNotFoundError(f"{src} is not a folder; give the folder of page JSON files "
                                "(`hotich annotate pull` OUT/pages, or `hotich synth` output)")
    out.mkdir(parents=True, exist_ok=True)
    report, seen = PagesReport(), {}
    for path in sorted(src.rglob("*.json")):
        done = _convert(path, seen, src, out, spec)
        if isinstance(done, Path):
            report.written.append(done)
        else:
            report.skipped.append((str(path.relative_to(src)), done))
    return report


def page_dataset(src: Path, out: Path, spec: MapSpec = MapSpec()) -> list[Path]:
    """Layout training pages from the labelled pages under ``src`` (see :func:`build_pages`) written
    to ``out``; returns their paths and logs a warning for every page file left out, and why."""
    report = build_pages(src, out, spec)
    for name, reason in report.skipped:
        log.warning("layout pages: left out %s: %s", name, reason)
    if report.skipped:
        log.warning("layout pages: %d written from %s, %d left out", len(report.written), src, len(report.skipped))
    return report.written
