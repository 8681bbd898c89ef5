"""Lines read again with what the rest of the record tells, after a page's first reading.

Each line is first read alone. The template says more about some fields (``ocr/templates.py``),
and :func:`reread` uses it, in this order, each step with one more call to the reader:

- a name written over several lines is ranked as one name (:mod:`ocr.draft.name_lines`);
- a name whose gender the record writes in another field (``gender: nksGioiTinh``) is ranked by
  that gender's names (a name of a fixed gender, ``gender: Nữ``, is read that way the first time);
- a date of the book's year (``book_year``) read outside the year +- ``ocr.checks.YEAR_SLACK`` takes the
  best reading kept inside it, if any;
- a name that usually carries another's surname (``surname_of``) is read together with it
  (:mod:`ocr.draft.surnames`).

A line whose reading changes is read again as the new text (so its character probabilities are
its own) and its confidence is capped by that reading's share of the readings weighed.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ocr.checks import YEAR_SLACK
from ocr.draft import name_lines, surnames
from ocr.draft.readers import LineJob, LineReader, Reading
from ocr.fields import normalize
from ocr.htr.constraints import GENDERS
from ocr.htr.decode import share
from ocr.htr.name_prior import name_log_prior
from ocr.schema import Record
from ocr.templates import LedgerTemplate

Line = tuple[int, int, int]  # (record, field, line)
Readings = dict[Line, Reading]
Crops = dict[Line, np.ndarray]


def reread(template: LedgerTemplate, year: int, reader: LineReader, records: list[Record], readings: Readings,
           crops: Crops) -> set[tuple[int, int]]:
    """Apply every step of the module docstring to ``readings`` (changed in place); returns the
    (record, field) of the names read with another's surname, to be flagged."""
    names_over_lines(template, reader, records, readings, crops)
    genders(template, reader, records, readings, crops)
    book_year_dates(template, year, reader, records, readings, crops)
    return surname_pairs(template, reader, records, readings, crops)


def _single(rec: Record, r: int, f: int) -> Line | None:
    live = [n for n, ln in enumerate(rec.fields[f].lines) if not ln.strikethrough]
    return (r, f, live[0]) if len(live) == 1 else None


def _read_as(reader: LineReader, crops: Crops, readings: Readings,
             todo: list[tuple[Line, str, bool, str, float]]) -> None:
    """Read each (line, field type, fragment, text, share) again as exactly that text; keep it, its
    confidence capped by the share, when the reader finds it."""
    if not todo:
        return
    again = reader.read([LineJob(crops[line], kind, fragment, frozenset([text]), whole=True)
                         for line, kind, fragment, text, _ in todo])
    for (line, _, _, text, cap), reading in zip(todo, again):
        if reading.text == text:
            readings[line] = replace(reading, confidence=min(reading.confidence or 0.0, cap))


def gender_of(template: LedgerTemplate, rec: Record, r: int, key: str, readings: Readings) -> str | None:
    """The gender of name field ``key``: the template's, or as read in the record's gender field
    the template names; None when unknown."""
    source = template.field(key).gender
    if source is None or source in GENDERS:
        return source
    g = next((g for g, fld in enumerate(rec.fields) if fld.key == source), None)
    if g is None:
        return None
    said = " ".join(x.text for n, _ in enumerate(rec.fields[g].lines) if (x := readings.get((r, g, n))))
    value = normalize("gender", said).value
    return value if value in GENDERS else None


def names_over_lines(template: LedgerTemplate, reader: LineReader, records: list[Record], readings: Readings,
                     crops: Crops) -> None:
    """Rank each name written over several lines as one name (:mod:`ocr.draft.name_lines`)."""
    todo = []
    for r, rec in enumerate(records):
        for f, fld in enumerate(rec.fields):
            if template.field(fld.key).type != "name":
                continue
            live = [(r, f, n) for n, ln in enumerate(fld.lines) if not ln.strikethrough]
            got = [readings.get(line) for line in live]
            if len(live) < 2 or any(x is None or not x.alternatives for x in got):
                continue
            pick, cap = name_lines.best_joint([[(a.text, a.score) for a in x.alternatives] for x in got],
                                              gender_of(template, rec, r, fld.key, readings))
            todo += [(line, "name", True, x.alternatives[k].text, cap) for line, x, k in zip(live, got, pick) if k]
    _read_as(reader, crops, readings, todo)


def genders(template: LedgerTemplate, reader: LineReader, records: list[Record], readings: Readings,
            crops: Crops) -> None:
    """Read again, ranked by the names of that gender, the single-line names whose gender is
    written in another field of the record, where that changes the best of the readings kept."""
    todo = []
    for r, rec in enumerate(records):
        for f, fld in enumerate(rec.fields):
            if template.field(fld.key).gender in (None, *GENDERS):
                continue
            line = _single(rec, r, f)
            reading = readings.get(line) if line else None
            gender = gender_of(template, rec, r, fld.key, readings)
            if reading is not None and gender is not None and reading.alternatives:
                ranked = [a.score - name_log_prior(a.text) + name_log_prior(a.text, gender)
                          for a in reading.alternatives]
                if max(range(len(ranked)), key=ranked.__getitem__):
                    todo.append((line, gender))
    if todo:
        again = reader.read([LineJob(crops[line], "name", False, gender=g) for line, g in todo])
        for (line, _), reading in zip(todo, again):
            readings[line] = reading


def _year(date_text: str, year: int) -> int | None:
    value = normalize("date", date_text, year=year).value
    return int(value[:4]) if value and value[:4].isdigit() else None


def book_year_dates(template: LedgerTemplate, year: int, reader: LineReader, records: list[Record],
                    readings: Readings, crops: Crops) -> None:
    """A single-line date of the book's year read outside the year +- :data:`~ocr.checks.YEAR_SLACK` takes the
    best reading kept inside it ("21/02/06" in a 1995 book, where "21/01/95" was kept too)."""
    def inside(text: str) -> bool:
        y = _year(text, year)
        return y is not None and abs(y - year) <= YEAR_SLACK

    todo = []
    for r, rec in enumerate(records):
        for f, fld in enumerate(rec.fields):
            line = _single(rec, r, f) if template.field(fld.key).book_year else None
            reading = readings.get(line) if line else None
            if reading is None or not reading.alternatives or inside(reading.text):
                continue
            k = next((k for k, a in enumerate(reading.alternatives) if inside(a.text)), None)
            if k:
                scores = [a.score for a in reading.alternatives]
                todo.append((line, "date", False, reading.alternatives[k].text, share(scores, k)))
    _read_as(reader, crops, readings, todo)


def surname_pairs(template: LedgerTemplate, reader: LineReader, records: list[Record], readings: Readings,
                  crops: Crops) -> set[tuple[int, int]]:
    """Read again the name pairs of :mod:`ocr.draft.surnames` whose surnames disagree, and keep the
    best pair of readings; returns the (record, field) of each reading changed."""
    todo = []
    for pair in surnames.pairs(records, template):
        a, b = readings.get(pair.name), readings.get(pair.of)
        if (a is not None and b is not None and a.score is not None and b.score is not None
                and surnames.surname(a.text) and surnames.surname(b.text)
                and surnames.surname(a.text) != surnames.surname(b.text)):
            todo.append((pair, a, b))
    if not todo:
        return set()
    jobs = [LineJob(crops[line], "name", False, surnames.surname_starts(other.text))
            for pair, a, b in todo for line, other in ((pair.name, b), (pair.of, a))]
    again = reader.read(jobs)
    changed = set()
    for k, (pair, a, b) in enumerate(todo):
        a2, b2 = again[2 * k], again[2 * k + 1]
        best, share = surnames.choose((a.text, a.score), (b.text, b.score), _scored(a2), _scored(b2))
        if best:
            line, new = (pair.name, a2) if best == 1 else (pair.of, b2)
            readings[line] = replace(new, confidence=min(new.confidence or 0.0, share))
            changed.add(line[:2])
    return changed


def _scored(reading: Reading) -> tuple[str, float] | None:
    return (reading.text, reading.score) if reading.score is not None else None
