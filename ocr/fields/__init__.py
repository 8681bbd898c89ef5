"""Field post-processing: what an officer wrote (or the recognizer read) -> the normalized value.

``normalize(field_type, raw, year=book_year)`` cleans the text (NFC, single spaces, stray
punctuation) and reads it by the template field type: dates and dates in words as ISO, names in
name case, closed sets (gender, ethnicity, nationality, relationship, signer's title) as their
official names, places with unit kinds spelled out, registration numbers as the bare number, times
of day as HH:MM. Every change beyond form carries a :class:`~ocr.schema.Flag` saying from what;
text that cannot be read is never guessed (``confident=False`` and a flag).
"""

from __future__ import annotations

from collections.abc import Callable

from ocr.fields.cleaning import clean
from ocr.fields.closed_sets import LEXICON_OF, normalize_closed
from ocr.fields.dates import normalize_date, normalize_date_words
from ocr.fields.names import normalize_name
from ocr.fields.numbers import normalize_number
from ocr.fields.places import normalize_place
from ocr.fields.result import EMPTY, Normalized
from ocr.fields.signatures import normalize_signature
from ocr.fields.text import normalize_clock, normalize_text
from ocr.schema import AdminUnit

_BY_TYPE: dict[str, Callable[[str, int | None], Normalized]] = {
    "name": lambda t, y: normalize_name(t),
    "signature": lambda t, y: normalize_signature(t),
    "text": lambda t, y: normalize_text(t),
    "date": normalize_date,
    "date_words": normalize_date_words,
    "place": lambda t, y: normalize_place(t),
    "number": lambda t, y: normalize_number(t),
    "time": lambda t, y: normalize_clock(t),
    **{ft: (lambda t, y, ft=ft: normalize_closed(ft, t)) for ft in LEXICON_OF},
}
FIELD_TYPES = tuple(_BY_TYPE)


def normalize(field_type: str, raw: str, *, year: int | None = None, unit: AdminUnit | None = None) -> Normalized:
    """The normalized value of ``raw`` for a template field of ``field_type``; ``year`` is the
    book's year (it reads 2-digit years), ``unit`` the book's unit (a misread unit of a place may
    be read as it, under the name the book's year gave it). Empty text -> value None, no flags."""
    if field_type not in _BY_TYPE:
        raise ValueError(f"unknown field type {field_type!r}; use one of {', '.join(FIELD_TYPES)}")
    text = clean(raw or "", keep_final_dot=field_type in ("text", "signature"))
    if not text:
        return EMPTY
    if field_type == "place":
        return normalize_place(text, unit, year)
    return _BY_TYPE[field_type](text, year)


__all__ = ["FIELD_TYPES", "Normalized", "normalize"]
