"""CTC decoding of the recognizer's log-probabilities (T frames x C classes, class 0 the blank).

- :func:`greedy_decode`: best class per frame, repeats collapsed, blanks dropped; vectorised over
  a batch.
- :func:`beam_search`: prefix beam search in log space (blank / non-blank probability per prefix),
  optionally restricted by a :class:`~ocr.htr.constraints.Constraint` and scored with a character
  language model (:mod:`ocr.htr.lm`); returns the best label sequences with their scores.
- :func:`decode_line`: one line to a :class:`LineResult`, greedy or by beam search.

A character's probability is the largest probability the model gave it over the frames that
emitted it (greedy: its run of frames; beam search: its frames in the best alignment).
**Line confidence** is the product of the character probabilities: the chance that no character
is misread if errors were independent (it falls with length, as the chance of a wrong line
does). An empty line's confidence is its smallest blank probability, the doubt at the frame most
likely to hide a character; a line without frames has confidence 0. After a beam search the
confidence is at most the reading's share of the probability of the readings the search kept
(:func:`reading_share`): the product cannot see a character the best alignment skipped ("Côn"
where "Công" scored nearly as well), the rival reading can.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Hashable, Sequence

import numpy as np

from ocr.htr.charset import BLANK, Charset
from ocr.htr.constraints import Constraint
from ocr.htr.lm import LM_WEIGHT, CharLM
from ocr.text import nfc

NEG_INF = float("-inf")
# With a language model: prefixes this far (in log-probability) below the best are dropped, and
# characters less likely than LM_PRUNE are not tried (in free text: a constraint may need them). Chosen on the 200 real dev lines: CER 3.26 %
# against 3.20 % with a margin of 10 and pruning below 0.1 %, in a third of the time.
LM_MARGIN = 4.0
LM_PRUNE = 1e-2
# A constrained line with no allowed reading among the likely characters is searched again, once,
# over unlikely characters too (a faded date read "Ngy 20 Láng 1 ăm 19" has no date in the first beam).
RETRY_PRUNE = 1e-5
RETRY_CANDIDATES = 48
RETRY_BEAM = 16


@dataclass(frozen=True)
class Alternative:
    """A reading and its score: the log-probability of the text (beam search: summed over
    alignments, plus the language model's weighted log-probability and the constraint's log-prior,
    if any; greedy: of the best path)."""

    text: str
    score: float


@dataclass(frozen=True)
class LineResult:
    """A recognised line: NFC text, one probability per character, the line confidence, the
    alternatives best first (the text first), and whether the field's constraint was met
    (None: no constraint; False: nothing allowed was readable, the unconstrained reading is
    given)."""

    text: str
    char_probs: tuple[float, ...]
    confidence: float
    alternatives: tuple[Alternative, ...] = ()
    constraint_met: bool | None = None


@dataclass(frozen=True)
class Hypothesis:
    """A beam-search reading: class indices, text and log-probability."""

    labels: tuple[int, ...]
    text: str
    score: float


def line_confidence(char_probs: Sequence[float] | np.ndarray, blank_logprobs: np.ndarray) -> float:
    """The product of ``char_probs``; for an empty line the smallest blank probability over its
    frames (``blank_logprobs``), 0 without frames."""
    if len(char_probs):
        return float(np.prod(np.asarray(char_probs, np.float64)))
    return float(np.exp(np.min(blank_logprobs))) if len(blank_logprobs) else 0.0


def _check(logprobs: np.ndarray, charset: Charset, ndim: int) -> np.ndarray:
    lp = np.asarray(logprobs)
    if lp.ndim != ndim or lp.shape[-1] != charset.size:
        want = "(B, T, C)" if ndim == 3 else "(T, C)"
        raise ValueError(f"log-probabilities of shape {lp.shape}, expected {want} with C = {charset.size}")
    return lp


def greedy_decode(logprobs: np.ndarray, charset: Charset, lengths: Sequence[int] | np.ndarray | None = None
                  ) -> list[LineResult]:
    """Best-path decoding of a batch (B, T, C); ``lengths`` are the valid frames of each line
    (default: all T)."""
    lp = _check(logprobs, charset, 3)
    B, T, _ = lp.shape
    lengths = np.full(B, T, np.int64) if lengths is None else np.asarray(lengths, np.int64)
    if lengths.shape != (B,) or (lengths < 0).any() or (lengths > T).any():
        raise ValueError(f"lengths {lengths.tolist()} do not fit a batch of {B} lines of {T} frames")
    best = lp.argmax(-1)
    best_lp = np.take_along_axis(lp, best[..., None], -1)[..., 0].astype(np.float64)
    valid = np.arange(T) < lengths[:, None]
    best = np.where(valid, best, BLANK)
    best_lp = np.where(valid, best_lp, 0.0)
    # runs of equal classes; every row starts a run, so runs never cross rows
    starts = np.ones((B, T), bool)
    starts[:, 1:] = best[:, 1:] != best[:, :-1]
    run_at = np.flatnonzero(starts)
    run_label = best.ravel()[run_at]
    run_lp = np.maximum.reduceat(best_lp.ravel(), run_at) if run_at.size else np.zeros(0)
    keep = run_label != BLANK
    rows, labels, char_lp = run_at[keep] // max(T, 1), run_label[keep], run_lp[keep]
    counts = np.bincount(rows, minlength=B)
    log_conf = np.bincount(rows, weights=char_lp, minlength=B)
    empty_conf = np.exp(np.where(valid, best_lp, np.inf).min(1, initial=np.inf))
    path_score = best_lp.sum(1)
    chars = ("",) + charset.chars
    out: list[LineResult] = []
    for b, (lo, hi) in enumerate(zip(np.cumsum(counts) - counts, np.cumsum(counts))):
        text = nfc("".join(chars[i] for i in labels[lo:hi].tolist()))
        if hi > lo:
            conf = float(np.exp(log_conf[b]))
        else:
            conf = float(empty_conf[b]) if lengths[b] else 0.0
        out.append(LineResult(text, tuple(np.exp(char_lp[lo:hi]).tolist()), conf,
                              (Alternative(text, float(path_score[b])),)))
    return out


# --- beam search ---------------------------------------------------------------------------


def _logadd(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    return a if b == NEG_INF else a + math.log1p(math.exp(b - a))


class _ConstraintView:
    """A constraint seen through a charset: allowed class indices per state, steps by class."""

    def __init__(self, constraint: Constraint, charset: Charset) -> None:
        self.constraint = constraint
        self.chars = charset.chars
        self.index = charset.index()
        self._ids: dict[Hashable, frozenset[int]] = {}

    def allowed(self, state: Hashable) -> frozenset[int]:
        ids = self._ids.get(state)
        if ids is None:
            ids = frozenset(self.index[c] for c in self.constraint.allowed(state) if c in self.index)
            self._ids[state] = ids
        return ids

    def step(self, state: Hashable, label: int) -> Hashable | None:
        return self.constraint.step(state, self.chars[label - 1])


@lru_cache(maxsize=64)
def _cached_view(constraint: Constraint, charset: Charset) -> _ConstraintView:
    return _ConstraintView(constraint, charset)


def _view(constraint: Constraint, charset: Charset) -> _ConstraintView:
    try:
        return _cached_view(constraint, charset)
    except TypeError:  # an unhashable constraint
        return _ConstraintView(constraint, charset)


def _candidates(lp: np.ndarray, prune: float, max_candidates: int) -> list[list[int]]:
    """Per frame, the non-blank classes worth extending with: probability >= ``prune`` in class
    order, or the ``max_candidates`` most likely first when more pass."""
    scores = lp[:, 1:]
    frames, classes = np.nonzero(scores >= math.log(prune))
    bounds = np.searchsorted(frames, np.arange(len(lp) + 1)).tolist()
    labels = (classes + 1).tolist()
    out = [labels[bounds[t]:bounds[t + 1]] for t in range(len(lp))]
    for t in np.flatnonzero(np.diff(bounds) > max_candidates).tolist():
        idx = np.asarray(out[t]) - 1
        out[t] = (idx[np.argsort(-scores[t, idx], kind="stable")[:max_candidates]] + 1).tolist()
    return out


def beam_search(logprobs: np.ndarray, charset: Charset, *, beam_width: int = 8,
                constraint: Constraint | None = None, top_k: int | None = None,
                prune: float = 1e-3, max_candidates: int = 16,
                lm: CharLM | None = None, lm_weight: float = LM_WEIGHT, margin: float = LM_MARGIN,
                whole_line: bool = True) -> list[Hypothesis]:
    """CTC prefix beam search over one line (T, C) of log-probabilities.

    Keeps ``beam_width`` prefixes, each with the log-probability of its alignments ending in a
    blank and in a character. Only characters of probability >= ``prune`` (at most
    ``max_candidates`` per frame) extend a prefix, and with a ``constraint`` only those it allows.
    With a language model ``lm``, a prefix is ranked by its log-probability plus ``lm_weight``
    times the LM's log-probability of its text (and, at the end, of the line's end; a line that is
    not ``whole_line``, one line of a field written over several, is scored from no context and
    without an end), prefixes
    more than ``margin`` below the best are dropped and, without a constraint, ``prune`` is at
    least :data:`LM_PRUNE`. Returns up to ``top_k`` (default
    ``beam_width``) readings, best first, scored that way; with a constraint, only readings it
    accepts as whole lines (possibly none)."""
    if beam_width < 1:
        raise ValueError(f"beam_width must be >= 1, not {beam_width}")
    lp = _check(logprobs, charset, 2)
    cands = _candidates(lp, max(prune, LM_PRUNE) if lm is not None and constraint is None else prune, max_candidates)
    # Work on the columns of the classes that ever pass (blank first): prefixes hold column
    # numbers, and only those columns are turned into Python floats.
    cols = [BLANK] + sorted({c for frame in cands for c in frame})
    col_of = {label: j for j, label in enumerate(cols)}
    rows = lp[:, cols].astype(np.float64).tolist()
    frame_cols = [[col_of[c] for c in frame] for frame in cands]
    chars = ("",) + charset.chars
    col_chars = [chars[label] for label in cols]
    view = _view(constraint, charset) if constraint is not None else None
    start = constraint.start() if constraint is not None else None
    # prefix (columns) -> [log p(ends in blank), log p(ends in a character), constraint state,
    #                      LM state, weighted LM log-probability of the prefix]
    lm_start = (lm.start() if whole_line else "") if lm is not None else None
    beams: dict[tuple[int, ...], list] = {(): [0.0, NEG_INF, start, lm_start, 0.0]}
    log1p, exp = math.log1p, math.exp
    for row, frame_cands in zip(rows, frame_cols):
        blank = row[0]
        if not frame_cands:  # only blank (or nothing) is likely: prefixes stay as they are
            for prefix, b in beams.items():
                b[0], b[1] = _logadd(b[0], b[1]) + blank, (b[1] + row[prefix[-1]]) if prefix else NEG_INF
            continue
        nxt: dict[tuple[int, ...], list] = {}
        for prefix, (pb, pnb, state, lm_state, lm_score) in beams.items():
            # _logadd(pb, pnb), inline: this is the search's most frequent operation
            if pnb == NEG_INF or pb == NEG_INF:
                total = pb if pnb == NEG_INF else pnb
            else:
                total = pb + log1p(exp(pnb - pb)) if pb >= pnb else pnb + log1p(exp(pb - pnb))
            last = prefix[-1] if prefix else -1
            same = nxt.get(prefix)
            stay_b, stay_nb = total + blank, (pnb + row[last]) if prefix else NEG_INF
            if same is None:
                nxt[prefix] = [stay_b, stay_nb, state, lm_state, lm_score]
            else:
                same[0], same[1] = _logadd(same[0], stay_b), _logadd(same[1], stay_nb)
            allowed = view.allowed(state) if view is not None else None
            for c in frame_cands:
                if allowed is not None and cols[c] not in allowed:
                    continue
                score = (pb if c == last else total) + row[c]
                ext = prefix + (c,)
                entry = nxt.get(ext)
                if entry is None:
                    step = view.step(state, cols[c]) if view is not None else None
                    if lm is None:
                        nxt[ext] = [NEG_INF, score, step, None, 0.0]
                    else:
                        char_lp, next_state = lm.step(lm_state, col_chars[c])
                        nxt[ext] = [NEG_INF, score, step, next_state, lm_score + lm_weight * char_lp]
                else:
                    entry[1] = _logadd(entry[1], score)
        if lm is not None and len(nxt) > 1:
            # the margin on the larger of a prefix's two log-probabilities (within log 2 of their
            # sum, and cheaper), the beam width on their sum
            floor = max(max(b[0], b[1]) + b[4] for b in nxt.values()) - margin
            kept = [(p, b) for p, b in nxt.items() if max(b[0], b[1]) + b[4] >= floor]
            if len(kept) > beam_width:
                kept = heapq.nlargest(beam_width, kept, key=lambda kv: _logadd(kv[1][0], kv[1][1]) + kv[1][4])
            if len(kept) < len(nxt):
                nxt = dict(kept)
        elif len(nxt) > beam_width:
            nxt = dict(heapq.nlargest(beam_width, nxt.items(), key=lambda kv: _logadd(kv[1][0], kv[1][1])))
        beams = nxt

    def final(b: list) -> float:
        end = lm_weight * lm.end_logprob(b[3]) if lm is not None and whole_line else 0.0
        return _logadd(b[0], b[1]) + b[4] + end

    ranked = sorted(beams.items(), key=lambda kv: final(kv[1]), reverse=True)
    if constraint is not None:
        ranked = [kv for kv in ranked if constraint.can_end(kv[1][2])]
    return [Hypothesis(tuple(cols[j] for j in p), nfc("".join(col_chars[j] for j in p)), final(b))
            for p, b in ranked[: top_k or beam_width]]


def char_probs(logprobs: np.ndarray, labels: Sequence[int]) -> np.ndarray:
    """Per label, the largest probability over its frames in the best (Viterbi) CTC alignment of
    ``labels`` to ``logprobs`` (T, C); zeros if the labels cannot be aligned."""
    lp = np.asarray(logprobs, np.float64)
    n, T = len(labels), len(lp)
    if n == 0:
        return np.zeros(0)
    ext = np.zeros(2 * n + 1, np.int64)
    ext[1::2] = labels
    S = len(ext)
    skip = np.zeros(S, bool)
    skip[2:] = (ext[2:] != BLANK) & (ext[2:] != ext[:-2])
    frame_lp = lp[:, ext]  # (T, S)
    penalty = np.where(skip, 0.0, NEG_INF)  # moves two states on: only past a blank between labels
    dp = np.full(S, NEG_INF)
    dp[:2] = frame_lp[0, :2] if T else NEG_INF
    one, two, best = np.full(S, NEG_INF), np.full(S, NEG_INF), np.empty(S)
    took_one, took_two = np.empty(S, bool), np.empty(S, bool)
    back = np.zeros((T, S), np.int8)
    for t in range(1, T):
        one[1:] = dp[:-1]
        np.add(dp[:-2], penalty[2:], out=two[2:])
        np.greater(one, dp, out=took_one)
        np.maximum(dp, one, out=best)
        np.greater(two, best, out=took_two)
        np.maximum(best, two, out=best)
        back[t] = took_one
        back[t, took_two] = 2
        np.add(best, frame_lp[t], out=dp)
    end = S - 1 if S == 1 or dp[S - 1] >= dp[S - 2] else S - 2
    if T == 0 or not np.isfinite(dp[end]):
        return np.zeros(n)
    states = np.empty(T, np.int64)
    s = end
    for t in range(T - 1, -1, -1):
        states[t] = s
        s -= int(back[t, s])
    emitting = states % 2 == 1
    out = np.zeros(n)
    np.maximum.at(out, (states[emitting] - 1) // 2, np.exp(frame_lp[np.flatnonzero(emitting), states[emitting]]))
    return out


def share(scores: Sequence[float], k: int = 0) -> float:
    """Reading ``k``'s share of the probability of readings scored ``scores`` (log-probabilities,
    taken as unnormalised; a reading scored -inf has none); equal shares when all are -inf."""
    top = max(scores)
    if top == NEG_INF:
        return 1.0 / len(scores)
    return math.exp(scores[k] - top) / sum(math.exp(s - top) for s in scores)


def reading_share(hyps: Sequence[Hypothesis]) -> float:
    """The first reading's share of the probability of all ``hyps`` (their scores, log-probabilities
    with any language model's weight, taken as unnormalised); 1 for a single reading."""
    return share([h.score for h in hyps]) if len(hyps) > 1 else 1.0


def decode_line(logprobs: np.ndarray, charset: Charset, *, beam_width: int = 1,
                constraint: Constraint | None = None, top_k: int = 5, prune: float = 1e-3,
                lm: CharLM | None = None, lm_weight: float = LM_WEIGHT, whole_line: bool = True) -> LineResult:
    """One line (T, C): greedy when ``beam_width`` is 1 and there is no constraint, else beam
    search. When the constraint allows nothing readable, the greedy reading is returned with
    ``constraint_met=False``."""
    lp = _check(logprobs, charset, 2)
    if beam_width == 1 and constraint is None:
        return greedy_decode(lp[None], charset)[0]
    hyps = beam_search(lp, charset, beam_width=beam_width, constraint=constraint,
                       top_k=max(top_k, 1), prune=prune, lm=lm, lm_weight=lm_weight, whole_line=whole_line)
    if not hyps and constraint is not None:  # what the field allows was pruned away: look wider, once
        hyps = beam_search(lp, charset, beam_width=max(beam_width, RETRY_BEAM), constraint=constraint,
                           top_k=max(top_k, 1), prune=min(prune, RETRY_PRUNE), max_candidates=RETRY_CANDIDATES,
                           lm=lm, lm_weight=lm_weight, whole_line=whole_line)
    if not hyps:
        return replace(greedy_decode(lp[None], charset)[0], constraint_met=False)
    prior = getattr(constraint, "prior", None)
    if prior is not None:  # readings ranked by log-probability plus the constraint's log-prior
        hyps = sorted(hyps, key=lambda h: h.score + prior(h.text), reverse=True)
    probs = char_probs(lp, hyps[0].labels)
    return LineResult(
        text=hyps[0].text, char_probs=tuple(probs.tolist()),
        confidence=min(line_confidence(probs, np.asarray(lp[:, BLANK])), reading_share(hyps)),
        alternatives=tuple(Alternative(h.text, h.score + (prior(h.text) if prior is not None else 0.0)) for h in hyps),
        constraint_met=None if constraint is None else True,
    )
