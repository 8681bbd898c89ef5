"""Page geometry of a ledger template: where the rules, printed headers and writing slots go.

Everything is in clean-page pixels, before any degradation. The renderer draws what this module
places; the ground truth is built from the same objects, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ocr.templates import BlocksLayout, Column, FieldSpec, LedgerTemplate, RowsLayout, Side

GUTTER_MM = 10.0  # extra margin on the binding side of a spread page
HEAVY_RULE, LIGHT_RULE, BLOCK_RULE = 2.2, 1.2, 2.0  # rule weights (px at 4.8 px/mm): table outline, inner, block
BLOCK_INSET_MM = (3.0, 2.5)  # a block's field cells start this far (x, y) inside its ruled border


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle [x0, x1) x [y0, y1) in pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def inset(self, dx: float, dy: float | None = None) -> "Box":
        dy = dx if dy is None else dy
        return Box(self.x0 + dx, self.y0 + dy, self.x1 - dx, self.y1 - dy)

    def intersects(self, other: "Box") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def union(self, other: "Box") -> "Box":
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def polygon(self, step: float = 24.0) -> np.ndarray:
        """The outline, clockwise from the top-left corner, with a vertex every ``step`` px so
        that a curved warp bends the edges too."""
        def edge(a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
            n = max(1, int(np.ceil(np.hypot(b[0] - a[0], b[1] - a[1]) / step)))
            t = np.arange(n)[:, None] / n
            return np.asarray(a) * (1 - t) + np.asarray(b) * t

        corners = [(self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1)]
        return np.concatenate([edge(corners[i], corners[(i + 1) % 4]) for i in range(4)])


@dataclass(frozen=True)
class Slot:
    """Where one field's writing goes; ``label`` is a printed label in front of it (blocks)."""

    spec: FieldSpec
    box: Box
    dotted: bool = False  # writing sits on a printed dotted line at the bottom of the box


@dataclass(frozen=True)
class CellGeom:
    row: int
    col: int
    box: Box
    row_span: int = 1
    col_span: int = 1
    field_keys: tuple[str, ...] = ()
    record: int | None = None  # index of the record on the page
    header: bool = False


@dataclass(frozen=True)
class PrintedText:
    """A piece of printed text centred (or left-aligned) in its box."""

    text: str
    box: Box
    kind: str  # "title" | "header" | "page_number" | "label"
    size: float  # font size in px
    bold: bool = False
    align: str = "center"


@dataclass
class RecordGeom:
    index: int
    box: Box
    slots: list[Slot] = field(default_factory=list)


@dataclass
class PageGeom:
    """Everything printed on a page and every place a record's writing goes."""

    width: int
    height: int
    side: Side
    px_per_mm: float
    table: Box
    rows: int
    cols: int
    cells: list[CellGeom] = field(default_factory=list)
    records: list[RecordGeom] = field(default_factory=list)
    rules: list[tuple[float, float, float, float, float]] = field(default_factory=list)  # x0,y0,x1,y1,weight
    dotted: list[tuple[float, float, float]] = field(default_factory=list)  # x0, x1, y
    texts: list[PrintedText] = field(default_factory=list)
    margins: list[Box] = field(default_factory=list)  # free margin areas for notes


def _content_box(t: LedgerTemplate, side: Side, s: float) -> tuple[int, int, Box]:
    """Page size in px and the area inside the margins (with the gutter on the binding side)."""
    w, h = int(round(t.page.width_mm * s)), int(round(t.page.height_mm * s))
    top, right, bottom, left = (m * s for m in t.page.margins_mm)
    if side == "left":
        right += GUTTER_MM * s
    elif side == "right":
        left += GUTTER_MM * s
    return w, h, Box(left, top, w - right, h - bottom)


def _title_texts(t: LedgerTemplate, side: Side, area: Box, s: float, page_number: int) -> list[PrintedText]:
    texts = []
    title_h = t.page.title_height_mm * s
    if side != "right" and t.page.title and title_h > 0:
        split = 0.62 if t.page.subtitle else 1.0
        texts.append(PrintedText(t.page.title, Box(area.x0, area.y0, area.x1, area.y0 + title_h * split),
                                 "title", size=min(7.5 * s, title_h * split * 0.7), bold=True))
        if t.page.subtitle:
            texts.append(PrintedText(t.page.subtitle, Box(area.x0, area.y0 + title_h * split, area.x1, area.y0 + title_h),
                                     "title", size=min(3.6 * s, title_h * 0.3)))
    num_w = 22 * s
    x0 = area.x0 if side == "left" else area.x1 - num_w
    texts.append(PrintedText(f"Trang {page_number}", Box(x0, area.y0 - 9 * s, x0 + num_w, area.y0 - 2 * s),
                             "page_number", size=3.2 * s, align="left" if side == "left" else "right"))
    return texts


def _slot_weights(stack: list[FieldSpec]) -> np.ndarray:
    w = np.array([2.0 if f.multiline else 1.0 for f in stack])
    return np.concatenate([[0.0], np.cumsum(w) / w.sum()])


def _rows_geometry(t: LedgerTemplate, layout: RowsLayout, side: Side, n_rows: int, s: float,
                   page_number: int) -> PageGeom:
    w, h, area = _content_box(t, side, s)
    columns: list[Column] = layout.pages[side].columns
    head_top = area.y0 + t.page.title_height_mm * s
    head_h = t.page.header_height_mm * s
    grouped = any(c.group for c in columns)
    sub = max([len(c.stack) for c in columns if c.ruled] or [1])
    table = Box(area.x0, head_top, area.x1, area.y1)
    body_top = head_top + head_h
    row_h = (area.y1 - body_top) / n_rows
    widths = np.array([c.width for c in columns])
    xs = area.x0 + np.concatenate([[0.0], np.cumsum(widths)]) / widths.sum() * area.w
    head_rows = 2 if grouped else 1
    geom = PageGeom(w, h, side, s, table, rows=head_rows + n_rows * sub, cols=len(columns))
    geom.texts = _title_texts(t, side, area, s, page_number)
    heavy, light = HEAVY_RULE, LIGHT_RULE
    geom.rules += [(table.x0, table.y0, table.x1, table.y0, heavy), (table.x0, table.y1, table.x1, table.y1, heavy),
                   (table.x0, body_top, table.x1, body_top, heavy)]
    for i, x in enumerate(xs):  # inside a group, a column rule starts below the group's header
        inner = 0 < i < len(xs) - 1 and columns[i - 1].group and columns[i - 1].group == columns[i].group
        top = head_top + head_h / 2 if inner else table.y0
        geom.rules.append((x, top, x, table.y1, heavy if i in (0, len(xs) - 1) else light))
    header_size = 3.0 * s
    # Header: group cells above, column headers below (a column with no group spans both).
    i = 0
    while i < len(columns):
        col = columns[i]
        j = i
        while col.group and j + 1 < len(columns) and columns[j + 1].group == col.group:
            j += 1
        if col.group:
            box = Box(xs[i], head_top, xs[j + 1], head_top + head_h / 2)
            geom.cells.append(CellGeom(0, i, box, col_span=j - i + 1, header=True))
            geom.texts.append(PrintedText(col.group, box.inset(2), "header", header_size, bold=True))
            geom.rules.append((xs[i], head_top + head_h / 2, xs[j + 1], head_top + head_h / 2, light))
        for k in range(i, j + 1):
            c = columns[k]
            top = head_top + head_h / 2 if c.group else head_top
            box = Box(xs[k], top, xs[k + 1], body_top)
            geom.cells.append(CellGeom(1 if c.group else 0, k, box, row_span=1 if (c.group or not grouped) else 2,
                                       header=True))
            geom.texts.append(PrintedText(c.header, box.inset(2), "header", header_size))
        i = j + 1
    for r in range(n_rows):
        y0, y1 = body_top + r * row_h, body_top + (r + 1) * row_h
        if r:
            geom.rules.append((table.x0, y0, table.x1, y0, light))
        rec = RecordGeom(r, Box(table.x0, y0, table.x1, y1))
        for k, c in enumerate(columns):
            box = Box(xs[k], y0, xs[k + 1], y1)
            first_row = head_rows + r * sub
            if c.ruled and len(c.stack) > 1:
                for m, spec in enumerate(c.stack):
                    sb = Box(box.x0, y0 + m * row_h / sub, box.x1, y0 + (m + 1) * row_h / sub)
                    if m:
                        geom.rules.append((sb.x0, sb.y0, sb.x1, sb.y0, light * 0.8))
                    geom.cells.append(CellGeom(first_row + m, k, sb, field_keys=(spec.key,), record=r))
                    rec.slots.append(Slot(spec, sb))
            else:
                geom.cells.append(CellGeom(first_row, k, box, row_span=sub,
                                           field_keys=tuple(f.key for f in c.stack), record=r))
                cuts = _slot_weights(c.stack)
                for m, spec in enumerate(c.stack):
                    rec.slots.append(Slot(spec, Box(box.x0, y0 + cuts[m] * row_h, box.x1, y0 + cuts[m + 1] * row_h)))
        geom.records.append(rec)
    geom.margins = _margins(w, h, table, area)
    return geom


def _margins(w: int, h: int, table: Box, area: Box) -> list[Box]:
    """Free paper around the table where officers write notes."""
    boxes = [Box(4, table.y0, table.x0 - 4, table.y1), Box(table.x1 + 4, table.y0, w - 4, table.y1),
             Box(table.x0, table.y1 + 4, table.x1, h - 4)]
    return [b for b in boxes if b.w > 40 and b.h > 40]


def _blocks_geometry(t: LedgerTemplate, layout: BlocksLayout, side: Side, s: float, page_number: int) -> PageGeom:
    w, h, area = _content_box(t, side, s)
    top = area.y0 + t.page.title_height_mm * s
    ncol = layout.block_columns
    nrow = -(-layout.records_per_page // ncol)
    gap = 5 * s
    bw = (area.w - gap * (ncol - 1)) / ncol
    bh = (area.y1 - top - gap * (nrow - 1)) / nrow
    row_units = np.array([max(f.lines for f in row) for row in layout.rows], dtype=float)
    per_row = max(len(row) for row in layout.rows)
    geom = PageGeom(w, h, side, s, Box(area.x0, top, area.x1, area.y1),
                    rows=nrow * len(layout.rows), cols=ncol * per_row)
    geom.texts = _title_texts(t, side, area, s, page_number)
    label_size = 3.0 * s
    for b in range(layout.records_per_page):
        bc, br = b % ncol, b // ncol
        block = Box(area.x0 + bc * (bw + gap), top + br * (bh + gap), area.x0 + bc * (bw + gap) + bw,
                    top + br * (bh + gap) + bh)
        geom.rules += [(block.x0, block.y0, block.x1, block.y0, BLOCK_RULE),
                       (block.x1, block.y0, block.x1, block.y1, BLOCK_RULE),
                       (block.x0, block.y1, block.x1, block.y1, BLOCK_RULE),
                       (block.x0, block.y0, block.x0, block.y1, BLOCK_RULE)]
        inner = block.inset(BLOCK_INSET_MM[0] * s, BLOCK_INSET_MM[1] * s)
        ys = inner.y0 + np.concatenate([[0.0], np.cumsum(row_units)]) / row_units.sum() * inner.h
        rec = RecordGeom(b, block)
        for r, row in enumerate(layout.rows):
            weights = np.array([f.width for f in row])
            xs = inner.x0 + np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum() * inner.w
            for k, spec in enumerate(row):
                box = Box(xs[k], ys[r], xs[k + 1], ys[r + 1])
                label_w = min(box.w * 0.6, (len(spec.header) * 0.5 + 1.5) * label_size)
                label_box = Box(box.x0, box.y1 - label_size * 1.7, box.x0 + label_w, box.y1 - label_size * 0.1)
                geom.texts.append(PrintedText(spec.header, label_box, "label", label_size, align="left"))
                slot = Box(label_box.x1, box.y0, box.x1 - 2 * s, box.y1)
                geom.dotted.append((slot.x0, slot.x1, box.y1 - label_size * 0.45))
                geom.cells.append(CellGeom(br * len(layout.rows) + r, bc * per_row + k, box,
                                           field_keys=(spec.key,), record=b))
                rec.slots.append(Slot(spec, slot, dotted=True))
        geom.records.append(rec)
    geom.margins = _margins(w, h, geom.table, area)
    return geom


def page_geometry(t: LedgerTemplate, side: Side, *, rows: int, px_per_mm: float, page_number: int = 1) -> PageGeom:
    """The clean-page geometry of one page of template ``t`` with ``rows`` printed record rows."""
    if side not in t.sides:
        raise ValueError(f"template {t.id!r} has sides {t.sides}, not {side!r}")
    if isinstance(t.layout, BlocksLayout):
        return _blocks_geometry(t, t.layout, side, px_per_mm, page_number)
    return _rows_geometry(t, t.layout, side, rows, px_per_mm, page_number)
