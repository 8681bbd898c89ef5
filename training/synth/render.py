"""Render a planned page: printed ruled table, handwriting, marks; then degrade it; exact truth.

Ground truth is collected in clean-page coordinates while drawing and mapped through the
degradation's geometric warp at the end, so every polygon follows the pixels it describes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ocr.schema import (AdminUnit, BookMeta, Cell, Field, FieldStatus, Flag, ImageRef, Line, Page, Provenance,
                        Record, Region, TableGrid)
from training.synth.book import PagePlan, page_seed
from training.synth.canvas import Canvas, PlacedLine
from training.synth.content import FieldContent
from training.synth.degrade import degrade_page
from training.synth.handwriting import InkLine, WriterStyle, line_polygon, render_line, wrap_text
from training.synth.layout import Box, PageGeom, Slot, page_geometry
from training.synth.maps import page_maps
from training.synth.marks import draw_signature, draw_stamp, overwrite_glyph, smudge, strike_through
from training.synth.printing import PrintLayer

PX_PER_MM = 4.8  # a 420 mm page is about 2,000 px wide
# Writing on a dotted line reaches above its slot (accents, ascenders) rather than shrink to fit it:
# squeezed into the slot, the 2006 books' writing was 1.5 mm high, and 86 % of the fields written
# under 14 px of ink were drafted wrong.
DOTTED_REACH = 1.3
SIDE_BY_SIDE_ASPECT = 4.0  # a signature slot this many times wider than high has the name beside it
GENERATOR = "hotich.synth/1"
POLYGON_PAD = 3  # px of paper kept around a line's ink in its polygon


@dataclass
class RenderedPage:
    image: np.ndarray  # HxWx3 uint8 RGB, degraded
    page: Page
    labels: np.ndarray | None = None  # HxW int32: ink of handwritten line label_ids[k - 1] has value k
    label_ids: list[str] | None = None
    maps: np.ndarray | None = None  # HxWx5 uint8 layout targets (training.synth.maps.MAP_CHANNELS)


def _fit_lines(text: str, style: WriterStyle, slot: Box, rng: np.random.Generator,
               multiline: bool) -> tuple[list[InkLine], WriterStyle]:
    """Render ``text`` to fit ``slot`` as officers do: smaller writing, wrapping onto as many
    lines as the cell has room for (two at most for a one-line field), and cramped letters
    at the end of a narrow cell. Never drops a word."""
    avail_w = slot.w * 0.94
    size = min(style.size_px, slot.h * 0.72)
    st = replace(style, size_px=size)
    first = render_line(text, st, rng)
    width, height = first.alpha.shape[1], first.alpha.shape[0]
    if width <= avail_w * 1.1:
        return [first], st
    for scale in (1.0, 0.85, 0.72):
        st = replace(style, size_px=size * scale)
        room = max(1, int(slot.h / (height * scale * 0.85)))
        room = room if multiline else min(room, 2)
        parts = wrap_text(text, st, avail_w)
        if len(parts) > room:
            if scale > 0.72:
                continue
            # Still too long: fewer, longer lines, cramped into the cell.
            parts = wrap_text(text, st, width * scale / room * 1.1)
            parts = parts[:room - 1] + [" ".join(parts[room - 1:])]
        return [_cramp(render_line(p, st, rng), avail_w) for p in parts], st
    raise AssertionError("unreachable: the last scale always returns")


def _squeeze(line: InkLine, max_w: float, max_h: float) -> InkLine:
    """Scale a rendered line down to fit (max_w, max_h), keeping its shape, baseline included."""
    h, w = line.alpha.shape
    f = min(1.0, max_w / w, max_h / h)
    if f >= 1.0:
        return line
    nw, nh = max(1, int(w * f)), max(1, int(h * f))
    alpha = cv2.resize(line.alpha, (nw, nh), interpolation=cv2.INTER_AREA)
    alpha[0, :] = alpha[-1, :] = 0
    alpha[:, 0] = alpha[:, -1] = 0
    return InkLine(alpha=alpha, baseline=line.baseline * [nw / w, nh / h], text=line.text, x_height=line.x_height * nh / h)


def _cramp(line: InkLine, max_w: float) -> InkLine:
    """Compress a line horizontally (down to 60 %) to fit ``max_w``."""
    h, w = line.alpha.shape
    f = max(0.6, min(1.0, max_w / w))
    if f >= 1.0:
        return line
    nw = max(1, int(w * f))
    alpha = cv2.resize(line.alpha, (nw, h), interpolation=cv2.INTER_AREA)
    alpha[:, 0] = alpha[:, -1] = 0
    return InkLine(alpha=alpha, baseline=line.baseline * [nw / w, 1.0], text=line.text, x_height=line.x_height)


def _place_field(canvas: Canvas, slot: Slot, raw: str, style: WriterStyle, rng: np.random.Generator,
                 id_prefix: str, struck: str | None = None, overwrite: bool = False) -> list[PlacedLine]:
    """Write one field's text into its slot, with an optional struck-out first attempt and an
    optional digit written over the last line. Marks go into a line's ink before its polygon
    is taken, so the polygon holds all of it."""
    box = slot.box.inset(slot.box.w * 0.02 + 2, min(3.0, slot.box.h * 0.05))
    texts: list[tuple[str, bool]] = ([(struck, True)] if struck else []) + [(raw, False)]
    rendered: list[tuple[InkLine, bool]] = []
    for text, is_struck in texts:
        ink, _ = _fit_lines(text, style, box, rng, slot.spec.multiline or bool(struck))
        rendered += [(ln, is_struck) for ln in ink]
    # Stack lines top-down; squeeze them if together they still do not fit the slot. A line
    # takes its ink polygon's height (the crop plus the polygon's padding) and a pixel.
    extra = 2 * POLYGON_PAD + 1
    heights = np.array([ln.alpha.shape[0] + extra for ln, _ in rendered], float)
    room = box.h * (DOTTED_REACH if slot.dotted else 1.0)
    scale = min(1.0, room / heights.sum()) if heights.sum() > 0 else 1.0
    rendered = [(_squeeze(ln, box.w * 1.15, (ln.alpha.shape[0] + extra) * scale - extra), s) for ln, s in rendered]
    total = sum(ln.alpha.shape[0] + extra for ln, _ in rendered)
    slack = max(0.0, box.h - total)
    if slot.dotted:
        y = box.y1 - total + 2
    else:
        y = box.y0 + slack * float(rng.uniform(0.0, 0.7 if len(rendered) == 1 else 0.4))
    placed: list[PlacedLine] = []
    for i, (ln, is_struck) in enumerate(rendered):
        h, w = ln.alpha.shape
        x = box.x0 + float(rng.uniform(0, max(0.0, box.w - w) * 0.35))
        ln = _fit_horizontally(canvas, ln, x, y, box)
        if is_struck:
            strike_through(ln, rng)
        if overwrite and i == len(rendered) - 1:
            overwrite_glyph(ln, style, rng)
        if placed:  # right under the previous line's polygon
            y = placed[-1].box.y1 + 2 - float(_line_geometry(ln)[0][:, 1].min())
        ln, x, y, (poly, baseline), target = _clear_spot(canvas, ln, x, y, box)
        xi, yi = int(round(x)), int(round(y))
        canvas.composite(ln.alpha, xi, yi, style.ink, label=len(canvas.lines) + 1)
        pl = PlacedLine(f"{id_prefix}-l{len(placed)}", ln.text, poly + [xi, yi],
                        baseline + [xi, yi], target,
                        is_struck)
        canvas.lines.append(pl)
        canvas.occupied.append(target)
        placed.append(pl)
    return placed


def _clear_spot(canvas: Canvas, ln: InkLine, x: float, y: float, box: Box
                ) -> tuple[InkLine, float, float, tuple[np.ndarray, np.ndarray], Box]:
    """Move (and if need be shrink) a line until its polygon's box touches no other line's, so
    that no line polygon ever holds another line's ink; as a last resort the writing runs
    below its cell."""
    min_h = ln.alpha.shape[0] * 0.6
    while True:
        geometry = _line_geometry(ln)
        target = _bbox(geometry[0], x, y)
        hits = [o for o in canvas.occupied if target.intersects(o)]
        if not hits:
            return ln, x, y, geometry, target
        below = max(o.y1 for o in hits) + 1 - target.y0
        right = max(o.x1 for o in hits) + 1 - target.x0
        if target.y1 + below <= box.y1 + 4 and below <= right:
            y += below
        elif target.x1 + right <= box.x1 + 4:
            x += right
        elif ln.alpha.shape[0] * 0.8 >= min_h:
            ln = _squeeze(ln, ln.alpha.shape[1] * 0.8, ln.alpha.shape[0] * 0.8)
        else:
            y += below


def _line_geometry(line: InkLine, pad: int = POLYGON_PAD) -> tuple[np.ndarray, np.ndarray]:
    """A line's polygon and baseline in its crop's coordinates: the baseline cut to the ink's
    horizontal extent (a glyph's advance may reach past it), the polygon hugging ink and
    baseline with ``pad`` px all round, even where they touch the edge of the crop."""
    ink = np.pad(line.alpha, pad)
    cols = np.flatnonzero((ink > 0.1).any(0))
    if not cols.size:  # ink too faint for the threshold: the whole crop
        h, w = line.alpha.shape
        return Box(-pad, -pad, w + pad, h + pad).polygon(step=1e9), line.baseline
    x0, x1 = cols[0] - pad, cols[-1] - pad
    xs, ys = line.baseline[:, 0], line.baseline[:, 1]
    inner = line.baseline[(xs > x0) & (xs < x1)]
    baseline = np.vstack([[x0, np.interp(x0, xs, ys)], inner, [x1, np.interp(x1, xs, ys)]])
    cv2.polylines(ink, [np.round((baseline + pad) * 4).astype(np.int32)], False, 1.0, 1, cv2.LINE_8, shift=2)
    return line_polygon(ink, pad=pad).astype(np.float64) - pad, baseline


def _bbox(poly: np.ndarray, x: float, y: float) -> Box:
    xi, yi = round(x), round(y)
    return Box(poly[:, 0].min() + xi - 1, poly[:, 1].min() + yi - 1, poly[:, 0].max() + xi + 1, poly[:, 1].max() + yi + 1)


def _fit_horizontally(canvas: Canvas, ln: InkLine, x: float, y: float, box: Box) -> InkLine:
    """Let writing run over the right border only where the paper there is still free."""
    h, w = ln.alpha.shape
    if x + w <= box.x1:
        return ln
    if canvas.free(Box(box.x1, y, x + w + 2, y + h)) and x + w <= box.x1 + box.w * 0.08:
        return ln
    return _squeeze(ln, box.x1 - x, h)


def _record_fields(canvas: Canvas, plan: PagePlan, geom: PageGeom, row: int, rng: np.random.Generator,
                   ) -> tuple[list[Field], list[Region]]:
    content = plan.records[row]
    assert content is not None
    style = plan.writers[plan.record_writer[row]]
    style = replace(style, size_px=style.size_px * geom.px_per_mm / 4.8)
    fields, regions = [], []
    for slot in geom.records[row].slots:
        fc: FieldContent = content[slot.spec.key]
        prefix = f"{plan.record_ids[row]}-{slot.spec.key}"
        flags: list[Flag] = []
        lines: list[PlacedLine] = []
        status = FieldStatus.FILLED if fc.raw else FieldStatus.EMPTY
        if slot.spec.type == "signature":
            sig_box, name_box = _split_signature(slot.box, bool(fc.raw) and rng.random() < 0.5)
            if fc.raw:
                poly = draw_signature(canvas, sig_box, style, rng)
                regions.append(Region(id=f"{prefix}-sig", kind="signature", polygon=_poly(poly)))
            if name_box is not None:
                lines = _place_field(canvas, replace(slot, box=name_box), fc.raw, style, rng, prefix)
            else:
                status = FieldStatus.EMPTY
        elif fc.raw:
            struck = None
            if slot.spec.type in ("name", "place", "text", "title", "time") and rng.random() < 0.03:
                struck = _misspelling(fc.raw, rng)
                flags.append(Flag(code="struck_out"))
            overwrite = slot.spec.type in ("date", "number") and rng.random() < 0.03
            if overwrite:
                flags.append(Flag(code="overwritten"))
            lines = _place_field(canvas, slot, fc.raw, style, rng, prefix, struck=struck, overwrite=overwrite)
            if rng.random() < 0.012:
                smudge(canvas, lines, style.ink, rng)
                status = FieldStatus.UNREADABLE
                flags.append(Flag(code="smudged"))
        raw = fc.raw if status != FieldStatus.EMPTY else ""
        fields.append(Field(
            key=slot.spec.key, raw_text=raw, value=fc.value if raw else None,
            region=_poly(slot.box.polygon()), lines=[_line(pl) for pl in lines], status=status, flags=flags,
        ))
    return fields, regions


def _split_signature(box: Box, with_name: bool) -> tuple[Box, Box | None]:
    """The signature's box and the box of the signer's name written with it: under the
    signature, or beside it where the slot is one line high (a dotted line of the 2006 books)."""
    if not with_name:
        return box.inset(2), None
    if box.w > SIDE_BY_SIDE_ASPECT * box.h:
        mid = box.x0 + box.w * 0.4
        return Box(box.x0, box.y0, mid, box.y1).inset(2), Box(mid, box.y0, box.x1, box.y1)
    mid = box.y0 + box.h * 0.55
    return Box(box.x0, box.y0, box.x1, mid).inset(2), Box(box.x0, mid, box.x1, box.y1)


def _misspelling(text: str, rng: np.random.Generator) -> str:
    """A plausible first attempt that the writer struck out: the text cut short or a word dropped."""
    words = text.split()
    if len(words) > 1 and rng.random() < 0.5:
        return " ".join(words[: int(rng.integers(1, len(words)))])
    return text[: max(1, int(len(text) * rng.uniform(0.3, 0.8)))]


def _poly(points: np.ndarray) -> list[list[float]]:
    """Points as a JSON-ready list, to 0.1 px."""
    return np.round(np.asarray(points, np.float64), 1).tolist()


def _line(pl: PlacedLine) -> Line:
    return Line(id=pl.id, polygon=_poly(pl.polygon), baseline=_poly(pl.baseline), text=pl.text,
                strikethrough=pl.strikethrough)


_MARGIN_NOTES = ("Đã cấp bản sao", "BS", "x", "Đã cải chính", "Đăng ký lại", "Xem trang sau", "Đã ghi chú")


def _margin_note(canvas: Canvas, geom: PageGeom, plan: PagePlan, rng: np.random.Generator) -> Region | None:
    if not geom.margins:
        return None
    margin = geom.margins[int(rng.integers(len(geom.margins)))]
    text = str(rng.choice(_MARGIN_NOTES))
    if rng.random() < 0.5:
        text += f" {int(rng.integers(1, 29))}/{int(rng.integers(1, 13))}/{plan.year + int(rng.integers(0, 8))}"
    style = plan.writers[0]
    size = min(style.size_px * 0.8, margin.h * 0.6)
    st = replace(style, size_px=size)
    ln = _squeeze(render_line(text, st, rng), margin.w - 4, margin.h - 4)
    h, w = ln.alpha.shape
    x = margin.x0 + float(rng.uniform(0, max(0.0, margin.w - w)))
    y = margin.y0 + float(rng.uniform(0, max(0.0, margin.h - h)))
    poly, baseline = _line_geometry(ln)
    box = _bbox(poly, x, y)
    if not canvas.free(box):
        return None
    xi, yi = int(round(x)), int(round(y))
    canvas.composite(ln.alpha, xi, yi, style.ink, label=len(canvas.lines) + 1)
    pl = PlacedLine(f"note{len(canvas.lines)}", ln.text, poly + [xi, yi], baseline + [xi, yi], box)
    canvas.lines.append(pl)
    canvas.occupied.append(box)
    return Region(id=pl.id, kind="margin_note", polygon=_poly(box.polygon()), text=text, lines=[_line(pl)])


def _grid(geom: PageGeom, plan: PagePlan) -> TableGrid:
    cells = [Cell(row=c.row, col=c.col, row_span=c.row_span, col_span=c.col_span, polygon=_poly(c.box.polygon()),
                  field_keys=list(c.field_keys), header=c.header,
                  record_id=plan.record_ids[c.record] if c.record is not None else None)
             for c in geom.cells]
    return TableGrid(rows=geom.rows, cols=geom.cols, region=_poly(geom.table.polygon()), cells=cells)


def render_page(plan: PagePlan, *, px_per_mm: float = PX_PER_MM, with_labels: bool = False,
                with_maps: bool = False) -> RenderedPage:
    """Render, degrade and describe one planned page; deterministic for a given plan (the same
    pixels with or without labels and maps)."""
    rng = np.random.default_rng(page_seed(plan.seed, plan.index))
    t = plan.template
    geom = page_geometry(t, plan.side, rows=plan.rows, px_per_mm=px_per_mm, page_number=plan.page_number)
    canvas = Canvas(geom.width, geom.height, with_labels)
    printed = PrintLayer(geom, rng)
    printed.draw(canvas, with_maps=with_maps)
    records, regions = [], list(printed.regions)
    for row, content in enumerate(plan.records):
        if content is None:
            continue
        fields, extra = _record_fields(canvas, plan, geom, row, rng)
        regions += extra
        number = content["so"].value if "so" in content else None
        records.append(Record(id=plan.record_ids[row], number=number, region=_poly(geom.records[row].box.polygon()),
                              fields=fields))
    if rng.random() < 0.35:
        note = _margin_note(canvas, geom, plan, rng)
        if note is not None:
            regions.append(note)
    if rng.random() < 0.3 and records:
        regions.append(draw_stamp(canvas, geom, plan, rng))
    clean = np.clip(canvas.rgb, 0, 255).astype(np.uint8)
    result = degrade_page(clean, canvas.ink, rng, conditions=plan.conditions,
                          binding_side={"left": "right", "right": "left"}.get(plan.side))
    page = Page(
        id=plan.page_id,
        image=ImageRef(path=f"{plan.page_id}.jpg", width=result.warp.out_size[0], height=result.warp.out_size[1]),
        template_id=t.id, side=plan.side,
        book=BookMeta(book_type=t.book_type, year=plan.year, volume=plan.volume, page_number=plan.page_number,
                      unit=AdminUnit(**{k: v for k, v in plan.unit.items() if k in AdminUnit.model_fields})),
        grid=_grid(geom, plan), records=records, regions=regions,
        provenance=Provenance(source="synthetic", generator=GENERATOR, seed=plan.seed,
                              conditions=list(result.conditions)),
    )
    page = warp_page(page, result.warp.points)
    if result.paper is not None and "torn" in result.conditions:
        _mark_torn(page, result.paper)
    labels = result.warp.image(canvas.labels, nearest=True) if canvas.labels is not None else None
    maps = None
    if with_maps:
        clean_maps = page_maps(printed.maps, canvas.lines, px_per_mm)
        maps = result.warp.image(clean_maps)
        if result.paper is not None:  # torn-away paper shows nothing
            maps = np.where(result.paper[..., None] > 127, maps, 0).astype(np.uint8)
    return RenderedPage(image=result.image, page=page, labels=labels,
                        label_ids=[pl.id for pl in canvas.lines] if with_labels else None, maps=maps)


def _mark_torn(page: Page, paper: np.ndarray, limit: float = 0.25) -> None:
    """Fields whose writing lies more than ``limit`` on torn-away paper become unreadable."""
    for rec in page.records:
        for f in rec.fields:
            if f.status != FieldStatus.FILLED:
                continue
            area = lost = 0
            for ln in f.lines:
                pts = np.asarray(ln.polygon)
                x0, y0 = np.floor(pts.min(0)).astype(int)
                x1, y1 = np.ceil(pts.max(0)).astype(int) + 1
                mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
                cv2.fillPoly(mask, [np.round(pts - [x0, y0]).astype(np.int32)], 1)
                window = np.zeros_like(mask)
                ya, xa = max(y0, 0), max(x0, 0)
                crop = paper[ya:max(y1, 0), xa:max(x1, 0)]
                window[ya - y0:ya - y0 + crop.shape[0], xa - x0:xa - x0 + crop.shape[1]] = crop > 127
                area += int(mask.sum())
                lost += int((mask & (window == 0)).sum())
            if area and lost > limit * area:
                f.status = FieldStatus.UNREADABLE
                f.flags = [*f.flags, Flag(code="torn")]


def warp_page(page: Page, points) -> Page:
    """Map every polygon and baseline of ``page`` through ``points`` (an (N,2) -> (N,2) map)."""
    data = page.model_dump()

    def walk(node):
        if isinstance(node, dict):
            for key, val in node.items():
                if key in ("polygon", "baseline", "region") and isinstance(val, list) and val:
                    node[key] = _poly(points(np.asarray(val, np.float64)))
                else:
                    walk(val)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return Page.model_validate(data)
