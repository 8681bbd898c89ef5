"""Recognition metrics: character and word error rates and line accuracy.

Texts are compared after :func:`normalize` (Unicode NFC, runs of whitespace collapsed to one
space, ends stripped); case and punctuation count. Words are the whitespace-separated tokens of
the normalized text, punctuation attached ("Sách," is one word).

Rates are corpus-level: the edit distances of all lines are summed and divided by the summed
reference lengths (characters for CER, words for WER), so a long line weighs more than a short
one, and a rate can exceed 1 when predictions insert text. A reference of length 0 adds the
prediction's length to the errors and nothing to the denominator; if the whole corpus has no
reference characters the rate is the error count over 1 (0.0 when every prediction is empty too).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from ocr.text import nfc


def normalize(text: str) -> str:
    """NFC with whitespace runs collapsed to one space and the ends stripped."""
    return " ".join(nfc(text).split())


def edit_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Levenshtein distance (insertions, deletions, substitutions of cost 1) of two sequences.

    Bit-parallel (Myers 1999, Hyyrö 2001) with Python integers as bit vectors of any length: one
    pass over the longer sequence, a few integer operations per element, so 10,000 lines of a
    hundred characters take well under a second.
    """
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[Hashable, int] = {}
    for i, item in enumerate(b):
        peq[item] = peq.get(item, 0) | (1 << i)
    full = (1 << m) - 1
    last = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for item in a:
        eq = peq.get(item, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & last:
            score += 1
        elif mh & last:
            score -= 1
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv & full
    return score


@dataclass
class TextScores:
    """Running totals over lines; add lines with :meth:`add`, read the rates as properties."""

    lines: int = 0
    exact: int = 0
    char_errors: int = 0
    chars: int = 0
    word_errors: int = 0
    words: int = 0

    def add(self, reference: str, prediction: str) -> int:
        """Score one line; returns its character edit distance."""
        ref, hyp = normalize(reference), normalize(prediction)
        errors = edit_distance(ref, hyp)
        ref_words = ref.split()
        self.lines += 1
        self.exact += ref == hyp
        self.char_errors += errors
        self.chars += len(ref)
        self.word_errors += edit_distance(ref_words, hyp.split())
        self.words += len(ref_words)
        return errors

    @property
    def cer(self) -> float:
        return self.char_errors / max(self.chars, 1)

    @property
    def wer(self) -> float:
        return self.word_errors / max(self.words, 1)

    @property
    def line_acc(self) -> float:
        return self.exact / self.lines if self.lines else 0.0


def score(references: Iterable[str], predictions: Iterable[str]) -> TextScores:
    """Totals of paired references and predictions (equal counts required)."""
    refs, hyps = list(references), list(predictions)
    if len(refs) != len(hyps):
        raise ValueError(f"{len(refs)} references but {len(hyps)} predictions")
    totals = TextScores()
    for ref, hyp in zip(refs, hyps):
        totals.add(ref, hyp)
    return totals


def cer(references: Iterable[str], predictions: Iterable[str]) -> float:
    """Corpus character error rate."""
    return score(references, predictions).cer


def wer(references: Iterable[str], predictions: Iterable[str]) -> float:
    """Corpus word error rate."""
    return score(references, predictions).wer


def line_accuracy(references: Iterable[str], predictions: Iterable[str]) -> float:
    """Share of lines whose normalized prediction equals the normalized reference."""
    return score(references, predictions).line_acc
