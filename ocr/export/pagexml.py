"""PAGE-XML 2019-07-15 export of a page, and validation against the official PAGE schema.

The table grid becomes a ``TableRegion`` whose cells are ``TextRegion``s with a ``TableCellRole``
(the PAGE 2019 way of writing table cells); every field with a region or lines becomes a
``TextRegion`` with its ``TextLine``s; printed regions become typed ``TextRegion``s. Field keys and
record ids travel in Transkribus-style ``custom`` attributes (``structure {type:nksHoTen;}
record {id:b0-s0-r0;number:1;}``), which Transkribus and eScriptorium keep on import.

The schema is vendored as ``pagecontent_2019-07-15.xsd`` (see README.md here); nothing is
fetched at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from pathlib import PurePath

from lxml import etree

from ocr.schema import Field, Line, Page, Point, Record, Region

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
XSD_NAME = "pagecontent_2019-07-15.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_Q = f"{{{PAGE_NS}}}"

# Region kind -> PAGE TextRegion type.
REGION_TYPES: dict[str, str] = {
    "title": "heading", "header": "header", "page_number": "page-number",
    "margin_note": "marginalia", "stamp": "other", "signature": "other", "other": "other",
}
_ORDER_FIRST = ("title", "header")  # read before the table; the other kinds after the records


def _escape(value: str) -> str:
    """A custom-attribute value with its separators escaped the Transkribus way (``\\uXXXX``)."""
    return "".join(f"\\u{ord(c):04x}" if c in "{};:\\" or c.isspace() else c for c in value)


def custom(**tags: dict[str, object]) -> str:
    """``structure {type:x;} record {id:y;}`` from ``structure={"type": "x"}, record={...}``."""
    parts = []
    for tag, attrs in tags.items():
        body = "".join(f"{k}:{_escape(str(v))};" for k, v in attrs.items() if v not in (None, ""))
        parts.append(f"{tag} {{{body}}}")
    return " ".join(parts)


def _points(poly: Iterable[Point], width: int, height: int) -> str | None:
    """PAGE points ``x,y x,y ...``: integers inside the image, repeats dropped; None if < 2 points."""
    out: list[tuple[int, int]] = []
    for x, y in poly:
        p = (min(max(round(x), 0), width - 1), min(max(round(y), 0), height - 1))
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[-1] == out[0]:
        out.pop()
    return " ".join(f"{x},{y}" for x, y in out) if len(set(out)) >= 2 else None


def _bbox(polys: Sequence[Sequence[Point]]) -> list[Point]:
    xs = [x for poly in polys for x, _ in poly]
    ys = [y for poly in polys for _, y in poly]
    return [(min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))]


class _Ids:
    """Unique XML ids (NCName) made from schema ids."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, raw: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", raw)
        if not re.match(r"[A-Za-z_]", base):
            base = f"id_{base}"
        ident, n = base, 1
        while ident in self.seen:
            n += 1
            ident = f"{base}_{n}"
        self.seen.add(ident)
        return ident


def _sub(parent: etree._Element, tag: str, **attrs: object) -> etree._Element:
    return etree.SubElement(parent, _Q + tag, {k: str(v) for k, v in attrs.items() if v is not None})


def _text_equiv(parent: etree._Element, text: str, conf: float | None, **attrs: object) -> None:
    te = _sub(parent, "TextEquiv", conf=None if conf is None else f"{conf:.4f}", **attrs)
    _sub(te, "Unicode").text = text


def _add_lines(region: etree._Element, lines: Sequence[Line], ids: _Ids, w: int, h: int) -> None:
    for i, ln in enumerate(lines):
        coords = _points(ln.polygon, w, h)
        if coords is None:
            continue
        tags: dict[str, dict[str, object]] = {"readingOrder": {"index": i}}
        if ln.strikethrough:
            tags["textStyle"] = {"offset": 0, "length": len(ln.text), "strikethrough": "true"}
        el = _sub(region, "TextLine", id=ids(ln.id), custom=custom(**tags))
        _sub(el, "Coords", points=coords)
        if (base := _points(ln.baseline, w, h)) is not None:
            _sub(el, "Baseline", points=base)
        _text_equiv(el, ln.text, ln.confidence)


def _field_region(parent: etree._Element, rec: Record, f: Field, ids: _Ids, w: int, h: int) -> str | None:
    if f.region:
        coords = _points(f.region, w, h)
    else:
        polys = [ln.polygon for ln in f.lines if ln.polygon]
        coords = _points(_bbox(polys), w, h) if polys else None
    if coords is None:
        return None
    ident = ids(f"{rec.id}_{f.key}")
    tags: dict[str, dict[str, object]] = {
        "structure": {"type": f.key}, "record": {"id": rec.id, "number": rec.number},
        "status": {"value": f.status.value},
    }
    flags = ", ".join(fl.code for fl in f.flags)
    el = _sub(parent, "TextRegion", id=ident, custom=custom(**tags), comments=flags or None)
    _sub(el, "Coords", points=coords)
    _add_lines(el, f.lines, ids, w, h)
    if f.raw_text:
        _text_equiv(el, f.raw_text, f.confidence, index=0)
        if f.value is not None and f.value != f.raw_text:
            _text_equiv(el, f.value, None, index=1, comments="normalized value")
    return ident


def _printed_region(parent: etree._Element, reg: Region, ids: _Ids, w: int, h: int) -> str | None:
    coords = _points(reg.polygon, w, h)
    if coords is None:
        return None
    ident = ids(reg.id)
    el = _sub(parent, "TextRegion", id=ident, type=REGION_TYPES[reg.kind],
              custom=custom(structure={"type": reg.kind}))
    _sub(el, "Coords", points=coords)
    _add_lines(el, reg.lines, ids, w, h)
    if reg.text:
        _text_equiv(el, reg.text, None)
    return ident


def _table(parent: etree._Element, page: Page, ids: _Ids, w: int, h: int) -> str | None:
    grid = page.grid
    if grid is None or not grid.cells:
        return None
    coords = _points(grid.region or _bbox([c.polygon for c in grid.cells]), w, h)
    if coords is None:
        return None
    ident = ids("table")
    table = _sub(parent, "TableRegion", id=ident, rows=grid.rows, columns=grid.cols,
                 custom=custom(structure={"type": "table"}))
    _sub(table, "Coords", points=coords)
    for cell in grid.cells:
        cell_coords = _points(cell.polygon, w, h)
        if cell_coords is None:
            continue
        tags: dict[str, dict[str, object]] = {"structure": {"type": "table-cell"}}
        if cell.record_id:
            tags["record"] = {"id": cell.record_id}
        if cell.field_keys:
            tags["fields"] = {"keys": " ".join(cell.field_keys)}
        el = _sub(table, "TextRegion", id=ids(f"{ident}_r{cell.row}_c{cell.col}"), custom=custom(**tags))
        _sub(el, "Coords", points=cell_coords)
        _sub(_sub(el, "Roles"), "TableCellRole", rowIndex=cell.row, columnIndex=cell.col,
             rowSpan=cell.row_span, colSpan=cell.col_span, header=str(cell.header).lower())
    return ident


def _utc(when: datetime) -> str:
    """An xsd:dateTime in UTC (a naive time is taken as UTC)."""
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def _created(page: Page, now: datetime) -> str:
    created = page.provenance.created if page.provenance else None
    try:
        return _utc(datetime.fromisoformat(created)) if created else _utc(now)
    except ValueError:
        return _utc(now)


def page_to_pagexml(page: Page, *, now: datetime | None = None) -> str:
    """PAGE-XML 2019-07-15 text of ``page`` (UTF-8 declaration; coordinates clipped to the image).

    Created is the page's ``provenance.created`` when set, else ``now`` (default: the current UTC
    time); LastChange is ``now``.
    """
    w, h = page.image.width, page.image.height
    root = etree.Element(_Q + "PcGts", nsmap={None: PAGE_NS, "xsi": _XSI})
    root.set(f"{{{_XSI}}}schemaLocation", f"{PAGE_NS} {PAGE_NS}/pagecontent.xsd")
    meta = _sub(root, "Metadata")
    _sub(meta, "Creator").text = "hotich"
    now = now or datetime.now(timezone.utc)
    _sub(meta, "Created").text = _created(page, now)
    _sub(meta, "LastChange").text = _utc(now)
    book = page.book
    _sub(meta, "Comments").text = (
        f"template {page.template_id}; side {page.side}; book {book.book_type.value} {book.year} "
        f"volume {book.volume} page {book.page_number}"
    )
    pg = _sub(root, "Page", imageFilename=PurePath(page.image.path).name, imageWidth=w, imageHeight=h,
              custom=custom(book={"type": book.book_type.value, "year": book.year, "volume": book.volume,
                                  "page": book.page_number, "side": page.side, "template": page.template_id}))
    order = _sub(pg, "ReadingOrder")
    ids = _Ids()
    before = [r for kind in _ORDER_FIRST for r in page.regions if r.kind == kind]
    after = [r for r in page.regions if r.kind not in _ORDER_FIRST]
    refs = [_printed_region(pg, r, ids, w, h) for r in before]
    refs.append(_table(pg, page, ids, w, h))
    refs += [_field_region(pg, rec, f, ids, w, h) for rec in page.records for f in rec.fields]
    refs += [_printed_region(pg, r, ids, w, h) for r in after]
    refs = [r for r in refs if r is not None]
    if refs:
        group = _sub(order, "OrderedGroup", id=ids("reading_order"), caption="Regions reading order")
        for i, ref in enumerate(refs):
            _sub(group, "RegionRefIndexed", index=i, regionRef=ref)
    else:
        pg.remove(order)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    xsd = files("ocr.export").joinpath(XSD_NAME)
    with xsd.open("rb") as fh:
        return etree.XMLSchema(etree.parse(fh))


def validate_pagexml(xml: str | bytes) -> list[str]:
    """Errors of ``xml`` against the PAGE 2019-07-15 schema (``line N: message``); [] if valid."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
