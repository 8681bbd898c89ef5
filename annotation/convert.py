"""Schema pages <-> Label Studio tasks, predictions and annotation results. Pure: no server.

Label Studio keeps region geometry in percent of the image (``points`` of a polygon, or ``x``,
``y``, ``width``, ``height`` and ``rotation`` of a rectangle); the schema keeps page pixels. Every
region becomes one labels result (records, fields labelled with their key, other regions labelled
with their kind, lines), plus per-region results sharing its id: the transcription, a field's
normalized value, status and flags. A task carries the page header (everything but records and
regions) and the parent of each pushed region, so that pulling keeps the pushed hierarchy; a
region drawn by an annotator goes to the parent it overlaps most.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field as dc_field
from typing import Any

import cv2
import numpy as np

from ocr.fields import normalize
from ocr.schema import BookType, Field, FieldStatus, Flag, Line, Page, Polygon, Provenance, Record, Region
from ocr.templates import LedgerTemplate

from annotation.labeling import (
    BOOK_TYPE, BOOK_TYPES, CONDITION, CONDITIONS, FIELD, FIELD_FLAGS, FLAGS, IMAGE, LINE, LINE_LABEL, RECORD,
    RECORD_LABEL, REGION, ROLE_OF_CONTROL, STATUS, TEXT, VALUE,
)

PREFIX = {"record": "rec_", "field": "fld_", "region": "reg_", "line": "ln_"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def ls_id(role: str, schema_id: str) -> str:
    """The Label Studio region id of a schema object (ids may only hold ``[A-Za-z0-9_-]``)."""
    return PREFIX[role] + _UNSAFE.sub("_", schema_id)


def schema_id(role: str, region_id: str) -> str:
    """The schema id of a Label Studio region: its pushed id, or the annotator's region id."""
    prefix = PREFIX[role]
    return region_id[len(prefix):] if region_id.startswith(prefix) else region_id


# --- geometry ---------------------------------------------------------------------------------

def to_percent(polygon: Polygon, width: int, height: int) -> list[list[float]]:
    """Page pixels -> Label Studio percent points."""
    return [[x * 100.0 / width, y * 100.0 / height] for x, y in polygon]


def from_percent(points: Iterable[Sequence[float]], width: int, height: int) -> Polygon:
    """Label Studio percent points -> page pixels."""
    return [(float(x) * width / 100.0, float(y) * height / 100.0) for x, y in points]


def rectangle_polygon(value: dict[str, Any], width: int, height: int) -> Polygon:
    """The 4 corners (page pixels) of a Label Studio rectangle, rotated clockwise (degrees) about
    its top-left corner as Label Studio draws it."""
    x0, y0 = value["x"] * width / 100.0, value["y"] * height / 100.0
    w, h = value["width"] * width / 100.0, value["height"] * height / 100.0
    a = math.radians(value.get("rotation", 0) or 0)
    c, s = math.cos(a), math.sin(a)
    return [(x0 + px * c - py * s, y0 + px * s + py * c) for px, py in ((0, 0), (w, 0), (w, h), (0, h))]


def region_polygon(result: dict[str, Any], width: int, height: int) -> Polygon:
    """The polygon (page pixels) of a polygon or rectangle result."""
    value = result["value"]
    if "points" in value:
        return from_percent(value["points"], width, height)
    return rectangle_polygon(value, width, height)


def overlap(inner: Polygon, outer: Polygon) -> float:
    """The share of ``inner``'s area that lies inside ``outer`` (rasterized at 1 px)."""
    a, b = np.asarray(inner, np.float64), np.asarray(outer, np.float64)
    x0, y0 = np.floor(a.min(0)).astype(int)
    x1, y1 = np.ceil(a.max(0)).astype(int) + 1
    if (b[:, 0].max() < x0 or b[:, 0].min() > x1 or b[:, 1].max() < y0 or b[:, 1].min() > y1):
        return 0.0
    shape = (y1 - y0 + 1, x1 - x0 + 1)
    ma, mb = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    cv2.fillPoly(ma, [np.round(a - (x0, y0)).astype(np.int32)], 1)
    cv2.fillPoly(mb, [np.round(b - (x0, y0)).astype(np.int32)], 1)
    area = int(ma.sum())
    return float((ma & mb).sum()) / area if area else 0.0


# --- schema -> Label Studio ---------------------------------------------------------------------

def page_header(page: Page) -> dict[str, Any]:
    """What a task carries of a page besides its regions: id, image, template, side, book, and the
    table grid (not drawn for annotators; it comes back with the pull so that layout training
    knows the page's rules)."""
    return page.model_dump(mode="json", include={"id", "image", "template_id", "side", "book", "grid"})


def _geometry(control: str, label: str, rid: str, polygon: Polygon, page: Page, score: float | None
              ) -> dict[str, Any]:
    result = {
        "id": rid, "type": "polygonlabels", "from_name": control, "to_name": IMAGE,
        "original_width": page.image.width, "original_height": page.image.height, "image_rotation": 0,
        "value": {"points": to_percent(polygon, page.image.width, page.image.height), "closed": True,
                  "polygonlabels": [label]},
    }
    if score is not None:
        result["score"] = score
    return result


def _attached(base: dict[str, Any], control: str, kind: str, key: str, value: Any) -> dict[str, Any]:
    """A per-region result (text or choices) sharing the id and geometry of ``base``."""
    return {
        "id": base["id"], "type": kind, "from_name": control, "to_name": IMAGE,
        "original_width": base["original_width"], "original_height": base["original_height"],
        "image_rotation": 0, "value": {"points": base["value"]["points"], "closed": True, key: value},
    }


def _region_results(control: str, label: str, rid: str, polygon: Polygon, page: Page, *,
                    score: float | None = None, text: str = "", value: str | None = None,
                    status: str | None = None, flags: Sequence[str] = ()) -> list[dict[str, Any]]:
    base = _geometry(control, label, rid, polygon, page, score)
    out = [base]
    if text:
        out.append(_attached(base, TEXT, "textarea", "text", [text]))
    if value:
        out.append(_attached(base, VALUE, "textarea", "text", [value]))
    if status:
        out.append(_attached(base, STATUS, "choices", "choices", [status]))
    if flags:
        out.append(_attached(base, FLAGS, "choices", "choices", list(flags)))
    return out


def _line_results(line: Line, page: Page) -> list[dict[str, Any]]:
    return _region_results(LINE, LINE_LABEL, ls_id("line", line.id), line.polygon, page,
                           score=line.confidence, text=line.text,
                           flags=("struck_out",) if line.strikethrough else ())


def page_results(page: Page) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Label Studio results of everything on a page, and the parent of each region by region id.

    Fields without a region cannot be drawn and are left out; so are flags other than
    :data:`FIELD_FLAGS` (normalizer notes) and line baselines (not annotated)."""
    results: list[dict[str, Any]] = []
    parents: dict[str, str] = {}
    results.append({"id": "page_book_type", "type": "choices", "from_name": BOOK_TYPE, "to_name": IMAGE,
                    "value": {"choices": [page.book.book_type.value]}})
    conditions = [c for c in (page.provenance.conditions if page.provenance else []) if c in CONDITIONS]
    if conditions:
        results.append({"id": "page_condition", "type": "choices", "from_name": CONDITION, "to_name": IMAGE,
                        "value": {"choices": conditions}})
    for rec in page.records:
        rid = ls_id("record", rec.id)
        results += _region_results(RECORD, RECORD_LABEL, rid, rec.region, page)
        for f in rec.fields:
            if f.region is None:
                continue
            fid = ls_id("field", f"{rec.id}-{f.key}")
            parents[fid] = rid
            results += _region_results(
                FIELD, f.key, fid, f.region, page, score=f.confidence, text=f.raw_text, value=f.value,
                status=f.status.value, flags=[fl.code for fl in f.flags if fl.code in FIELD_FLAGS])
            for ln in f.lines:
                parents[ls_id("line", ln.id)] = fid
                results += _line_results(ln, page)
    for reg in page.regions:
        gid = ls_id("region", reg.id)
        results += _region_results(REGION, reg.kind, gid, reg.polygon, page, text=reg.text)
        for ln in reg.lines:
            parents[ls_id("line", ln.id)] = gid
            results += _line_results(ln, page)
    return results, parents


def page_task(page: Page, image_url: str, prediction: Page | None = None) -> dict[str, Any]:
    """The task data of a page: the image URL, the page header and the parents of the regions
    of its prediction (``prediction``, else the page itself)."""
    _, parents = page_results(prediction or page)
    return {IMAGE: image_url, "page_id": page.id, "template_id": page.template_id,
            "page": page_header(page), "parents": parents}


def model_version(page: Page) -> str:
    """A prediction's model version: the drafting models (id@sha256 prefix) or the generator."""
    prov = page.provenance
    if prov is None:
        return "unknown"
    if prov.models:
        return "+".join(f"{k}@{v[:12]}" for k, v in sorted(prov.models.items()))
    return f"{prov.source}:{prov.generator or 'unknown'}"


def page_score(page: Page) -> float:
    """A prediction's score: the mean confidence of its fields read (1.0 where none is given: truth;
    a field drafted empty carries how blank its slot is, not a reading's confidence)."""
    conf = [f.confidence for r in page.records for f in r.fields if f.confidence is not None and f.raw_text]
    return float(np.mean(conf)) if conf else 1.0


def page_prediction(page: Page) -> dict[str, Any]:
    """A Label Studio prediction (result, score, model_version) of a page."""
    results, _ = page_results(page)
    return {"result": results, "score": page_score(page), "model_version": model_version(page)}


# --- Label Studio -> schema ---------------------------------------------------------------------

@dataclass
class _Item:
    """One annotated region with its attached per-region values."""

    id: str
    role: str
    label: str
    polygon: Polygon
    text: str = ""
    value: str | None = None
    status: str | None = None
    flags: list[str] = dc_field(default_factory=list)


@dataclass
class PulledPage:
    """A page rebuilt from one annotation, with what could not be placed (no personal data)."""

    page: Page
    warnings: list[str] = dc_field(default_factory=list)


def _items(results: Sequence[dict[str, Any]], width: int, height: int
           ) -> tuple[list[_Item], dict[str, list[str]]]:
    items: dict[str, _Item] = {}
    attached: dict[str, list[dict[str, Any]]] = {}
    page_choices: dict[str, list[str]] = {}
    for res in results:
        kind, control, value = res.get("type", ""), res.get("from_name", ""), res.get("value", {})
        if kind.endswith("labels") and control in ROLE_OF_CONTROL:
            labels = value.get(kind) or []
            if labels:
                items[res["id"]] = _Item(res["id"], ROLE_OF_CONTROL[control], labels[0],
                                         region_polygon(res, width, height))
        elif control in (BOOK_TYPE, CONDITION):
            page_choices[control] = list(value.get("choices", []))
        elif "id" in res:
            attached.setdefault(res["id"], []).append(res)
    for rid, extra in attached.items():
        item = items.get(rid)
        if item is None:
            continue
        for res in extra:
            control, value = res["from_name"], res["value"]
            if control == TEXT:
                item.text = " ".join(value.get("text", []))
            elif control == VALUE:
                item.value = " ".join(value.get("text", [])) or None
            elif control == STATUS:
                item.status = (value.get("choices") or [None])[0]
            elif control == FLAGS:
                item.flags = list(value.get("choices", []))
    return list(items.values()), page_choices


def _parent(item: _Item, candidates: dict[str, _Item], pushed: dict[str, str]) -> str | None:
    """The pushed parent while the region still overlaps it, else the candidate overlapping most."""
    known = pushed.get(item.id)
    if known in candidates and overlap(item.polygon, candidates[known].polygon) > 0:
        return known
    best, best_share = None, 0.0
    for cid, cand in candidates.items():
        share = overlap(item.polygon, cand.polygon)
        if share > best_share:
            best, best_share = cid, share
    return best


def _line(item: _Item) -> Line:
    return Line(id=schema_id("line", item.id), polygon=item.polygon, text=item.text,
                strikethrough="struck_out" in item.flags)


def _field(item: _Item, lines: list[Line], spec_type: str | None, year: int,
           warnings: list[str]) -> Field:
    status = item.status or (FieldStatus.FILLED.value if item.text else FieldStatus.EMPTY.value)
    if status == FieldStatus.FILLED.value and not item.text:
        warnings.append(f"field region {item.id} ({item.label}) is 'filled' without a transcription: kept as empty")
        status = FieldStatus.EMPTY.value
    if status == FieldStatus.EMPTY.value and item.text:
        warnings.append(f"field region {item.id} ({item.label}) is 'empty' but has a transcription: kept as filled")
        status = FieldStatus.FILLED.value
    value = item.value
    if value is None and status == FieldStatus.FILLED.value and spec_type is not None:
        value = normalize(spec_type, item.text, year=year).value
    return Field(key=item.label, raw_text=item.text, value=value, region=item.polygon, lines=lines,
                 status=FieldStatus(status), flags=[Flag(code=c) for c in item.flags if c in FIELD_FLAGS])


def results_to_page(results: Sequence[dict[str, Any]], task_data: dict[str, Any],
                    templates: dict[str, LedgerTemplate], *, created: str | None = None) -> PulledPage:
    """The schema page of one annotation's results (provenance "annotation").

    ``task_data`` is the task pushed by :func:`page_task`; ``templates`` maps template ids to
    templates (field order and types, for the normalized values that the annotator left empty).
    Record, field and line order follow the results; fields follow the template's order."""
    header = task_data["page"]
    width, height = header["image"]["width"], header["image"]["height"]
    pushed: dict[str, str] = task_data.get("parents", {})
    template = templates.get(header["template_id"])
    order = {f.key: i for i, f in enumerate(template.fields)} if template else {}
    types = {f.key: f.type for f in template.fields} if template else {}
    items, choices = _items(results, width, height)
    warnings: list[str] = []
    by_role: dict[str, dict[str, _Item]] = {r: {} for r in PREFIX}
    for it in items:
        by_role[it.role][it.id] = it
    containers = {**by_role["field"], **by_role["region"]}
    lines_of: dict[str, list[Line]] = {}
    for it in by_role["line"].values():
        parent = _parent(it, containers, pushed)
        if parent is None:
            warnings.append(f"line region {it.id} lies in no field or region: left out")
            continue
        lines_of.setdefault(parent, []).append(_line(it))
    fields_of: dict[str, list[tuple[int, Field]]] = {}
    year = header["book"]["year"]
    for it in by_role["field"].values():
        parent = _parent(it, by_role["record"], pushed)
        if parent is None:
            warnings.append(f"field region {it.id} ({it.label}) lies in no record: left out")
            continue
        if it.label in {f.key for _, f in fields_of.get(parent, [])}:
            warnings.append(f"record {parent} has two '{it.label}' regions: {it.id} left out")
            continue
        f = _field(it, lines_of.get(it.id, []), types.get(it.label), year, warnings)
        fields_of.setdefault(parent, []).append((order.get(it.label, len(order)), f))
    records = []
    for rid, it in by_role["record"].items():
        fields = [f for _, f in sorted(fields_of.get(rid, []), key=lambda p: p[0])]
        number = next((f.value for f in fields if f.key == "so"), None)
        records.append(Record(id=schema_id("record", rid), number=number, region=it.polygon, fields=fields))
    regions = [Region(id=schema_id("region", gid), kind=it.label, polygon=it.polygon, text=it.text,
                      lines=lines_of.get(gid, []))
               for gid, it in by_role["region"].items()]
    page = Page.model_validate({**header, "records": [], "regions": []})
    book_type = (choices.get(BOOK_TYPE) or [None])[0]
    if book_type in BOOK_TYPES:
        page.book.book_type = BookType(book_type)
    page.records, page.regions = records, regions
    page.provenance = Provenance(source="annotation", conditions=choices.get(CONDITION, []), created=created)
    return PulledPage(page, warnings)
