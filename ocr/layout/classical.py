"""The classical layout baseline: adaptive binarisation, morphological ruling, template matching,
ink components as text lines. No learned model; the fallback and the yardstick for one."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Protocol

import numpy as np

from ocr.layout.base import LayoutResult
from ocr.layout.deskew import PageTransform, binarize, correct, gray_channel
from ocr.layout.grid import Curve, cell_polygon, find_lines, long_only, ruling_masks
from ocr.layout.headers import HeaderMatcher, header_reader
from ocr.layout.template_match import (
    MATCH_TOL, align_refined, best_row_count, bilinear, block_frames, column_bounds, header_fraction, slot_weights,
)
from ocr.layout.textlines import (
    assign, dotted_rules, group_lines, join_rows, outline, slot_index, split_at_slots, text_components, which_slot,
)
from ocr.schema import Cell, Field, Line, Record, Region, TableGrid
from ocr.templates import BlocksLayout, FieldSpec, LedgerTemplate, RowsLayout

EDGE_TOL = 0.03  # a table rule ends no further (share of the table width) beyond the table's edges


@dataclass
class Slots:
    """The page's table in working-image pixels: cells, and per record its region and slots."""

    rows: int
    cols: int
    region: list[tuple[float, float]] | None
    cells: list[Cell] = field(default_factory=list)
    records: list[tuple[list[tuple[float, float]], list[tuple[FieldSpec, np.ndarray]]]] = field(default_factory=list)
    side: str = "single"


class ClassicalLayoutAnalyzer:
    """Morphological line finding + template matching; see the module docstring. ``headers``:
    columns matched by their printed headers and widths (:mod:`ocr.layout.headers`), else at the
    template's width positions (:func:`ocr.layout.template_match.align_refined`)."""

    name = "classical"

    def __init__(self, deskew: bool = True, orientation: bool = False, line_finder: LineFinder | None = None,
                 headers: bool = True):
        self.deskew = deskew
        self.orientation = orientation
        self.line_finder = line_finder
        self.headers = headers
        if line_finder is not None:
            self.name = f"classical+{line_finder.name}"

    def analyze(self, image: np.ndarray, template: LedgerTemplate, side: str | None = None) -> LayoutResult:
        portrait = template.page.height_mm > template.page.width_mm
        if self.deskew:
            work, tf = correct(image, orientation=self.orientation, portrait=portrait)
        else:
            h, w = image.shape[:2]
            work, tf = image, PageTransform(np.array([[1.0, 0, 0], [0, 1.0, 0]]), (w, h))
        # blocks are written on dotted lines: px per mm to find them (None: a ruled table has none)
        dotted = work.shape[1] / template.page.width_mm if template.layout.kind == "blocks" else None
        found = self.page_structure(work, dotted)
        headers = self._matcher(work)
        slots, warnings = fit_grid(found.hmask, found.vmask, template, side, headers)
        if warnings:  # a grid that did not fit: try the fallback ruling, keep the better fit
            alt = self.fallback_ruling(work)
            if alt is not None:
                alt_slots, alt_warnings = fit_grid(*alt, template, side, headers)
                if len(alt_warnings) < len(warnings):
                    slots, warnings = alt_slots, alt_warnings
        flat = [(r, spec, poly) for r, (_, fs) in enumerate(slots.records) for spec, poly in fs]
        lines = found.lines([p for _, _, p in flat])
        return assemble(slots, flat, lines, found.printed, tf, warnings)

    def _matcher(self, work: np.ndarray) -> HeaderMatcher | None:
        """Column matching by headers and relative widths on this page (by relative widths alone
        where no recognizer is found), or None: by the template's widths at their positions."""
        return HeaderMatcher(work, header_reader()) if self.headers else None

    def fallback_ruling(self, work: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Ruling masks to fit the grid on when the analyzer's own do not fit (None: no fallback)."""
        return None

    def page_structure(self, work: np.ndarray, dotted: float | None = None) -> PageStructure:
        """Ruling masks from morphology on the binarized working image, text lines from its ink;
        ``dotted``: px per mm of a page written on dotted lines, whose dots are no writing."""
        binary = binarize(gray_channel(work))
        hmask, vmask = ruling_masks(binary)
        dots = dotted_rules(binary, dotted) if dotted else None
        return PageStructure(hmask, vmask, lambda slots: self._lines(work, binary, hmask, vmask, slots, dots))

    def _lines(self, work: np.ndarray, binary: np.ndarray, hmask: np.ndarray, vmask: np.ndarray,
               slots: list[np.ndarray], dots: np.ndarray | None = None) -> list[list[tuple[np.ndarray, np.ndarray]]]:
        """(polygon, baseline) of the text lines in each slot, top to bottom."""
        out: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in slots]
        if self.line_finder is not None:
            return lines_in_slots(self.line_finder.find(work), slots, binary.shape)
        h, w = binary.shape
        ruling = long_only(hmask, True, w // 10) | long_only(vmask, False, h // 10)
        ruling = ruling | dots if dots is not None else ruling
        comps = text_components(binary, ruling)
        for k, ids in enumerate(assign(comps, slots, binary.shape)):
            out[k] = [outline(comps, ln) for ln in group_lines(comps, ids)]
        return out


SlotLines = Callable[[list[np.ndarray]], list[list[tuple[np.ndarray, np.ndarray]]]]
"""Slot polygons -> (polygon, baseline) of the text lines in each slot, top to bottom."""


@dataclass
class PageStructure:
    """What an analyzer sees on the working image before fitting the template: ruling masks
    (255 = rule), a text-line finder for slots, and printed text blocks (box polygons)."""

    hmask: np.ndarray
    vmask: np.ndarray
    lines: SlotLines
    printed: list[np.ndarray] = field(default_factory=list)


def fit_grid(hmask: np.ndarray, vmask: np.ndarray, template: LedgerTemplate, side: str | None,
             headers: HeaderMatcher | None = None) -> tuple[Slots, list[str]]:
    """The template fitted on the ruling masks: rows and columns (matched by ``headers`` and
    widths, or by widths alone), or the block frames; and the warnings of what did not fit."""
    warnings: list[str] = []
    if isinstance(template.layout, BlocksLayout):
        return fit_blocks(hmask | vmask, template, warnings), warnings
    return fit_rows(hmask, vmask, template, side, warnings, headers), warnings


def assemble(slots: Slots, flat: list[tuple[int, FieldSpec, np.ndarray]],
             found: list[list[tuple[np.ndarray, np.ndarray]]], printed: list[np.ndarray], tf: PageTransform,
             warnings: list[str]) -> LayoutResult:
    """The layout result in input-image coordinates: records with their fields' slots and lines
    (records without any line are left out: empty rows), the grid and its cells, and the printed
    blocks as regions (a title above the table, headers in it)."""
    fields: dict[int, list[Field]] = {}
    for (r, spec, poly), outlines in zip(flat, found):
        lines = [Line(id=f"r{r}-{spec.key}-l{n}", polygon=_pts(tf, p), baseline=_pts(tf, b))
                 for n, (p, b) in enumerate(outlines)]
        fields.setdefault(r, []).append(Field(key=spec.key, region=_pts(tf, poly), lines=lines))
    records = [Record(id=f"r{r}", region=_pts(tf, region), fields=fields.get(r, []))
               for r, (region, _) in enumerate(slots.records)
               if any(f.lines for f in fields.get(r, []))]
    cells = [c.model_copy(update={"polygon": _pts(tf, c.polygon)}) for c in slots.cells]
    for c in cells:
        if c.record_id is not None and not any(r.id == c.record_id for r in records):
            c.record_id = None
    grid = TableGrid(rows=slots.rows, cols=slots.cols, cells=cells,
                     region=_pts(tf, slots.region) if slots.region else None)
    top = min((y for _, y in slots.region), default=None) if slots.region else None
    regions = [Region(id=f"print{k}", kind="title" if top is not None and box[:, 1].max() < top else "header",
                      polygon=_pts(tf, box)) for k, box in enumerate(printed)]
    return LayoutResult(grid=grid, records=records, regions=regions, side=slots.side, angle=tf.angle,
                        orientation=tf.orientation, warnings=warnings)


class LineFinder(Protocol):
    """A text-line detector run on the corrected page: (polygon, baseline) per line."""

    name: str

    def find(self, image: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        ...


def lines_in_slots(found: list[tuple[np.ndarray, np.ndarray]], slots: list[np.ndarray],
                   shape: tuple[int, int]) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Page-wide (polygon, baseline) lines given to the slots they lie in (lines outside every slot
    are dropped), in reading order in each slot, pieces of one row joined
    (:func:`~ocr.layout.textlines.join_rows`). A line written across a cell's edge into the next
    cell's writing (two fields' ink touching, found as one line) is cut at the edge
    (:func:`~ocr.layout.textlines.split_at_slots`)."""
    out: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in slots]
    index = slot_index(slots, shape)
    for line in found:
        for k, piece in split_at_slots(line, index):
            out[k].append(piece)
    return [join_rows(lines) for lines in out]


def _pts(tf: PageTransform, poly) -> list[tuple[float, float]]:
    return [(x, y) for x, y in np.round(tf.to_input(np.asarray(poly, float)), 1).tolist()]


def fit_rows(hmask: np.ndarray, vmask: np.ndarray, t: LedgerTemplate, side: str | None,
             warnings: list[str], headers: HeaderMatcher | None = None) -> Slots:
    layout = t.layout
    assert isinstance(layout, RowsLayout)
    h, w = hmask.shape
    hl = [c for c in find_lines(hmask, True, min_len=w // 25) if _inside(c.mid, h)]
    vl = [c for c in find_lines(vmask, False, min_len=h // 25) if _inside(c.mid, w)]
    if not hl:
        warnings.append("no horizontal ruling found; the table is assumed to fill the page")
        hl = [Curve.straight(True, 0.08 * h, 0, w), Curve.straight(True, 0.95 * h, 0, w)]
    lengths = np.array([c.hi - c.lo for c in hl])
    long_ = [c for c, n in zip(hl, lengths) if n >= 0.6 * lengths.max()]  # mostly the table's rules
    x0, x1 = float(np.median([c.lo for c in long_])), float(np.median([c.hi for c in long_]))
    row_ends = x0, x1
    # Column rules span the table's height (the paper's edges reach beyond it); the outer ones fix
    # the table's width better than the ends of row rules, which a curled corner can cut short.
    vy0, vy1 = _column_span(vl, h)
    vh = vy1 - vy0
    vt = [c for c in vl if c.hi - c.lo > 0.3 * vh and c.lo >= vy0 - 0.05 * vh and c.hi <= vy1 + 0.05 * vh]
    outer = [c for c in vt if c.hi - c.lo > 0.6 * vh]
    if len(outer) >= 2 and outer[-1].mid - outer[0].mid > 0.7 * (x1 - x0):
        x0, x1 = outer[0].mid, outer[-1].mid
    tw = x1 - x0
    vt = [c for c in vt if x0 - 0.03 * tw <= c.mid <= x1 + 0.03 * tw]
    inside = [c for c in hl if c.lo >= x0 - EDGE_TOL * tw and c.hi <= x1 + EDGE_TOL * tw
              and vy0 - 0.02 * h <= c.mid <= vy1 + 0.02 * h]
    # Record rules run from one side of the table across most of it, possibly broken (a curled
    # corner can cut the other end off); sub-row and group rules reach neither side that far.
    # The table's sides are its outer column rules or where the long row rules end, whichever lets a
    # rule count: a skewed photo's paper edges can pass for outer column rules.
    full = [c for c in inside if _full_width(c, x0, x1) or _full_width(c, *row_ends)]
    if len(full) < 2:
        warnings.append("fewer than two full-width rules; table top and bottom guessed")
        full = [Curve.straight(True, 0.08 * h, x0, x1), Curve.straight(True, 0.95 * h, x0, x1)]
    top, bottom = full[0], full[-1]
    th = bottom.mid - top.mid
    hf = header_fraction(t)
    body_exp = top.mid + hf * th
    near = [c for c in full[1:-1] if abs(c.mid - body_exp) < 0.35 * hf * th]
    body = min(near, key=lambda c: abs(c.mid - body_exp)) if near else top.blend(bottom, hf)
    sides = [side] if side in layout.pages else list(layout.pages)
    options = []
    for s in sides:
        cols = layout.pages[s].columns
        a = (headers.align(vt, cols, x0, x1, top, body) if headers is not None
             else align_refined(vt, column_bounds(cols, x0, x1), MATCH_TOL * tw))
        options.append((a, s))
    a, chosen = min(options, key=lambda o: o[0].cost)
    columns = layout.pages[chosen].columns
    vc = a.curves
    if not vc:
        warnings.append("no column rule matched the template; columns placed by width")
        vc = [Curve.straight(False, x, top.mid, bottom.mid) for x in column_bounds(columns, x0, x1)]
    elif a.matched < len(columns) + 1:
        warnings.append(f"{len(columns) + 1 - a.matched} column rule(s) not found; placed by template widths")
    inner = [c for c in full if body.mid + 5 < c.mid < bottom.mid - 5]
    lo, hi = layout.rows_per_page
    n, ra = best_row_count([body, *inner, bottom], body.mid, bottom.mid, range(lo, hi + 1))
    rows = ra.curves
    grouped = any(c.group for c in columns)
    head_rows = 2 if grouped else 1
    sub = max([len(c.stack) for c in columns if c.ruled] or [1])
    out = Slots(rows=head_rows + n * sub, cols=len(columns), region=cell_polygon(top, bottom, vc[0], vc[-1]),
                 side=chosen)
    for k in range(len(columns)):
        out.cells.append(Cell(row=0, col=k, row_span=head_rows, polygon=cell_polygon(top, body, vc[k], vc[k + 1]),
                              header=True))
    for r in range(n):
        y0, y1 = rows[r], rows[r + 1]
        rid = f"r{r}"
        slots: list[tuple[FieldSpec, np.ndarray]] = []
        for k, col in enumerate(columns):
            left, right = vc[k], vc[k + 1]
            if col.ruled and len(col.stack) > 1:
                for m, spec in enumerate(col.stack):
                    poly = cell_polygon(y0.blend(y1, m / sub), y0.blend(y1, (m + 1) / sub), left, right)
                    out.cells.append(Cell(row=head_rows + r * sub + m, col=k, polygon=poly, field_keys=[spec.key],
                                          record_id=rid))
                    slots.append((spec, np.asarray(poly)))
                continue
            out.cells.append(Cell(row=head_rows + r * sub, col=k, row_span=sub,
                                  polygon=cell_polygon(y0, y1, left, right),
                                  field_keys=[f.key for f in col.stack], record_id=rid))
            cuts = slot_weights(col.stack)
            for m, spec in enumerate(col.stack):
                poly = cell_polygon(y0.blend(y1, cuts[m]), y0.blend(y1, cuts[m + 1]), left, right)
                slots.append((spec, np.asarray(poly)))
        out.records.append((cell_polygon(y0, y1, vc[0], vc[-1]), slots))
    return out


def _full_width(c: Curve, x0: float, x1: float) -> bool:
    """Whether a horizontal rule runs from one side of the table (``x0``..``x1``) across most of it."""
    tw = x1 - x0
    return c.coverage >= 0.5 * tw and ((c.lo <= x0 + 0.1 * tw and c.hi >= x0 + 0.6 * tw)
                                       or (c.hi >= x1 - 0.1 * tw and c.lo <= x1 - 0.6 * tw))


def _column_span(vl: list[Curve], h: int) -> tuple[float, float]:
    """The height most long vertical rules span (the table's), or the whole page if too few."""
    extents = np.array([c.hi - c.lo for c in vl])
    long_ = [c for c, n in zip(vl, extents) if n >= 0.5 * extents.max()] if len(vl) else []
    if len(long_) < 3:
        return 0.0, float(h)
    return float(np.percentile([c.lo for c in long_], 25)), float(np.percentile([c.hi for c in long_], 75))


def _inside(pos: float, size: int, margin: float = 0.012) -> bool:
    """Not at the image border, where the paper's edge against the background reads as a rule."""
    return margin * size < pos < (1 - margin) * size


def _unit_rect(x0: float, y0: float, x1: float, y1: float, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """A rectangle's outline in unit coordinates, ``n`` points per edge (so it bends with the frame)."""
    s = np.arange(n) / n
    u = np.concatenate([x0 + (x1 - x0) * s, np.full(n, x1), x1 - (x1 - x0) * s, np.full(n, x0)])
    v = np.concatenate([np.full(n, y0), y0 + (y1 - y0) * s, np.full(n, y1), y1 - (y1 - y0) * s])
    return u, v


def fit_blocks(lines_mask: np.ndarray, t: LedgerTemplate, warnings: list[str]) -> Slots:
    layout = t.layout
    assert isinstance(layout, BlocksLayout)
    frames, opened = block_frames(lines_mask, t)
    # one warning either way: the fallback ruling is then tried, and kept only if it does better
    gaps = f" ({opened} open at a corner, closed over the gap)" if opened else ""
    if len(frames) < layout.records_per_page:
        warnings.append(f"found {len(frames)} of {layout.records_per_page} block frames{gaps}")
    elif opened:
        warnings.append(f"{opened} block frame(s) open at a corner, closed over the gap")
    top, right, bottom, left = t.page.margins_mm
    ncol = layout.block_columns
    nrow = -(-layout.records_per_page // ncol)
    bw = (t.page.width_mm - left - right - 5 * (ncol - 1)) / ncol
    bh = (t.page.height_mm - top - bottom - t.page.title_height_mm - 5 * (nrow - 1)) / nrow
    units = np.array([max(f.lines for f in row) for row in layout.rows], float)
    ys = 2.5 + np.concatenate([[0.0], np.cumsum(units)]) / units.sum() * (bh - 5)
    per_row = max(len(row) for row in layout.rows)
    label = 3.0  # mm: printed label size
    out = Slots(rows=nrow * len(layout.rows), cols=ncol * per_row, region=None)
    for b, quad in enumerate(frames):
        bc, br = b % ncol, b // ncol
        rid = f"r{b}"

        def poly(x0: float, y0: float, x1: float, y1: float, q: np.ndarray = quad) -> list[tuple[float, float]]:
            u, v = _unit_rect(x0 / bw, y0 / bh, x1 / bw, y1 / bh)
            return [(float(x), float(y)) for x, y in bilinear(q, u, v)]

        slots = []
        for r, row in enumerate(layout.rows):
            weights = np.array([f.width for f in row])
            xs = 3 + np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum() * (bw - 6)
            for k, spec in enumerate(row):
                box_w = xs[k + 1] - xs[k]
                label_w = min(box_w * 0.6, (len(spec.header) * 0.5 + 1.5) * label)
                out.cells.append(Cell(row=br * len(layout.rows) + r, col=bc * per_row + k, field_keys=[spec.key],
                                      polygon=poly(xs[k], ys[r], xs[k + 1], ys[r + 1]), record_id=rid))
                slots.append((spec, np.asarray(poly(xs[k] + label_w, ys[r], xs[k + 1] - 2, ys[r + 1]))))
        out.records.append((poly(0, 0, bw, bh), slots))
    return out
