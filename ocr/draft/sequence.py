"""Values the order of a book pins down: registration numbers and registration years.

Records of a ledger are numbered one after another and registered in date order, in the book's
year (rarely the year before or after). ``infer_from_sequence(pages)`` reads the pages of one
book in book order (spread parts joined, as :func:`ocr.checks.book_records` does) after drafting
and before :func:`ocr.checks.check_book`, and sets a field's ``value`` only where its neighbours
leave a single possibility. ``raw_text`` keeps what was read, and each value set carries a flag
(so it is never accepted unseen, see :func:`ocr.draft.accept.auto_acceptable`):

- ``inferred_number``: a registration number ("so") missing, unreadable or off the book's rising
  order (:func:`ocr.checks.rising_records`), between two records of that order numbered a < b
  with exactly b - a - 1 records between them (no room for a skipped number). Never at the ends
  of the book, never for a number in the rising order, never twice; passes repeat until the
  rising order pins nothing more. ``Record.number`` follows the field.
- ``inferred_year``: a registration date ("ngayDangKy") whose year is not the book's while its
  day and month make a date in the book's year that lies between the registration dates of the
  nearest records before and after it that are in the book's year: both of them for a year next
  to the book's (a true late or early registration is possible), one of them (at the ends of the
  book) for a year further off. Only the year changes.

Blank rows (no text in any field) take no part. Running it twice changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence

from ocr.checks import BookRecord, book_records, date_span, one_book, record_number, rising_records
from ocr.draft.inferred import set_inferred
from ocr.fields import normalize
from ocr.schema import Field, FieldStatus, Page

NUMBER_KEY, REGISTRATION_KEY = "so", "ngayDangKy"
INFERRED_NUMBER, INFERRED_YEAR = "inferred_number", "inferred_year"
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- numbers ---------------------------------------------------------------------------------


def _fill_number(rec: BookRecord, n: int, low: int, high: int) -> bool:
    """Give ``rec`` the number ``n``; False when it holds it already or holds an inferred one."""
    fld = rec.fields()[NUMBER_KEY]
    value = normalize("number", str(n)).value
    if fld.value == value or any(f.code == INFERRED_NUMBER for f in fld.flags):
        return False
    set_inferred(fld, value, INFERRED_NUMBER, f"number inferred from its neighbours {low} and {high}")
    for _, part in rec.parts:
        if any(f is fld for f in part.fields):
            part.number = value
    return True


def _fill_pinned(seq: list[BookRecord]) -> int:
    """One pass: fill the numbers the current rising order pins; how many changed."""
    numbers = [record_number(r) for r in seq]
    kept = rising_records([(r, n) for r, n in zip(seq, numbers) if n is not None])
    anchors = [i for i, r in enumerate(seq) if r.id in kept]
    changed = 0
    for i, j in zip(anchors, anchors[1:]):
        low, high = numbers[i], numbers[j]
        if j - i > 1 and high - low == j - i:  # b - a == k + 1 with k = j - i - 1 records between
            changed += sum(_fill_number(seq[t], low + t - i, low, high) for t in range(i + 1, j))
    return changed


def _infer_numbers(records: list[BookRecord]) -> int:
    """Fill the numbers pinned by the rising order (see the module docstring); how many changed.

    A filled number may change the rising order (a duplicate's first reading corrected makes the
    next one count), so passes repeat until one changes nothing; an inferred number is not
    changed again, which ends them."""
    seq = [r for r in records if NUMBER_KEY in r.fields()]
    changed = total = _fill_pinned(seq)
    while changed:
        changed = _fill_pinned(seq)
        total += changed
    return total


# --- registration years ----------------------------------------------------------------------


def _registration(rec: BookRecord) -> Field | None:
    fld = rec.fields().get(REGISTRATION_KEY)
    return fld if fld is not None and fld.status == FieldStatus.FILLED and fld.value else None


def _in_book(span: tuple[dt.date, dt.date] | None, year: int, slack: int = 1) -> bool:
    """Whether the date lies in the book's year +- ``slack``."""
    return span is not None and year - slack <= span[0].year and span[1].year <= year + slack


def _with_year(iso: str, year: int) -> dt.date | None:
    """The full ISO date ``iso`` in ``year``; None for a partial date or a day the year lacks (29 Feb)."""
    if not _FULL_DATE.match(iso):
        return None
    try:
        return dt.date.fromisoformat(iso).replace(year=year)
    except ValueError:
        return None


def _infer_years(records: list[BookRecord], year: int) -> int:
    """Set the book's year on registration dates pinned by their neighbours; how many changed."""
    fields = [fld for r in records if (fld := _registration(r)) is not None]
    spans = [date_span(f.value) for f in fields]
    changed = 0
    before: dt.date | None = None  # the latest in-range date so far (dates set here included)
    for i, fld in enumerate(fields):
        if _in_book(spans[i], year, 0):
            before = spans[i][0]
            continue
        after = next((s[1] for s in spans[i + 1:] if _in_book(s, year, 0)), None)
        day = _with_year(fld.value, year) if spans[i] is not None else None
        # a year next to the book's may be a true late or early registration: both neighbours must
        # pin it; a year further off, one neighbour (at the ends of the book)
        needed = 2 if _in_book(spans[i], year) else 1
        if day is None or (before is not None) + (after is not None) < needed:
            continue
        if (before is None or before <= day) and (after is None or day <= after):
            old = spans[i][0].year
            set_inferred(fld, day.isoformat(), INFERRED_YEAR,
                 f"year {old} read; the book's year {year} fits between the neighbouring registration dates")
            spans[i] = (day, day)
            before = day
            changed += 1
    return changed


def infer_from_sequence(pages: Sequence[Page]) -> dict[str, int]:
    """Fill what the order of one book (pages in book order) pins down, in place (see the module
    docstring); return how many values were set, by flag code (none: an empty dict)."""
    if not pages:
        return {}
    _, year, _ = one_book(pages)
    records = [r for r in book_records(pages) if any(f.status != FieldStatus.EMPTY for f in r.fields().values())]
    counts = Counter({INFERRED_NUMBER: _infer_numbers(records), INFERRED_YEAR: _infer_years(records, year)})
    return dict(sorted((+counts).items()))
