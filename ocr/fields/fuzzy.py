"""Closest-spelling search: an edit distance where a missing or wrong tone mark costs half."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

DIACRITIC_COST = 0.5  # "Viêt" for "Việt", "Kinh" for "Kính": the same letter, another mark


@lru_cache(maxsize=4096)
def base_letter(ch: str) -> str:
    """The letter without its marks: "ệ" -> "e", "đ" -> "d"."""
    if ch in "đĐ":
        return "d"
    decomposed = unicodedata.normalize("NFD", ch)
    return decomposed[0].lower() if decomposed else ch


def weighted_distance(a: str, b: str) -> float:
    """Levenshtein distance with substitutions between forms of one letter costing
    :data:`DIACRITIC_COST` (insertions, deletions and other substitutions cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [float(i)]
        base_a = base_letter(ca)
        for j, cb in enumerate(b, 1):
            sub = 0.0 if ca == cb else (DIACRITIC_COST if base_a == base_letter(cb) else 1.0)
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + sub))
        previous = current
    return previous[-1]


def tolerance(key: str) -> float:
    """How far a spelling of this length may be from a known one and still be read as it."""
    n = len(key.replace(" ", ""))
    if n <= 2:
        return DIACRITIC_COST
    if n <= 5:
        return 1.0
    if n <= 10:
        return 2.0
    return 3.0


@dataclass(frozen=True)
class Match:
    """The closest known spelling, its distance, and the distance of the runner-up."""

    key: str
    distance: float
    runner_up: float

    @property
    def unambiguous(self) -> bool:
        """Close enough for its length, and clearly closer than any other spelling."""
        return self.distance <= tolerance(self.key) and self.runner_up - self.distance >= DIACRITIC_COST


def closest(query: str, keys: Iterable[str], *, same: dict[str, object] | None = None) -> Match | None:
    """The closest of ``keys`` to ``query``; spellings mapping to the same object in ``same``
    do not compete with each other for the runner-up."""
    scored = sorted((weighted_distance(query, k), k) for k in keys)
    if not scored:
        return None
    best = scored[0]
    owner = same.get(best[1]) if same else None
    runner = next((d for d, k in scored[1:] if not same or same.get(k) != owner), float("inf"))
    return Match(key=best[1], distance=best[0], runner_up=runner)
