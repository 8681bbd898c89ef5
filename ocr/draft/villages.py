"""The book's villages: a village misread in a place is read as one its book names again and again.

A commune's book records the same few villages (thôn, xóm, ấp, bản, tổ...) record after record.
``infer_villages(pages)`` runs over the place fields of one book after drafting:

- a place's village is its first part when that part starts with a village kind and its name has
  no digit ("Thôn Mới", not "Thôn 13": a number misread is no closer to one than to another), and
  the place is in the book's commune (the part after the village is that commune, or nothing);
- the book's villages are those read exactly at least :data:`MIN_COUNT` times, less any that is a
  misreading of one read at least :data:`MISREAD_RATIO` times as often;
- a village that is not one of them and is, unambiguously, within the fuzzy tolerance of one of
  the same kind becomes it: the value's village part is replaced, ``raw_text`` is kept, and the
  field gets the flag ``book_village`` (so it is never accepted unseen).

Running it twice changes nothing more. Flag messages hold no names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from ocr.draft.inferred import has_flag, set_inferred
from ocr.fields.fuzzy import closest, tolerance, weighted_distance
from ocr.fields.place_words import ADMIN_KINDS, UNIT_KINDS
from ocr.schema import Field, Page
from ocr.templates import TemplateError, load_template

BOOK_VILLAGE = "book_village"
MIN_COUNT = 3
MISREAD_RATIO = 3
VILLAGE_KINDS = tuple(sorted((k for k in UNIT_KINDS if k not in ADMIN_KINDS), key=len, reverse=True))


@lru_cache(maxsize=32)
def _place_keys(template_id: str) -> frozenset[str]:
    try:
        template = load_template(template_id)
    except TemplateError:
        return frozenset()
    return frozenset(f.key for f in template.fields if f.type == "place")


def village_of(value: str, commune: str) -> tuple[str, str] | None:
    """(kind, name) of the village a place in ``commune`` starts with, or None."""
    first, _, rest = value.partition(", ")
    if rest and rest.split(", ")[0] != commune:
        return None
    kind = next((k for k in VILLAGE_KINDS if first.startswith(k + " ")), None)
    if kind is None:
        return None
    name = first[len(kind) + 1:].strip()
    return None if not name or re.search(r"\d", name) else (kind, name)


def book_villages(villages: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """The villages read often enough to be the book's (see the module docstring)."""
    counts = Counter(villages)
    often = {v: n for v, n in counts.items() if n >= MIN_COUNT}
    return {v for v, n in often.items()
            if not any(o != v and o[0] == v[0] and m >= MISREAD_RATIO * n
                       and weighted_distance(v[1], o[1]) <= tolerance(o[1]) for o, m in often.items())}


def closest_village(village: tuple[str, str], villages: set[tuple[str, str]]) -> tuple[str, str] | None:
    """The one book village of the same kind ``village`` is a misreading of, or None."""
    names = [name for kind, name in villages if kind == village[0]]
    match = closest(village[1], names)
    return (village[0], match.key) if match is not None and match.unambiguous else None


def infer_villages(pages: Sequence[Page]) -> dict[str, int]:
    """Read the villages of one book's places as its frequent villages; returns
    ``{"book_village": fields changed}``, or ``{}`` when none changed."""
    found: list[tuple[Field, tuple[str, str]]] = []
    for page in pages:
        unit = page.book.unit
        if unit is None or not unit.commune:
            continue
        keys = _place_keys(page.template_id)
        for rec in page.records:
            for fld in rec.fields:
                village = village_of(fld.value, unit.commune) if fld.key in keys and fld.value else None
                if village is not None:
                    found.append((fld, village))
    villages = book_villages([v for f, v in found if not has_flag(f, BOOK_VILLAGE)])
    changed = 0
    for fld, village in found:
        if village in villages:
            continue
        better = closest_village(village, villages)
        if better is None:
            continue
        value = " ".join(better) + fld.value[len(" ".join(village)):]
        set_inferred(fld, value, BOOK_VILLAGE, "village read as one this book names often")
        changed += 1
    return {BOOK_VILLAGE: changed} if changed else {}

