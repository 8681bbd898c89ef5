"""Line readers for the drafting pipeline: our recognizer (constrained beam search per field type)
or Tesseract (a baseline, for comparison), behind one small interface."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from ocr.htr.constraints import FixedStart, constraint_for
from ocr.htr.decode import Alternative

DEFAULT_BEAM = 8
# Field types read with the language model: free text and places. Measured on the first 120
# evaluation pages: text fields 3 better, 0 worse; places 59 better, 10 worse (78.9 -> 82.3 %) once
# one line of a field written over several is scored without a line's start and end (before, 49
# better and 37 worse); names 54 better, 57 worse (the name prior already ranks names).
LM_FIELD_TYPES = frozenset({"text", "place"})
# Lines of these field types are read this many times wider (height kept). Handwritten digits are
# narrow for the recognizer's four pixels per frame: "11" lost a "1", "2001" became "2901". Chosen
# on 210 calibration pages (seeds 8600-8629, never the drafting evaluation's): at 1.2 dates read
# 83.4 -> 86.1 % exactly, dates in words 73.7 -> 77.9 % (numbers widened too), places 66.0 -> 67.8 %
# (with every free-writing type widened); dates at 1.3 85.5 %, at 1.5 82.8 %. Names (74.1 -> 72.7 %),
# free text, titles, signatures and registration numbers (95.0 -> 94.5 %) lost at 1.2 and are read
# as they are. Times of day too: on the 80 kt_1999 calibration pages, 94 -> 83 times read wrong at 1.2.
WIDTH_SCALE = {"date": 1.2, "date_words": 1.2, "place": 1.2, "time": 1.2}
READERS = ("ours", "tesseract")


@dataclass(frozen=True)
class Reading:
    """One line read: its text, confidence (None when the reader gives none), per-character
    probabilities and the other readings the search kept (best first, the text first; none from a
    reader without them)."""

    text: str
    confidence: float | None = None
    char_probs: tuple[float, ...] | None = None
    alternatives: tuple[Alternative, ...] = ()

    @property
    def score(self) -> float | None:
        """The reading's score (:class:`~ocr.htr.decode.Alternative`), None from a reader without."""
        return self.alternatives[0].score if self.alternatives else None


@dataclass(frozen=True)
class LineJob:
    """A line to read: its crop and what its field allows (``starts``: the line begins with one of
    these, e.g. a surname in its spellings, or with ``whole`` is one of them; empty: anything the
    field allows; ``gender``: a name's gender, "Nam" or "Nữ", when known)."""

    image: np.ndarray
    field_type: str
    fragment: bool  # one line of a field written over several lines
    starts: frozenset[str] = frozenset()
    gender: str | None = None
    whole: bool = False


class LineReader(Protocol):
    """Reads line crops; ``models`` is ``{model id: sha256}`` for the draft's provenance."""

    models: dict[str, str]

    def read(self, jobs: Sequence[LineJob]) -> list[Reading]: ...


class OurReader:
    """``ocr.htr.recognizer.Recognizer`` with each line constrained by its field's type, widened
    by :data:`WIDTH_SCALE`, and the shipped character language model (if any) in the beam search
    of the field types in :data:`LM_FIELD_TYPES`."""

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
        constraints = [constraint_for(j.field_type, fragment=j.fragment, gender=j.gender) for j in jobs]
        constraints = [FixedStart(c, j.starts, whole=j.whole) if j.starts and c is not None else c
                       for c, j in zip(constraints, jobs)]
        results = self.recognizer.recognize([widened(j.image, WIDTH_SCALE.get(j.field_type, 1.0)) for j in jobs],
                                            constraints=constraints,
                                            beam_width=self.beam_width,
                                            use_lm=[j.field_type in LM_FIELD_TYPES for j in jobs],
                                            fragments=[j.fragment for j in jobs])
        return [Reading(r.text, float(r.confidence), tuple(float(p) for p in r.char_probs), r.alternatives)
                for r in results]


def widened(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` stretched ``scale`` times in width (itself at 1.0)."""
    if scale == 1.0 or image.size == 0:
        return image
    return cv2.resize(image, (max(1, round(image.shape[1] * scale)), image.shape[0]), interpolation=cv2.INTER_LINEAR)


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
