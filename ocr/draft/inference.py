"""What a whole book pins down, after its pages are drafted and before its checks: numbers and
registration years from its order (:mod:`ocr.draft.sequence`), signatures from its signers
(:mod:`ocr.draft.signers`), villages from those it names often (:mod:`ocr.draft.villages`). Every value set keeps the raw text read and carries a flag."""

from __future__ import annotations

from collections.abc import Sequence

from ocr.draft.sequence import infer_from_sequence
from ocr.draft.signers import infer_signers
from ocr.draft.villages import infer_villages
from ocr.schema import Page


def infer_book(pages: Sequence[Page]) -> dict[str, int]:
    """Set the values one book's pages (in book order) pin down; how many, by flag code."""
    return {**infer_from_sequence(pages), **infer_signers(pages), **infer_villages(pages)}
