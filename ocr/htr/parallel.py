"""Beam-search decoding of many lines on every CPU core.

The beam search with the language model is pure Python, so one process decodes one line at a
time. For many lines, forked worker processes share the work: fork gives each a copy of the
parent's memory (the lines' log-probabilities, the constraints, the language model), so only the
results travel back. Where fork is missing (not Linux), a pool cannot start (or this process is
a daemon), or there are few lines, the lines are decoded here, one after the other, with the same
results.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ocr.htr.charset import Charset
from ocr.htr.constraints import Constraint
from ocr.htr.decode import LineResult, decode_line
from ocr.htr.lm import CharLM

PARALLEL_MIN_LINES = 64  # below this, forking costs more than it saves

# one line's (T, C) log-probabilities and how to read it: its constraint, the language model, and
# whether it is a whole line (not one line of a field written over several)
Job = tuple[np.ndarray, Constraint | None, CharLM | None, bool]
_SHARED: tuple[Sequence[Job], Charset, dict[str, Any]] | None = None  # set in the parent just before forking


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _decode_here(jobs: Sequence[Job], charset: Charset, options: dict[str, Any]) -> list[LineResult]:
    return [decode_line(lp, charset, constraint=c, lm=lm, whole_line=whole, **options) for lp, c, lm, whole in jobs]


def _decode_span(span: tuple[int, int]) -> list[LineResult]:
    assert _SHARED is not None, "a decoding worker started without its lines (not forked?)"
    jobs, charset, options = _SHARED
    return _decode_here(jobs[span[0]:span[1]], charset, options)


def decode_lines(jobs: Sequence[Job], charset: Charset, *, workers: int | None = None,
                 **options: Any) -> list[LineResult]:
    """:func:`~ocr.htr.decode.decode_line` of every job, in order; ``options`` are its keyword
    arguments (beam width, top_k, prune, lm_weight). Uses up to ``workers`` processes (default:
    the CPUs this process may run on) when there are at least :data:`PARALLEL_MIN_LINES` jobs."""
    global _SHARED
    workers = min(workers or default_workers(), max(1, len(jobs) // (PARALLEL_MIN_LINES // 2)))
    if (workers < 2 or len(jobs) < PARALLEL_MIN_LINES or "fork" not in mp.get_all_start_methods()
            or mp.current_process().daemon):  # a daemonic process may not have children
        return _decode_here(jobs, charset, options)
    size = max(8, -(-len(jobs) // (4 * workers)))  # a few spans per worker, so that none waits long
    spans = [(lo, min(lo + size, len(jobs))) for lo in range(0, len(jobs), size)]
    _SHARED = (jobs, charset, options)
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_decode_span, spans)
    except (OSError, mp.ProcessError):  # no processes to be had: decode here
        return _decode_here(jobs, charset, options)
    finally:
        _SHARED = None
    return [result for part in parts for result in part]
