"""Dates as officers wrote them -> ISO 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'.

Numeric forms: d/m/yyyy, dd/mm/yy, dd-mm-yy, d.m.yyyy, "ngày 5 tháng 3 năm 1999", m/yyyy,
"tháng 3 năm 1999", a year ("1965", "năm 1965"). Dates in words: "Ngày mồng bảy tháng giêng năm
một nghìn chín trăm chín mươi chín", "năm một nghìn chín trăm sáu mươi lăm". Two-digit years are
read with the book's year; a date that cannot exist is no value with an ``invalid_date`` flag.
"""

from __future__ import annotations

import calendar
import re

from ocr.fields.cleaning import DIGIT_LOOKALIKES, normalized_flag
from ocr.fields.number_words import (
    DAY_PREFIXES, MONTH_NAMES, correct_tokens, parse_number,
)
from ocr.fields.result import Normalized
from ocr.schema import Flag

EARLIEST_YEAR = 1850  # no one in a 1995-2006 ledger was born earlier
LATEST_YEAR = 2100
_PIVOT = 10  # without a book year, "05" is 2005 and "45" is 1945 (not confident)

_SEP = r"\s*[/\-.]\s*"
_NUMERIC = [
    (re.compile(rf"^(?:ngày\s*)?(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}})$"), "dmy"),
    (re.compile(r"^(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4}|\d{2})$"), "dmy"),
    (re.compile(rf"^(?:tháng\s*)?(\d{{1,2}}){_SEP}(\d{{4}})$"), "my"),
    (re.compile(r"^tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4}|\d{2})$"), "my"),
    (re.compile(r"^(?:năm\s+)?(\d{4})$"), "y"),
]


def invalid(why: str) -> Normalized:
    """No value: the text names a date that cannot exist (never a guessed neighbour)."""
    return Normalized(None, (Flag(code="invalid_date", message=why),), False)


def unreadable(why: str) -> Normalized:
    return Normalized(None, (Flag(code="unknown_date", message=why),), False)


def resolve_year(digits: str, book_year: int | None) -> tuple[int, list[Flag], bool]:
    """A written year: four digits as is; two digits in the latest century that does not put
    it after the book's year (+1); without a book year, by a pivot and not confident."""
    if len(digits) == 4:
        return int(digits), [], True
    yy = int(digits)
    if book_year is not None:
        year = 2000 + yy if 2000 + yy <= book_year + 1 else 1900 + yy
        return year, [normalized_flag(f"2-digit year read in the century of the book's year {book_year}")], True
    year = 2000 + yy if yy <= _PIVOT else 1900 + yy
    return year, [normalized_flag("2-digit year read without the book's year; check the century")], False


def iso(year: int, month: int | None = None, day: int | None = None) -> Normalized | str:
    """'YYYY[-MM[-DD]]', or an ``invalid_date`` result for a date that cannot exist."""
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return invalid(f"a year outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return invalid("a month that does not exist")
    if day is None:
        return f"{year:04d}-{month:02d}"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return invalid("a day that its month does not have")
    return f"{year:04d}-{month:02d}-{day:02d}"


def _finish(year: int, month: int | None, day: int | None, flags: list[Flag], confident: bool) -> Normalized:
    out = iso(year, month, day)
    if isinstance(out, Normalized):
        return out
    return Normalized(out, tuple(flags), confident)


def _numeric(text: str, book_year: int | None) -> Normalized | None:
    for pattern, kind in _NUMERIC:
        m = pattern.match(text)
        if not m:
            continue
        groups = m.groups()
        year, flags, confident = resolve_year(groups[-1], book_year)
        month = int(groups[-2]) if kind in ("dmy", "my") else None
        day = int(groups[0]) if kind == "dmy" else None
        return _finish(year, month, day, flags, confident)
    return None


def normalize_date(text: str, book_year: int | None = None) -> Normalized:
    """A numeric date (or a date in words) as ISO; ``text`` is cleaned and not empty."""
    lower = text.lower()
    found = _numeric(lower, book_year)
    if found is not None:
        return found
    if re.search(r"[a-zà-ỹđ]{3,}", lower) and not re.search(r"\d", lower):
        return normalize_date_words(text, book_year)
    swapped = lower.replace("ngày", "\0").replace("tháng", "\1").replace("năm", "\2")
    swapped = swapped.translate(DIGIT_LOOKALIKES).replace("\0", "ngày").replace("\1", "tháng").replace("\2", "năm")
    found = _numeric(swapped, book_year)
    if found is not None and found.value is not None:
        flag = normalized_flag("letters read as the digits they resemble; check the date")
        return Normalized(found.value, (*found.flags, flag), False)
    stray = _without_stray_mark(lower, book_year)
    if stray is not None:
        return stray
    return found or unreadable("not a date in a known form (d/m/yyyy, dd-mm-yy, ngày d tháng m năm yyyy, a year)")


def _without_stray_mark(text: str, book_year: int | None) -> Normalized | None:
    """A numeric date with one stray mark of one or two characters before or after it ("1
    31/12/2001", a tick or a neighbour's stroke read as a character), the mark left out and
    flagged; None when that is not what the text is."""
    for m in (re.fullmatch(r"\S{1,2}\s+(\S+)", text), re.fullmatch(r"(\S+)\s+\S{1,2}", text)):
        if m is None:
            continue
        found = _numeric(m.group(1), book_year)
        if found is not None and found.value is not None and len(found.value) == 10:  # a whole date
            flag = normalized_flag("a stray mark beside the date left out; check the scan")
            return Normalized(found.value, (*found.flags, flag), False)
    return None


def _day(tokens: list[str]) -> int | None:
    if tokens and tokens[0] in DAY_PREFIXES:
        tokens = tokens[1:]
    return parse_number(tokens)


def _month(tokens: list[str]) -> int | None:
    if len(tokens) == 1 and tokens[0] in MONTH_NAMES:
        return MONTH_NAMES[tokens[0]]
    return parse_number(tokens)


def _month_and_year(tokens: list[str]) -> tuple[int, int] | None:
    """Split "<month> năm <year>" where "năm" may also be the month five ("tháng năm năm ...")."""
    for i in range(1, len(tokens)):
        if tokens[i] == "năm":
            month, year = _month(tokens[:i]), parse_number(tokens[i + 1:])
            if month is not None and year is not None:
                return month, year
    return None


def normalize_date_words(text: str, book_year: int | None = None) -> Normalized:
    """A date written out in words ("Ngày mồng bảy tháng một năm một nghìn chín trăm chín mươi
    chín") as ISO; a numeric date given instead is read as one."""
    lower = text.lower()
    if re.search(r"\d", lower):
        return normalize_date(text, book_year)
    raw_tokens = re.findall(r"[^\W\d_]+", lower)
    fixed = correct_tokens(raw_tokens)
    if fixed is None:
        return unreadable("words that are not a date written out; check the scan")
    tokens, fixes = fixed
    flags: list[Flag] = [normalized_flag("misread words corrected: " + ", ".join(fixes))] if fixes else []
    confident = not fixes
    day = month = None
    if "tháng" in tokens:
        i = tokens.index("tháng")
        head, rest = tokens[:i], tokens[i + 1:]
        if head and head[0] == "ngày":
            head = head[1:]
        if head:
            day = _day(head)
            if day is None:
                return unreadable("the day in words cannot be read")
        parts = _month_and_year(rest)
        if parts is None:
            return unreadable("the month and year in words cannot be read")
        month, year = parts
    else:
        if tokens and tokens[0] == "năm":
            tokens = tokens[1:]
        year = parse_number(tokens)
        if year is None:
            return unreadable("the year in words cannot be read")
    if year < 100:
        resolved, year_flags, year_ok = resolve_year(f"{year:02d}", book_year)
        year, confident = resolved, confident and year_ok
        flags += year_flags
    return _finish(year, month, day, flags, confident)
