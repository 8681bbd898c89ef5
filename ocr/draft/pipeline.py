"""Draft one page: layout -> line crops -> recognition (one batch per page) -> fields -> values.

The page is turned upright first: the layout is tried at the quarter turns that fit the
template's paper shape (0 and 180, or 90 and 270 degrees) and the turn that finds the most
records with the fewest warnings is kept, so the draft's coordinates refer to the upright image.
A blank page gives a draft with no records and a warning; a page where the layout finds no records
is an error that names the template (it most likely does not fit the book).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from ocr.draft import rereads, surnames
from ocr.draft.blank import blank_confidence
from ocr.draft.readers import DEFAULT_BEAM, LineJob, LineReader, Reading, make_reader
from ocr.fields import normalize
from ocr.htr.constraints import GENDERS
from ocr.htr.preprocess import line_crop
from ocr.layout import shared_analyzer
from ocr.layout.base import LayoutResult
from ocr.layout.deskew import binarize, gray_channel
from ocr.layout.strikes import leading_struck
from ocr.schema import (AdminUnit, BookMeta, BookType, Field, FieldStatus, Flag, ImageRef, Line, Page,
                        Provenance, Record)
from ocr.templates import LedgerTemplate, load_template

DEFAULT_LAYOUT = "learned"  # the U-Net maps; "classical" needs no model
BLANK_INK = 0.002  # a page with less ink than this share of its pixels is blank
_BLANK_SIDE = 800  # ink is measured on the page scaled to this width
STRUCK_MESSAGE = "writing struck out and written again in this field; check which is the entry"
# Field types whose struck-out lines are looked for: long writing. A closed-set word over two lines
# ("Việt" / "Nam") or a signature's pen mark can ink a straight band as a stroke does; on 300
# calibration pages this keeps 277 of 314 struck lines found and 10 clean ones taken (56 without).
STRIKE_TYPES = frozenset({"name", "place", "text", "title", "time", "date_words"})


class DraftError(RuntimeError):
    """A page that cannot be drafted; the message says why and what to do."""


@dataclass(frozen=True)
class BookInfo:
    """What the book is: from the command's options, else the template's defaults."""

    book_type: BookType
    year: int
    volume: str = "01"
    unit: AdminUnit | None = None

    @classmethod
    def for_template(cls, template: LedgerTemplate, *, book_type: str | None = None, year: int | None = None,
                     volume: str | None = None, unit: str | None = None) -> "BookInfo":
        """``unit`` is "province,district,commune" (district and commune optional). A book type
        other than the template's is an error (the template decides the fields)."""
        if book_type is not None and book_type.upper() != template.book_type.value:
            raise ValueError(f"book type {book_type} does not match template {template.id} "
                             f"({template.book_type.value}); leave --book-type out or choose another template")
        if year is not None and not template.years[0] - 5 <= year <= template.years[1] + 5:
            raise ValueError(f"year {year} is far outside the years of template {template.id} "
                             f"({template.years[0]}-{template.years[1]}); check --year and --template")
        return cls(template.book_type, year if year is not None else template.years[0], volume or "01",
                   parse_unit(unit) if unit else None)


def parse_unit(text: str) -> AdminUnit:
    """"Tỉnh X, Huyện Y, Xã Z" -> AdminUnit (district and commune optional)."""
    parts = [p.strip() for p in text.split(",")]
    if not parts[0] or len(parts) > 3 or any(not p for p in parts):
        raise ValueError(f"--unit {text!r}: give 'province', 'province,district' or 'province,district,commune'")
    return AdminUnit(province=parts[0], district=parts[1] if len(parts) > 1 else None,
                     commune=parts[2] if len(parts) > 2 else None)


@dataclass(frozen=True)
class DraftSettings:
    """Everything that decides a page's draft (a change means pages are drafted again)."""

    template: str
    book: BookInfo
    layout: str = DEFAULT_LAYOUT
    recognizer: str = "ours"
    model: Path | None = None
    threads: int | None = None
    beam_width: int = DEFAULT_BEAM

    def fingerprint(self, models: dict[str, str]) -> str:
        """A text that changes whenever the drafts would (threads excepted)."""
        unit = self.book.unit.model_dump_json() if self.book.unit else ""
        return "|".join([self.template, self.book.book_type.value, str(self.book.year), self.book.volume, unit,
                         self.layout, self.recognizer, str(self.beam_width),
                         ",".join(f"{k}={v}" for k, v in sorted(models.items()))])


@dataclass
class Drafted:
    """A drafted page, the upright image it refers to, and what to tell the user."""

    page: Page
    image: np.ndarray
    turn: int = 0  # clockwise quarter turn applied to the input to make it upright
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def ink_share(rgb: np.ndarray) -> float:
    """The share of dark (ink or ruling) pixels of a page, measured on a small copy."""
    scale = min(1.0, _BLANK_SIDE / max(rgb.shape[:2]))
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    grey = gray_channel(small)
    if float(grey.std()) < 4.0:  # flat: nothing written, whatever the threshold says
        return 0.0
    return float(np.count_nonzero(binarize(grey))) / grey.size


def turn(image: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by a multiple of 90 degrees."""
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4)) if degrees % 360 else image


def _score(res: LayoutResult) -> tuple[bool, int, int]:
    return bool(res.records), -len(res.warnings), len(res.records)


class PageDrafter:
    """Loads the template, layout analyzer and line reader once; drafts pages one at a time."""

    def __init__(self, settings: DraftSettings, reader: LineReader | None = None) -> None:
        self.settings = settings
        self.template = load_template(settings.template)
        self.analyzer = shared_analyzer(settings.layout)
        self.reader = reader or make_reader(settings.recognizer, model=settings.model, threads=settings.threads,
                                            beam_width=settings.beam_width)
        self.models = {**getattr(self.analyzer, "models", {}), **self.reader.models}
        self.fingerprint = settings.fingerprint(self.models)

    def _upright(self, rgb: np.ndarray) -> tuple[np.ndarray, LayoutResult, int]:
        page = self.template.page
        fits = (page.height_mm > page.width_mm) == (rgb.shape[0] > rgb.shape[1])
        best: tuple[tuple[bool, int, int], np.ndarray, LayoutResult, int] | None = None
        for quarter in ((0, 180) if fits else (90, 270)):
            image = turn(rgb, quarter)
            res = self.analyzer.analyze(image, self.template, None)
            if best is None or _score(res) > best[0]:
                best = (_score(res), image, res, quarter)
            if res.records and not res.warnings:
                break
        assert best is not None
        return best[1], best[2], best[3]

    def draft(self, rgb: np.ndarray, *, page_id: str, page_number: int, image_path: str = "",
              record_prefix: str = "") -> Drafted:
        """Draft one RGB page. ``image_path`` goes into the draft's image reference;
        ``record_prefix`` starts every record id (e.g. the spread, so that the left and right
        pages of a spread share their records' ids). Raises :class:`DraftError` when the layout
        finds no record on a page that is not blank."""
        start = time.perf_counter()
        warnings: list[str] = []
        meta = self._meta(page_number)
        if ink_share(rgb) < BLANK_INK:
            page = self._page(page_id, rgb, image_path, meta, None, [])
            return Drafted(page, rgb, 0, [f"{page_id}: the page looks blank; no records drafted"],
                           time.perf_counter() - start)
        image, res, quarter = self._upright(rgb)
        if quarter:
            warnings.append(f"{page_id}: the page was turned {quarter} degrees clockwise to stand upright")
        warnings += [f"{page_id}: layout: {w}" for w in res.warnings]
        if not res.records:
            hint = "" if res.grid and res.grid.cells and not res.warnings else (
                f"; the page does not look like template {self.template.id} ({self.template.name}): "
                "check --template (`hotich templates` lists them)")
            if hint:
                raise DraftError(f"{page_id}: the layout found no records{hint}")
            warnings.append(f"{page_id}: the table was found but no filled records in it")
        records = self._read(image, res, record_prefix)
        page = self._page(page_id, image, image_path, meta, res, records)
        return Drafted(page, image, quarter, warnings, time.perf_counter() - start)

    def _meta(self, page_number: int) -> BookMeta:
        b = self.settings.book
        return BookMeta(book_type=b.book_type, year=b.year, volume=b.volume, page_number=page_number, unit=b.unit)

    def _page(self, page_id: str, image: np.ndarray, image_path: str, meta: BookMeta, res: LayoutResult | None,
              records: list[Record]) -> Page:
        h, w = image.shape[:2]
        return Page(id=page_id, image=ImageRef(path=image_path or f"{page_id}.jpg", width=w, height=h),
                    template_id=self.template.id, side=res.side if res else "single", book=meta,
                    grid=res.grid if res else None, records=records, regions=res.regions if res else [],
                    provenance=Provenance(source="draft", models=dict(self.models),
                                          created=datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def _read(self, image: np.ndarray, res: LayoutResult, prefix: str) -> list[Record]:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        records = [mark_struck(rec, grey, self.template) for rec in res.records]
        jobs: list[LineJob] = []
        where: list[tuple[int, int, int]] = []  # (record, field, line) of each job
        for r, rec in enumerate(records):
            for f, fld in enumerate(rec.fields):
                spec = self.template.field(fld.key)
                kind, gender = spec.type, spec.gender if spec.gender in GENDERS else None
                live = [ln for ln in fld.lines if not ln.strikethrough]
                for n, ln in enumerate(fld.lines):
                    crop = line_crop(grey, ln.polygon)
                    if crop.size == 0:
                        continue
                    # a struck-out line is read too, as a fragment: PAGE-XML keeps it, struck through
                    jobs.append(LineJob(crop, kind, fragment=len(live) > 1 or ln.strikethrough, gender=gender))
                    where.append((r, f, n))
        readings: dict[tuple[int, int, int], Reading] = dict(zip(where, self.reader.read(jobs)))
        crops = dict(zip(where, (j.image for j in jobs)))
        reread = rereads.reread(self.template, self.settings.book.year, self.reader, records, readings, crops)
        return [self._record(rec, r, prefix, readings, grey, reread) for r, rec in enumerate(records)]

    def _record(self, rec: Record, r: int, prefix: str, readings: dict[tuple[int, int, int], Reading],
                grey: np.ndarray, reread: Collection[tuple[int, int]] = frozenset()) -> Record:
        fields = [self._field(fld, [(ln, readings.get((r, f, n))) for n, ln in enumerate(fld.lines)], grey,
                              [surnames.flag()] if (r, f) in reread else [])
                  for f, fld in enumerate(rec.fields)]
        number = next((f.value for f in fields if f.key == "so" and f.value), None)
        return Record(id=f"{prefix}r{r}", number=number, region=rec.region, fields=fields)

    def _field(self, fld: Field, lines: list[tuple[Line, Reading | None]], grey: np.ndarray,
               extra: Sequence[Flag] = ()) -> Field:
        """Raw text = the lines read, joined (struck-out lines, :mod:`ocr.layout.strikes`, keep their
        reading but are left out, and flag the field ``struck_out``); confidence = the lowest line
        confidence, or for a field read as empty the confidence that its slot is blank
        (:mod:`ocr.draft.blank`); value and flags from ``normalize``, then ``extra`` flags."""
        crossed = any(ln.strikethrough for ln, _ in lines)
        out_lines, texts, confs = [], [], []
        for ln, reading in lines:
            if reading is None:
                out_lines.append(ln)
                continue
            out_lines.append(ln.model_copy(update={
                "text": reading.text, "confidence": _unit(reading.confidence),
                "char_confidences": list(reading.char_probs) if reading.char_probs is not None else None}))
            if ln.strikethrough:
                continue
            if reading.text.strip():
                texts.append(reading.text.strip())
            if reading.confidence is not None:
                confs.append(_unit(reading.confidence))
        raw = " ".join(texts)
        book = self.settings.book
        norm = normalize(self.template.field(fld.key).type, raw, year=book.year, unit=book.unit)
        conf = (min(confs) if confs else None) if raw else blank_confidence(grey, fld.region)
        flags = list(norm.flags) + ([Flag(code="struck_out", message=STRUCK_MESSAGE)] if crossed else []) + list(extra)
        return Field(key=fld.key, raw_text=raw, value=norm.value, region=fld.region,
                     lines=out_lines, confidence=conf,
                     status=FieldStatus.FILLED if raw else FieldStatus.EMPTY, flags=flags)


def mark_struck(rec: Record, grey: np.ndarray, template: LedgerTemplate) -> Record:
    """``rec`` with the struck-out leading lines of its fields of :data:`STRIKE_TYPES` marked
    (:mod:`ocr.layout.strikes`)."""
    fields = []
    for fld in rec.fields:
        n = (leading_struck(grey, [ln.polygon for ln in fld.lines])
             if len(fld.lines) > 1 and template.field(fld.key).type in STRIKE_TYPES else 0)
        lines = [ln.model_copy(update={"strikethrough": True}) if i < n else ln for i, ln in enumerate(fld.lines)]
        fields.append(fld.model_copy(update={"lines": lines}) if n else fld)
    return rec.model_copy(update={"fields": fields})


def _unit(x: float | None) -> float | None:
    return None if x is None else min(1.0, max(0.0, float(x)))
