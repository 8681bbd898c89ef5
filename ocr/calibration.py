"""Calibrated auto-accept thresholds: one confidence threshold per field type, fitted per recognizer.

A drafted field may be accepted unseen when it normalizes confidently, carries no check flag and its
confidence reaches a threshold (:func:`ocr.draft.accept.auto_acceptable`). How much a confidence is
worth differs by field type: a gender or an ethnic group read at 0.6 is nearly always right, a place
read at 0.95 often is not. :func:`fit_calibration` chooses, per type, the lowest threshold whose
accepted fields on a calibration set (synthetic pages with truth, drafted by that recognizer) are
right at the target precision. Fields drafted empty form groups of their own, ``<type>/blank``
(:func:`blank_group`): their confidence measures the ink left in the slot (:mod:`ocr.draft.blank`),
not a reading, so they never share a threshold with read fields, and a blank group without a fitted
threshold is never accepted. A :class:`Calibration` travels with its recognizer bundle as
``calibration.json`` (``models/htr.calibration.json`` for the shipped one) and holds counts and
thresholds only, no text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field as PydField, ValidationError

from ocr.registry import CALIBRATION_FILE, MODEL_ONNX, active_model_path, file_sha256

NEVER = 1.01  # a threshold no confidence reaches: the type is never accepted unseen
LEVEL = 0.90  # one-sided confidence level of the precision's lower bound
FLOOR = 0.5  # no threshold below this: a reading its model rates below even odds is always looked at
RULE = "wilson-lower-bound, held out by book"
FOLDS = 5  # a threshold must also be found without any one of this many shares of the books
FORMAT = 1
BLANK = "/blank"  # suffix of the calibration group of fields drafted empty


def blank_group(field_type: str) -> str:
    """The calibration group of fields of ``field_type`` drafted empty."""
    return field_type + BLANK


def is_blank_group(group: str) -> bool:
    return group.endswith(BLANK)


class CalibrationError(ValueError):
    """A calibration file that cannot be used; the message says what to do."""


class FieldSample(NamedTuple):
    """One scored field of a calibration set: its group (the template field type, or
    :func:`blank_group` of it for a field drafted empty), its confidence (None when it has none),
    whether its value is right, whether it would be auto-acceptable at any confidence (it
    normalizes confidently and carries no check flag), and the book it comes from (one writer:
    their fields fail together)."""

    field_type: str
    confidence: float | None
    correct: bool
    acceptable: bool
    book: str = ""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TypeFit(_Model):
    """A field type's threshold and what it gave on the calibration set."""

    threshold: float
    status: Literal["fitted", "fallback", "never"]
    fields: int  # fields of this type in the calibration set
    accepted: int  # of them, accepted at ``threshold``
    correct: int  # of the accepted, right

    @property
    def share(self) -> float:
        return self.accepted / self.fields if self.fields else 0.0

    @property
    def precision(self) -> float | None:
        return self.correct / self.accepted if self.accepted else None


class FitSource(_Model):
    """What a calibration was fitted on (no personal data: paths, seeds, counts, hashes)."""

    data: str | None = None
    seeds: list[int] = PydField(default_factory=list)
    pages: int | None = None
    fields: int = 0
    fitted: str = ""  # ISO date and time (UTC)
    model_id: str | None = None
    model_sha256: str | None = None


class Calibration(_Model):
    """Per field-type auto-accept thresholds for one recognizer (see the module docstring)."""

    format: int = FORMAT
    target: float  # the precision the thresholds aim at
    rule: str = RULE
    level: float = LEVEL
    fallback: float  # for types without a threshold of their own
    overall: TypeFit  # the fallback's fit over all fields
    types: dict[str, TypeFit]
    fitted_on: FitSource = PydField(default_factory=FitSource)

    def threshold(self, field_type: str) -> float:
        """The confidence a field of ``field_type`` (or of a :func:`blank_group`) needs to be
        accepted unseen; :data:`NEVER` for a blank group that was not fitted."""
        fit = self.types.get(field_type)
        if fit is not None:
            return fit.threshold
        return NEVER if is_blank_group(field_type) else self.fallback

    def thresholds(self) -> dict[str, float]:
        return {k: v.threshold for k, v in sorted(self.types.items())}

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> "Calibration":
        try:
            return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CalibrationError(f"{path}: cannot be read ({exc.strerror}); give another file or fit one with "
                                   "`hotich models calibrate`") from None
        except ValidationError as exc:
            raise CalibrationError(f"{path}: not a calibration file ({exc.error_count()} problems, first: "
                                   f"{exc.errors()[0]['msg']}); fit it again with `hotich models calibrate`") from None

    def summary(self) -> dict[str, Any]:
        """What an evaluation reports about the calibration it used."""
        return {"target": self.target, "rule": f"{self.rule} ({self.level:.0%})", "fallback": self.fallback,
                "thresholds": self.thresholds(), "fitted": self.fitted_on.fitted, "data": self.fitted_on.data,
                "model_sha256": self.fitted_on.model_sha256}


def wilson_lower(correct: int, n: int, level: float = LEVEL) -> float:
    """One-sided lower confidence bound of a proportion (Wilson score interval); 0 for n = 0."""
    if n <= 0:
        return 0.0
    z = _z(level)
    p = correct / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def _z(level: float) -> float:
    """The standard normal quantile of ``level`` (bisection on erf; no scipy in ``ocr``)."""
    lo, hi = 0.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < level:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def lowest_threshold(samples: Sequence[FieldSample], target: float, *, level: float = LEVEL,
                     floor: float = FLOOR) -> float | None:
    """The lowest confidence (an observed one, at least ``floor``) at which the acceptable samples
    at or above it are right with a precision whose lower bound reaches ``target``; None if none."""
    cands = sorted((s.confidence, s.correct) for s in samples
                   if s.acceptable and s.confidence is not None and s.confidence >= floor)
    best, n, k = None, 0, 0
    i = len(cands)
    while i > 0:  # from the most confident down, one distinct confidence at a time
        conf = cands[i - 1][0]
        while i > 0 and cands[i - 1][0] == conf:
            n, k, i = n + 1, k + cands[i - 1][1], i - 1
        if wilson_lower(k, n, level) >= target:
            best = conf
    return best


def held_threshold(samples: Sequence[FieldSample], target: float, *, level: float = LEVEL,
                   floor: float = FLOOR, folds: int = FOLDS) -> float | None:
    """:func:`lowest_threshold`, checked by book: the books are dealt into ``folds`` shares and the
    threshold is also fitted without each share in turn; the result is the highest of these fits,
    or None when one of them finds none (the target held only thanks to some books' fields).
    Samples from fewer than ``folds`` books are not checked."""
    found = lowest_threshold(samples, target, level=level, floor=floor)
    books = sorted({s.book for s in samples})
    if found is None or len(books) < folds:
        return found
    share = {b: i % folds for i, b in enumerate(books)}
    for k in range(folds):
        without = lowest_threshold([s for s in samples if share[s.book] != k], target, level=level, floor=floor)
        if without is None:
            return None
        found = max(found, without)
    return found


def coverage(samples: Iterable[FieldSample], threshold: Callable[[str], float]) -> tuple[int, int, int]:
    """(fields, accepted, accepted and right) of ``samples`` at per-type thresholds."""
    fields = accepted = correct = 0
    for s in samples:
        fields += 1
        if s.acceptable and s.confidence is not None and s.confidence >= threshold(s.field_type):
            accepted += 1
            correct += s.correct
    return fields, accepted, correct


def _fit(samples: Sequence[FieldSample], threshold: float, status: str) -> TypeFit:
    fields, accepted, correct = coverage(samples, lambda _: threshold)
    return TypeFit(threshold=threshold, status=status, fields=fields, accepted=accepted, correct=correct)


def fit_calibration(samples: Iterable[FieldSample], target: float = 0.99, min_fields: int = 50, *,
                    level: float = LEVEL, floor: float = FLOOR, folds: int = FOLDS,
                    source: FitSource | None = None) -> Calibration:
    """Per-type thresholds: the lowest confidence at which a type's accepted fields reach ``target``
    precision on ``samples``, judged by the one-sided Wilson lower bound at ``level`` (90 %).

    Why a lower bound rather than the point precision: the lowest threshold that passes is picked
    among many, so a threshold tuned to a point precision of 99 % lands below 99 % on new pages about
    half the time, and more for small types. The bound's margin shrinks with the number of accepted
    fields, so large, reliable types (gender, ethnicity) get thresholds near their point estimate and
    small ones are held back; it needs at least about 160 right fields and no wrong one to reach 99 %.
    A fixed margin on the point precision would be too strict for large types and too lax for small.

    Why held out by book (:func:`held_threshold`): the bound counts fields as independent, but a
    book is one officer's hand, and their fields fail together. Times of day fitted on 80 one-page
    books accepted 180 right ones at 0.85; on a 43-page book by one hand, 6 of 115 accepted were
    wrong. A threshold is kept only if it is also found without any fifth of the books, at the
    highest of those fits.

    The fallback (types with fewer than ``min_fields`` fields, types unseen at fitting, and types
    whose fields are too few to prove the target even if all were acceptable and right) is the same
    fit over all read fields, or :data:`NEVER` when even that cannot reach the target. A type gets
    :data:`NEVER` when it has enough fields to prove the target and reaches it at no threshold (a
    type of many fields that are rarely acceptable, like signatures the book's signers corrected, is
    not given the fallback on the strength of its few acceptable ones), or when its own fields
    contradict the fallback (their point precision at it is below the target). Blank groups
    (:func:`blank_group`) have no fallback: a threshold of their own or :data:`NEVER`. No threshold
    is below ``floor``.
    """
    if not 0.5 <= target < 1:
        raise ValueError(f"target precision {target} must lie in [0.5, 1)")
    samples = list(samples)
    if not samples:
        raise ValueError("no fields to fit on; give pages with ground truth (`hotich synth` output)")
    read = [s for s in samples if not is_blank_group(s.field_type)]
    found = held_threshold(read, target, level=level, floor=floor, folds=folds)
    overall = _fit(read, found if found is not None else NEVER, "fitted" if found is not None else "never")
    by_type: dict[str, list[FieldSample]] = {}
    for s in samples:
        by_type.setdefault(s.field_type, []).append(s)
    types = {}
    for kind, group in sorted(by_type.items()):
        own = held_threshold(group, target, level=level, floor=floor, folds=folds) if len(group) >= min_fields else None
        fallback = _fit(group, overall.threshold, "fallback")
        if own is not None:
            types[kind] = _fit(group, own, "fitted")
        elif is_blank_group(kind):
            types[kind] = _fit(group, NEVER, "never")
        elif ((len(group) < min_fields or wilson_lower(len(group), len(group), level) < target)
              and (fallback.precision is None or fallback.precision >= target)):
            types[kind] = fallback
        else:
            types[kind] = _fit(group, NEVER, "never")
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    src = (source or FitSource()).model_copy(update={"fields": len(samples), "fitted": stamp})
    return Calibration(target=target, level=level, fallback=overall.threshold, overall=overall, types=types,
                       fitted_on=src)


def calibration_file(model: Path) -> Path | None:
    """The calibration that belongs to the recognizer ``model``, if there is one: ``<stem>.calibration.json``
    beside it (``models/htr.calibration.json`` for the shipped ``models/htr.onnx``), or, for a registry
    bundle's ``model.onnx``, the bundle's ``calibration.json``."""
    model = Path(model)
    candidates = [model.with_name(f"{model.stem}.calibration.json")]
    if model.name == MODEL_ONNX:
        candidates.append(model.with_name(CALIBRATION_FILE))
    return next((p for p in candidates if p.is_file()), None)


def load_for_model(path: Path, model: Path | None) -> Calibration:
    """Load a calibration and check that it was fitted on ``model`` (by hash): thresholds fitted on
    another model's confidences mean nothing."""
    cal = Calibration.load(path)
    want = cal.fitted_on.model_sha256
    if model is not None and want and Path(model).is_file() and file_sha256(Path(model)) != want:
        raise CalibrationError(f"{path} was fitted on another recognizer (sha256 {want[:12]}…) than {model}; fit "
                               "it again with `hotich models calibrate`, or evaluate without it (--no-calibration)")
    return cal


def calibration_for_model(model: Path | None = None) -> tuple[Calibration, Path] | None:
    """The calibration of ``model`` (default: the active recognizer) and its file, or None when the
    model has none (the global threshold then applies)."""
    if model is None:
        model = active_model_path("htr")
    path = calibration_file(model)
    return (load_for_model(path, model), path) if path is not None else None
