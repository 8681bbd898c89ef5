"""Evaluate the drafting pipeline end to end on pages with ground truth (as `hotich synth` writes).

Each page image is drafted as `hotich draft` would (layout, recognition, normalization, then the
book-level inference and checks over the pages of each book), the drafted records are matched
one to one to the true records by region IoU (>= 0.5, greedy, highest first) and fields by key.
Every field of every true record is scored, and every field of a drafted record that matches none
(its truth is empty):

- ``field_accuracy``: share of fields whose normalized value equals the truth (None == None);
- ``field_cer``: character error rate of the raw text (edits summed over the summed truth length);
- ``effort``: edit distance from the drafted value to the true value, summed, over the characters
  of the true values: the share of typing-from-scratch an officer still does (0 = nothing to fix);
- ``auto_accept_share``: share of fields :func:`~ocr.draft.accept.auto_acceptable` at the
  threshold (per field type with a :class:`~ocr.calibration.Calibration`; fields drafted empty
  only through a calibration's blank groups), and
  ``auto_accept_precision`` the share of those that are right (None if none);
- ``pages_per_s``: pages over the drafting time (decoding, layout, recognition, checks);
- ``peak_rss_mb``: the process's peak resident memory.

``by_type`` gives the field scores per template field type (name, date, place...), ``by_template``
per ledger template (ks_1999, ks_dense...). ``on_field``
receives every scored field as a :class:`~ocr.calibration.FieldSample` (what
``hotich models calibrate`` fits thresholds on); ``on_wrong`` every wrong field as a
:func:`wrong_field` row (what ``hotich eval draft --errors`` writes).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ocr.calibration import Calibration, FieldSample, blank_group
from ocr.checks import check_book
from ocr.draft.accept import AUTO_ACCEPT, accept_group, accept_threshold, acceptable
from ocr.draft.inputs import InputError, PageSource, collect_pages, load_page
from ocr.draft.pipeline import DEFAULT_LAYOUT, BookInfo, DraftError, DraftSettings, PageDrafter
from ocr.draft.readers import DEFAULT_BEAM, LineReader, make_reader
from ocr.draft.inference import infer_book
from ocr.evaluation.layout import iou_pairs, page_files
from ocr.metrics import edit_distance, normalize as norm_text
from ocr.schema import Field, Page, Record
from ocr.templates import LedgerTemplate, load_template

MATCH_IOU = 0.5
KEYS = ("field_accuracy", "field_cer", "effort", "auto_accept_share", "auto_accept_precision", "pages_per_s",
        "peak_rss_mb")


@dataclass
class Tally:
    """Running sums over scored fields."""

    fields: int = 0
    correct: int = 0
    raw_edits: int = 0
    raw_chars: int = 0
    value_edits: int = 0
    value_chars: int = 0
    accepted: int = 0
    accepted_correct: int = 0

    def add(self, truth: Field | None, pred: Field | None, accept: bool) -> None:
        tv, pv = (truth.value if truth else None), (pred.value if pred else None)
        tr, pr = norm_text(truth.raw_text) if truth else "", norm_text(pred.raw_text) if pred else ""
        right = tv == pv
        self.fields += 1
        self.correct += right
        self.raw_edits += edit_distance(pr, tr)
        self.raw_chars += len(tr)
        self.value_edits += edit_distance(pv or "", tv or "")
        self.value_chars += len(tv or "")
        self.accepted += accept
        self.accepted_correct += accept and right

    def scores(self) -> dict[str, float | None]:
        return {"field_accuracy": self.correct / self.fields if self.fields else 0.0,
                "field_cer": self.raw_edits / max(1, self.raw_chars),
                "effort": self.value_edits / max(1, self.value_chars),
                "auto_accept_share": self.accepted / self.fields if self.fields else 0.0,
                "auto_accept_precision": self.accepted_correct / self.accepted if self.accepted else None}


@dataclass
class DraftEval:
    """Counts besides the scores."""

    tally: Tally = field(default_factory=Tally)
    by_type: dict[str, Tally] = field(default_factory=dict)  # per template field type
    by_template: dict[str, Tally] = field(default_factory=dict)  # per ledger template
    pages: int = 0
    failed: list[str] = field(default_factory=list)
    records_true: int = 0
    records_drafted: int = 0
    records_matched: int = 0
    seconds: float = 0.0


def match_records(pred: list[Record], truth: list[Record], threshold: float = MATCH_IOU) -> dict[int, int]:
    """{truth index: drafted index}, one to one, by region IoU (highest first)."""
    pairs = iou_pairs([_poly(r) for r in pred], [_poly(r) for r in truth])
    used, out = set(), {}
    for iou, i, j in sorted(pairs, reverse=True):
        if iou < threshold:
            break
        if i not in used and j not in out:
            used.add(i)
            out[j] = i
    return out


def _poly(rec: Record) -> np.ndarray:
    return np.asarray(rec.region, float)


def wrong_field(page: Page, record: int | None, kind: str, truth: Field | None, pred: Field | None,
                accepted: bool) -> dict[str, Any]:
    """One wrong field, for error analysis: where it is, what it should be and what was drafted."""
    return {"page": page.id, "image": page.image.path, "record": record, "key": (truth or pred).key, "type": kind,
            "true_raw": truth.raw_text if truth else "", "true_value": truth.value if truth else None,
            "raw": pred.raw_text if pred else "", "value": pred.value if pred else None,
            "confidence": pred.confidence if pred else None, "accepted": accepted,
            "flags": [f.code for f in pred.flags] if pred else [], "matched": pred is not None and truth is not None}


def score_page(truth: Page, pred: Page, template: LedgerTemplate, result: DraftEval, threshold: float,
               calibration: Calibration | None = None, on_field: Callable[[FieldSample], None] | None = None,
               on_wrong: Callable[[dict[str, Any]], None] | None = None, book: str = "") -> None:
    """Add a drafted page's records and fields to ``result``; with a calibration its per-type
    thresholds replace ``threshold``; ``book`` names the page's book in the samples ``on_field``
    gets."""
    matched = match_records(pred.records, truth.records)
    year = pred.book.year

    def add(tf: Field | None, pf: Field | None, record: int | None) -> None:
        kind = template.field((tf or pf).key).type
        group = accept_group(pf, kind) if pf is not None else kind
        could = pf is not None and acceptable(pf, kind, year=year)  # at some confidence
        limit = accept_threshold(group, threshold=None if calibration is not None else threshold,
                                 calibration=calibration)
        ok = could and pf is not None and pf.confidence is not None and pf.confidence >= limit
        right = (tf.value if tf else None) == (pf.value if pf else None)
        if on_field is not None:
            on_field(FieldSample(group, pf.confidence if pf else None, right, could, book))
        if on_wrong is not None and not right:
            on_wrong(wrong_field(truth, record, kind, tf, pf, ok))
        result.tally.add(tf, pf, ok)
        result.by_type.setdefault(kind, Tally()).add(tf, pf, ok)
        result.by_template.setdefault(template.id, Tally()).add(tf, pf, ok)

    for j, t_rec in enumerate(truth.records):
        p_rec = pred.records[matched[j]] if j in matched else None
        p_fields = {f.key: f for f in p_rec.fields} if p_rec else {}
        for tf in t_rec.fields:
            add(tf, p_fields.get(tf.key), j)
    for i in set(range(len(pred.records))) - set(matched.values()):
        for pf in pred.records[i].fields:
            add(None, pf, None)
    result.records_true += len(truth.records)
    result.records_drafted += len(pred.records)
    result.records_matched += len(matched)


def _book_key(page: Page) -> tuple:
    unit = page.book.unit.model_dump_json() if page.book.unit else ""
    return page.template_id, page.book.book_type.value, page.book.year, page.book.volume, unit


def evaluate_draft(data: Path, *, recognizer: str = "ours", model: Path | None = None, threads: int | None = None,
                   beam_width: int = DEFAULT_BEAM, layout: str = DEFAULT_LAYOUT, threshold: float = AUTO_ACCEPT,
                   limit: int | None = None, progress: Callable[[int, int], None] | None = None,
                   calibration: Calibration | None = None,
                   on_field: Callable[[FieldSample], None] | None = None,
                   on_wrong: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Draft every page of ``data`` that has ground truth and score the drafts (see the module
    docstring); returns :data:`KEYS` and counts. ``calibration`` (per-type thresholds) replaces
    ``threshold``; the caller chooses it (:func:`ocr.calibration.calibration_for_model`)."""
    files = page_files(data, limit)
    if not files:
        raise ValueError(f"no page JSON with an image beside it in {data}; make some with `hotich synth`")
    reader: LineReader = make_reader(recognizer, model=model, threads=threads, beam_width=beam_width)
    drafters: dict[tuple, PageDrafter] = {}
    result = DraftEval()
    truths: list[Page] = []
    drafts: list[Page] = []
    books: list[str] = []
    start = time.perf_counter()
    for n, path in enumerate(files):
        truth = Page.load(path)
        image = path.parent / truth.image.path
        key = _book_key(truth)
        if key not in drafters:
            t = load_template(truth.template_id)
            book = BookInfo(truth.book.book_type, truth.book.year, truth.book.volume, truth.book.unit)
            drafters[key] = PageDrafter(DraftSettings(t.id, book, layout, recognizer, model, threads, beam_width),
                                        reader=reader)
        sources, problems = collect_pages([image])
        try:
            if problems:
                raise InputError(problems[0].message)
            src: PageSource = sources[0]
            d = drafters[key].draft(load_page(src).rgb, page_id=truth.id, page_number=truth.book.page_number,
                                    image_path=truth.image.path, record_prefix=f"p{n}-")
        except (InputError, DraftError) as exc:
            result.failed.append(str(exc))
            d = None
        truths.append(truth)
        books.append(f"{path.parent}|{key}")
        drafts.append(d.page if d else truth.model_copy(update={"records": []}))
        if progress:
            progress(n + 1, len(files))
    for key in {_book_key(p) for p in drafts}:
        book = [p for p in drafts if _book_key(p) == key]
        infer_book(book)
        check_book(book)
    result.seconds = time.perf_counter() - start
    for truth, pred, book_id in zip(truths, drafts, books):
        score_page(truth, pred, load_template(truth.template_id), result, threshold, calibration, on_field, on_wrong,
                   book_id)
    result.pages = len(files)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {**result.tally.scores(),
            "pages_per_s": result.pages / result.seconds if result.seconds else 0.0,
            "peak_rss_mb": rss / (1024 * 1024 if sys.platform == "darwin" else 1024),
            "pages": result.pages, "failed_pages": len(result.failed), "fields": result.tally.fields,
            "records_true": result.records_true, "records_drafted": result.records_drafted,
            "records_matched": result.records_matched, "recognizer": recognizer, "threshold": threshold,
            "calibration": calibration.summary() if calibration is not None else None,
            "models": dict(reader.models),
            "by_type": {k: {"fields": t.fields,
                            "threshold": calibration.threshold(k) if calibration is not None else threshold,
                            "blank_threshold": accept_threshold(blank_group(k), calibration=calibration),
                            **{m: (round(v, 4) if v is not None else None) for m, v in t.scores().items()}}
                        for k, t in sorted(result.by_type.items())},
            "by_template": {k: {"fields": t.fields, **{m: (round(v, 4) if v is not None else None)
                                                       for m, v in t.scores().items()}}
                            for k, t in sorted(result.by_template.items())},
            "problems": result.failed}
