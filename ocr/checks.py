"""Book-level checks of records: numbering, dates, required fields, confidence.

``check_book(pages)`` reads the pages of one book in page order; the parts of a record on the two
pages of a spread (the same record id) are one record. It adds flags to records and fields, never
changes a value, and returns how many flags of each code the book holds after checking:

- ``duplicate_number``: a registration number used by more than one record (each is flagged);
- ``out_of_sequence``: a number that breaks the rising order (the fewest records that explain it);
  a book may continue the previous book's numbering, so the first number need not be 1;
- ``number_gap``: numbers skipped before a record (a voided or skipped row is possible: review);
- ``invalid_date``: a date field whose text is no possible date;
- ``date_order``: a birth after the registration, a parent born after the child or less than
  12 years before, a death before the birth or after its registration, a registration date
  outside the book's year +- 1;
- ``required_empty``: a field the template marks ``required`` left empty;
- ``low_confidence``: a field read with confidence below ``low_confidence``;
- ``overwritten``, ``struck_out``: kept as drafting set them (writing over writing; a first
  attempt struck out and written again), counted.

Running it twice adds nothing new. Messages hold no personal data. Drafting runs
:func:`ocr.draft.inference.infer_book` first: it sets the values the whole book pins down (flags
``inferred_number``, ``inferred_year``, ``book_signer``, ``book_village``), which the checks then
read as values.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field as dc_field

from ocr.fields import normalize
from ocr.fields.roles import MAIN_ROLE, PARENT_ROLES, split_key
from ocr.schema import Field, FieldStatus, Flag, Page, Record
from ocr.templates import LedgerTemplate, RowsLayout, TemplateError, load_template

MIN_PARENT_AGE = 12  # years between a parent's birth and the child's
YEAR_SLACK = 1  # years a registration date may lie outside the book's year
KEPT_CODES = ("overwritten", "struck_out")  # set by drafting; counted, never removed
CHECK_CODES = (
    "duplicate_number", "out_of_sequence", "number_gap", "invalid_date", "date_order",
    "required_empty", "low_confidence", *KEPT_CODES,
)
_DATE_TYPES = ("date", "date_words")
# Without a template: the fields every record needs (registration number, date, the person).
_DEFAULT_REQUIRED = ("so", "ngayDangKy")


@dataclass
class BookRecord:
    """One record of the book: its parts on the pages of a spread, in page order."""

    id: str
    parts: list[tuple[Page, Record]] = dc_field(default_factory=list)

    def fields(self) -> dict[str, Field]:
        """The record's fields by key (the first part holding a key wins)."""
        out: dict[str, Field] = {}
        for _, rec in self.parts:
            for f in rec.fields:
                out.setdefault(f.key, f)
        return out

    @property
    def first(self) -> Record:
        return self.parts[0][1]


def book_records(pages: Sequence[Page]) -> list[BookRecord]:
    """The records of a book in order of first appearance, spread parts joined by record id."""
    records: dict[str, BookRecord] = {}
    for page in pages:
        for rec in page.records:
            records.setdefault(rec.id, BookRecord(rec.id)).parts.append((page, rec))
    return list(records.values())


class _Flagger:
    """Adds a flag unless the same one is there, and counts flags by code."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, flags: list[Flag], code: str, message: str) -> None:
        if not any(f.code == code and f.message == message for f in flags):
            flags.append(Flag(code=code, message=message))
        self.counts[code] += 1


def _template(template_id: str) -> LedgerTemplate | None:
    """The page's template; None for one this installation does not have (checks use defaults)."""
    try:
        return load_template(template_id)
    except TemplateError:
        return None


def _field_types(template: LedgerTemplate | None, keys: Iterable[str]) -> dict[str, str]:
    """Field type per key: from the template, else guessed from the key (dates only)."""
    if template is not None:
        return {s.key: s.type for s in template.fields}
    return {k: "date" for k in keys if k == "ngayDangKy" or split_key(k)[1] in ("NgaySinh", "NgayChet")}


def _text(fld: Field) -> bool:
    return fld.status != FieldStatus.EMPTY


# --- numbering -------------------------------------------------------------------------------


def record_number(rec: BookRecord) -> int | None:
    """The record's registration number as an integer (the 'so' field, else Record.number)."""
    fld = rec.fields().get("so")
    if fld is not None and _text(fld):
        text = fld.value or normalize("number", fld.raw_text).value
    else:
        text = rec.first.number
    m = re.match(r"\d+", text or "")
    return int(m.group(0)) if m else None


def longest_rising(numbers: list[int]) -> set[int]:
    """Indices of a longest strictly rising subsequence (O(n log n))."""
    tails: list[int] = []  # tails[k]: index ending the best rising run of length k+1
    tail_values: list[int] = []
    prev: list[int | None] = [None] * len(numbers)
    for i, n in enumerate(numbers):
        k = bisect.bisect_left(tail_values, n)
        prev[i] = tails[k - 1] if k else None
        if k == len(tails):
            tails.append(i)
            tail_values.append(n)
        else:
            tails[k], tail_values[k] = i, n
    keep: set[int] = set()
    i = tails[-1] if tails else None
    while i is not None:
        keep.add(i)
        i = prev[i]
    return keep


def rising_records(numbered: Sequence[tuple[BookRecord, int]]) -> set[str]:
    """Ids of the records whose numbers make the book's rising order: a longest strictly rising
    subsequence of ``numbered`` (records with their numbers, in book order), where only the first
    record of a repeated number takes part (the others are duplicates, not breaks in the order)."""
    first: dict[int, BookRecord] = {}
    for rec, n in numbered:
        first.setdefault(n, rec)
    firsts = [(r, n) for r, n in numbered if first[n] is r]
    return {firsts[i][0].id for i in longest_rising([n for _, n in firsts])}


def _check_numbers(records: list[BookRecord], flag: _Flagger) -> None:
    numbered = [(r, n) for r in records if (n := record_number(r)) is not None]
    by_number: dict[int, list[BookRecord]] = {}
    for rec, n in numbered:
        by_number.setdefault(n, []).append(rec)
    for n, recs in by_number.items():
        if len(recs) > 1:
            for rec in recs:
                flag.add(rec.first.flags, "duplicate_number", f"number {n} is used by {len(recs)} records")
    firsts = [(r, n) for r, n in numbered if by_number[n][0] is r]  # duplicates are checked above
    rising = rising_records(numbered)
    previous: int | None = None
    for rec, n in firsts:
        if rec.id not in rising:
            flag.add(rec.first.flags, "out_of_sequence", f"number {n} breaks the rising order of the book")
            continue
        if previous is not None and n > previous + 1:
            missing = f"{previous + 1}" if n == previous + 2 else f"{previous + 1}-{n - 1}"
            flag.add(rec.first.flags, "number_gap", f"numbers {missing} are missing before number {n}")
        previous = n


# --- dates -----------------------------------------------------------------------------------


def date_span(iso: str | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day an ISO date, month ('YYYY-MM') or year ('YYYY') may mean."""
    if not iso:
        return None
    try:
        parts = [int(p) for p in iso.split("-")]
        if len(parts) == 1:
            return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
        if len(parts) == 2:
            start = dt.date(parts[0], parts[1], 1)
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            return start, end
        if len(parts) == 3:
            day = dt.date(*parts)
            return day, day
    except ValueError:
        return None
    return None


def _years_apart(later: dt.date, earlier: dt.date) -> float:
    return (later - earlier).days / 365.2425


def _dates(rec: BookRecord, types: dict[str, str], year: int, flag: _Flagger) -> dict[str, tuple[dt.date, dt.date]]:
    """The record's date fields as spans; a date field that is no possible date is flagged."""
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for key, fld in rec.fields().items():
        if types.get(key) not in _DATE_TYPES or fld.status != FieldStatus.FILLED:
            continue
        span = date_span(fld.value)
        if span is None:
            norm = normalize(types[key], fld.raw_text, year=year)
            span = date_span(norm.value)
            if span is None:
                bad = next((f.message for f in norm.flags if f.code == "invalid_date"), "not a date in a known form")
                flag.add(fld.flags, "invalid_date", bad)
                continue
        spans[key] = span
    return spans


def _check_dates(rec: BookRecord, types: dict[str, str], year: int, book_type: str, flag: _Flagger) -> None:
    spans = _dates(rec, types, year, flag)
    fields = rec.fields()
    reg = spans.get("ngayDangKy")
    if reg is not None and not (year - YEAR_SLACK <= reg[0].year and reg[1].year <= year + YEAR_SLACK):
        flag.add(fields["ngayDangKy"].flags, "date_order",
                 f"registration date outside the book's year {year} +- {YEAR_SLACK}")
    births = {split_key(k)[0]: (k, s) for k, s in spans.items() if split_key(k)[1] == "NgaySinh"}
    if reg is not None:
        for key, span in births.values():
            if span[0] > reg[1]:
                flag.add(fields[key].flags, "date_order", "born after the registration date")
    for parent, child in PARENT_ROLES:
        if parent in births and child in births:
            (pkey, p), (_, c) = births[parent], births[child]
            if p[0] > c[1]:
                flag.add(fields[pkey].flags, "date_order", "parent born after the child")
            elif _years_apart(c[1], p[0]) < MIN_PARENT_AGE:
                message = f"parent born less than {MIN_PARENT_AGE} years before the child"
                flag.add(fields[pkey].flags, "date_order", message)
    main = MAIN_ROLE.get(book_type, "")
    death = spans.get(f"{main}NgayChet")
    if death is not None:
        _, birth = births.get(main, (None, None))
        if birth is not None and death[1] < birth[0]:
            flag.add(fields[f"{main}NgayChet"].flags, "date_order", "death before the birth")
        if reg is not None and death[0] > reg[1]:
            flag.add(fields[f"{main}NgayChet"].flags, "date_order", "death after its registration date")


# --- fields ----------------------------------------------------------------------------------


def _required(template: LedgerTemplate | None, book_type: str) -> tuple[str, ...]:
    """Required keys: the template's ``required`` fields, else number, date and the person's name."""
    if template is not None and any(s.required for s in template.fields):
        return tuple(s.key for s in template.fields if s.required)
    return (*_DEFAULT_REQUIRED, f"{MAIN_ROLE.get(book_type, 'nks')}HoTen")


def _side_of(template: LedgerTemplate | None) -> dict[str, str]:
    """The side of a spread that prints each key (rows layouts over two pages only)."""
    if template is None or not isinstance(template.layout, RowsLayout):
        return {}
    return {s.key: side for side, page in template.layout.pages.items() for col in page.columns for s in col.stack}


def _check_fields(rec: BookRecord, required: tuple[str, ...], sides: dict[str, str], threshold: float,
                  flag: _Flagger) -> None:
    fields = rec.fields()
    if not any(_text(f) for f in fields.values()):
        return  # a blank row: nothing was registered here
    present_sides = {page.side for page, _ in rec.parts}
    for key in required:
        fld = fields.get(key)
        if fld is not None and fld.status == FieldStatus.EMPTY:
            flag.add(fld.flags, "required_empty", "a required field is empty")
        elif fld is None and (key not in sides or sides[key] in present_sides):
            flag.add(rec.first.flags, "required_empty", f"the required field {key} is missing")
    for fld in fields.values():
        if fld.confidence is not None and fld.confidence < threshold and _text(fld):
            flag.add(fld.flags, "low_confidence", f"read with confidence {fld.confidence:.2f}")
        for f in fld.flags:
            if f.code in KEPT_CODES:
                flag.counts[f.code] += 1
    for _, part in rec.parts:
        flag.counts.update(f.code for f in part.flags if f.code in KEPT_CODES)


def one_book(pages: Sequence[Page]) -> tuple[str, int, str]:
    """The (book type, year, volume) of ``pages`` (not empty); ValueError when they are of several books."""
    books = {(p.book.book_type.value, p.book.year, p.book.volume) for p in pages}
    if len(books) > 1:
        raise ValueError(
            f"book-level steps take the pages of one book; got {len(books)} (book type, year, volume) "
            "combinations: group the pages by book first"
        )
    return books.pop()


def check_book(pages: Sequence[Page], *, low_confidence: float = 0.8) -> dict[str, int]:
    """Check the records of one book (pages in page order) in place; return flag counts by code."""
    if not pages:
        return {}
    book_type, year, _ = one_book(pages)
    flag = _Flagger()
    records = book_records(pages)
    templates = {tid: _template(tid) for tid in {p.template_id for p in pages}}
    _check_numbers(records, flag)
    for rec in records:
        template = templates[rec.parts[0][0].template_id]
        types = _field_types(template, rec.fields())
        _check_dates(rec, types, year, book_type, flag)
        _check_fields(rec, _required(template, book_type), _side_of(template), low_confidence, flag)
    return dict(sorted(flag.counts.items()))
