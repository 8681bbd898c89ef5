"""Vietnamese character confusions of a recognizer: tones and vowel marks.

Each character is decomposed (Unicode NFD) into a base letter, a vowel mark (breve ``ă``,
circumflex ``â ê ô``, horn ``ơ ư``, or the stroke of ``đ``) and a tone (``huyền`` grave,
``sắc`` acute, ``hỏi`` hook, ``ngã`` tilde, ``nặng`` dot below, or ``none``). In the aligned
reference and prediction of a line, a substitution between letters of the same base (case
ignored) is a tone confusion when the tones differ and a vowel-mark confusion when the marks
differ (``ễ`` -> ``e`` is both); other substitutions are counted as plain character pairs.
Deleted and inserted vowels that carry a tone are counted by letter. Letters are lower-cased in
the tables.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ocr.metrics import normalize
from training.compare.align import align

TONES = {"\u0300": "huyền", "\u0301": "sắc", "\u0309": "hỏi", "\u0303": "ngã", "\u0323": "nặng"}
TONE_NAMES = ("none", *TONES.values())
MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
_MARK_CHARS = {v: k for k, v in MARKS.items()}
STROKE = "stroke"
VOWELS = set("aeiouy")
TOP = 10


class Letter(NamedTuple):
    """A character as base letter (lower case), vowel mark and tone ("" / "none" when absent)."""

    base: str
    mark: str
    tone: str

    @property
    def plain(self) -> str:
        """The letter with its mark and without its tone (``ễ`` -> ``ê``, ``Đ`` -> ``đ``)."""
        if self.mark == STROKE:
            return "đ"
        return unicodedata.normalize("NFC", self.base + _MARK_CHARS.get(self.mark, ""))


def decompose(ch: str) -> Letter:
    """Base letter, vowel mark and tone of one character."""
    low = ch.lower()
    if low == "đ":
        return Letter("d", STROKE, "none")
    nfd = unicodedata.normalize("NFD", low)
    base, marks = nfd[:1], nfd[1:]
    mark = next((MARKS[c] for c in marks if c in MARKS), "")
    tone = next((TONES[c] for c in marks if c in TONES), "none")
    return Letter(base, mark, tone)


def _pairs(counter: Counter, n: int | None) -> list[dict[str, Any]]:
    return [{"ref": r, "hyp": h, "count": c} for (r, h), c in counter.most_common(n)]


@dataclass
class Confusions:
    """Counts over lines; add lines with :meth:`add`."""

    tones: Counter = field(default_factory=Counter)  # (ref tone, predicted tone)
    marks: Counter = field(default_factory=Counter)  # (ref letter, predicted letter), tones dropped
    substitutions: Counter = field(default_factory=Counter)  # other (ref char, predicted char)
    deleted: Counter = field(default_factory=Counter)  # tone-marked vowels missing from the prediction
    inserted: Counter = field(default_factory=Counter)  # tone-marked vowels added by the prediction
    vowels: int = 0  # reference vowels (the denominator of the tone error rate)

    def add(self, reference: str, prediction: str) -> None:
        """Count one line's confusions (texts normalized as in :mod:`ocr.metrics`)."""
        ref, hyp = normalize(reference), normalize(prediction)
        self.vowels += sum(decompose(c).base in VOWELS for c in ref)
        if ref == hyp:
            return
        for r, h in align(ref, hyp):
            if r == h:
                continue
            if h is None or r is None:
                letter = decompose(r or h or "")
                if letter.tone != "none":
                    (self.deleted if h is None else self.inserted)[(r or h or "").lower()] += 1
                continue
            a, b = decompose(r), decompose(h)
            if a.base != b.base:
                self.substitutions[(r, h)] += 1
                continue
            if a.tone != b.tone:
                self.tones[(a.tone, b.tone)] += 1
            if a.mark != b.mark:
                self.marks[(a.plain, b.plain)] += 1

    @property
    def tone_error_rate(self) -> float:
        """Tone confusions per reference vowel."""
        return sum(self.tones.values()) / max(self.vowels, 1)

    def tone_matrix(self) -> list[list[int]]:
        """Counts [ref tone][predicted tone] in :data:`TONE_NAMES` order (diagonal 0)."""
        return [[self.tones[(a, b)] for b in TONE_NAMES] for a in TONE_NAMES]

    def to_json(self, top: int | None = None) -> dict[str, Any]:
        return {
            "vowels": self.vowels,
            "tone_confusions": sum(self.tones.values()),
            "tone_error_rate": self.tone_error_rate,
            "mark_confusions": sum(self.marks.values()),
            "tone_marked_deleted": sum(self.deleted.values()),
            "tone_marked_inserted": sum(self.inserted.values()),
            "tones": _pairs(self.tones, top),
            "marks": _pairs(self.marks, top),
            "substitutions": _pairs(self.substitutions, top),
            "deleted": [{"char": c, "count": n} for c, n in self.deleted.most_common(top)],
            "inserted": [{"char": c, "count": n} for c, n in self.inserted.most_common(top)],
            "tone_matrix": {"labels": list(TONE_NAMES), "counts": self.tone_matrix()},
        }


def count_confusions(pairs: Iterable[tuple[str, str]]) -> Confusions:
    """Confusions of (reference, prediction) pairs."""
    out = Confusions()
    for ref, hyp in pairs:
        out.add(ref, hyp)
    return out
