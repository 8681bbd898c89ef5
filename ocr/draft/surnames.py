"""A child's name read together with its father's: the two usually share the surname.

A birth record's child takes the father's surname (967 of 978 pairs in the generated truth, and the
custom of the ledgers' years); the recognizer reads each line alone and, where one hand's surname
is misread, the two disagree ("Thân Thị Trâm" beside "Thôn Khắc Vinh"). A template marks such a
pair with ``surname_of`` (``nksHoTen: surname_of: chaHoTen``). Where the two readings' surnames
differ, :func:`ocr.draft.rereads.surname_pairs` has each line read again with the other's surname
(:func:`surname_starts`), and :func:`choose` keeps whichever of the three pairs of readings scores
best: the two readings' scores (log-probability plus the name prior), plus :data:`AGREE` when the
surnames agree. A changed reading keeps the flag :data:`FLAG`, and its confidence is at most the
chosen pair's share of the three (a close call is not accepted unseen). On the 210 calibration pages
49 names changed and 9 more were right: most were wrong in another syllable too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ocr.fields.names import name_case
from ocr.htr.decode import share
from ocr.htr.constraints import spellings
from ocr.schema import Flag, Record
from ocr.templates import LedgerTemplate

# Log-odds added when the two surnames agree (on the kept readings of the 210 calibration pages,
# seeds 8600-8629, 2 to 4 gained most).
AGREE = 3.0
FLAG = "surname_of"
MESSAGE = "surname read together with the name whose surname it usually carries; check both"


def surname(text: str) -> str:
    """The first word in name case ("" for none)."""
    words = name_case(text).split()
    return words[0] if words else ""


def surname_starts(name: str) -> frozenset[str]:
    """The ways a line may begin with ``name``'s surname: capitalised or in capitals, both tone
    placements, then a space."""
    word = surname(name)
    return frozenset(s + " " for s in spellings([word, word.upper()], cases=False)) if word else frozenset()


@dataclass(frozen=True)
class Pair:
    """Two single-line name fields of one record that should share a surname: (record, field,
    line) of each, the name and the one whose surname it carries."""

    name: tuple[int, int, int]
    of: tuple[int, int, int]


def pairs(records: Sequence[Record], template: LedgerTemplate) -> list[Pair]:
    """The record's name pairs whose fields are written on one line each (struck lines aside)."""
    out = []
    for r, rec in enumerate(records):
        where = {}
        for f, fld in enumerate(rec.fields):
            live = [n for n, ln in enumerate(fld.lines) if not ln.strikethrough]
            if len(live) == 1:
                where[fld.key] = (r, f, live[0])
        for key, (r_, f, n) in where.items():
            of = template.field(key).surname_of
            if of is not None and of in where:
                out.append(Pair((r_, f, n), where[of]))
    return out


def choose(first: tuple[str, float], second: tuple[str, float], first_as_second: tuple[str, float] | None,
           second_as_first: tuple[str, float] | None, agree: float = AGREE) -> tuple[int, float]:
    """Of (keep both readings, read the first with the second's surname, read the second with the
    first's), the option that scores best and its share of the options' probability. Each reading
    is (text, score); a re-read that found nothing is None."""
    options = [first[1] + second[1] + (agree if surname(first[0]) == surname(second[0]) else 0.0)]
    for alt, other in ((first_as_second, second), (second_as_first, first)):
        options.append(alt[1] + other[1] + agree if alt is not None and surname(alt[0]) == surname(other[0])
                       else -math.inf)
    best = max(range(3), key=lambda i: options[i])
    return best, share(options, best)


def flag() -> Flag:
    return Flag(code=FLAG, message=MESSAGE)
