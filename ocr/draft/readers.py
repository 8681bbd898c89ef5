"""Line readers for the drafting pipeline: our recognizer (constrained beam search per field type)
or Tesseract (a baseline, for comparison), behind one small interface."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ocr.htr.constraints import constraint_for

DEFAULT_BEAM = 8
# Field types read with the language model: free text and places. Measured on the first 120
# evaluation pages: text fields 3 better, 0 worse; places 59 better, 10 worse (78.9 -> 82.3 %) once
# one line of a field written over several is scored without a line's start and end (before, 49
# better and 37 worse); names 54 better, 57 worse (the name prior already ranks names).
LM_FIELD_TYPES = frozenset({"text", "place"})
READERS = ("ours", "tesseract")


@dataclass(frozen=True)
class Reading:
    """One line read: its text, confidence (None when the reader gives none) and per-character
    probabilities."""

    text: str
    confidence: float | None = None
    char_probs: tuple[float, ...] | None = None


@dataclass(frozen=True)
class LineJob:
    """A line to read: its crop and what its field allows."""

    image: np.ndarray
    field_type: str
    fragment: bool  # one line of a field written over several lines


class LineReader(Protocol):
    """Reads line crops; ``models`` is ``{model id: sha256}`` for the draft's provenance."""

    models: dict[str, str]

    def read(self, jobs: Sequence[LineJob]) -> list[Reading]: ...


class OurReader:
    """``ocr.htr.recognizer.Recognizer`` with each line constrained by its field's type, and the
    shipped character language model (if any) in the beam search of the field types in
    :data:`LM_FIELD_TYPES`."""

    def __init__(self, model: Path | None = None, threads: int | None = None, beam_width: int = DEFAULT_BEAM,
                 batch_size: int = 32) -> None:
        from ocr.htr.lm import load_lm
        from ocr.htr.recognizer import Recognizer

        self.recognizer = Recognizer(model, threads=threads, batch_size=batch_size, lm=load_lm())
        self.beam_width = beam_width
        self.models = dict(self.recognizer.provenance)

    def read(self, jobs: Sequence[LineJob]) -> list[Reading]:
        if not jobs:
            return []
        constraints = [constraint_for(j.field_type, fragment=j.fragment) for j in jobs]
        results = self.recognizer.recognize([j.image for j in jobs], constraints=constraints,
                                            beam_width=self.beam_width,
                                            use_lm=[j.field_type in LM_FIELD_TYPES for j in jobs],
                                            fragments=[j.fragment for j in jobs])
        return [Reading(r.text, float(r.confidence), tuple(float(p) for p in r.char_probs)) for r in results]


class TesseractReader:
    """Tesseract (``-l vie --psm 7``) on the same crops; no constraints, no confidence."""

    def __init__(self, threads: int | None = None) -> None:
        from ocr.htr.tesseract import TesseractLines

        self.lines = TesseractLines(threads=threads or 1)
        self.models = {"tesseract": hashlib.sha256(self.lines.description.encode()).hexdigest()}

    def read(self, jobs: Sequence[LineJob]) -> list[Reading]:
        if not jobs:
            return []
        return [Reading(r.text) for r in self.lines.recognize([j.image for j in jobs])]


def make_reader(name: str, *, model: Path | None = None, threads: int | None = None,
                beam_width: int = DEFAULT_BEAM) -> LineReader:
    """The reader called ``name`` (one of :data:`READERS`)."""
    if name == "ours":
        return OurReader(model, threads=threads, beam_width=beam_width)
    if name == "tesseract":
        return TesseractReader(threads=threads)
    raise ValueError(f"unknown recognizer {name!r}; known: {', '.join(READERS)}")
