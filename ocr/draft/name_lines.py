"""A name written over several lines, read as one name.

A name wrapped in a narrow cell ("Nguyễn Thị" / "Hiền") has each line read as a fragment, any
piece of a name, and a piece cannot be ranked by the name prior: "Hiên" alone is as good a piece
as "Hiền". :func:`best_joint` joins the readings kept for each line (every combination, at most
:data:`MAX_JOINED`), ranks the joined names by the sum of the lines' scores plus the name prior
(:func:`~ocr.htr.name_prior.name_log_prior`, of the name's gender when the record says it), and
returns which reading of each line to keep. On the 210 calibration pages (seeds 8600-8629), names
over two lines were read right 614 -> 710 times of 844 (with the prior's weight at 0.5).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ocr.htr.decode import share
from ocr.htr.name_prior import name_log_prior

MAX_JOINED = 125  # combinations of the lines' readings ranked, at most (5 readings over 3 lines)


def best_joint(lines: Sequence[Sequence[tuple[str, float]]],
               gender: str | None = None) -> tuple[tuple[int, ...], float]:
    """Of every way to take one (text, score) reading per line, the one whose joined text scores
    best with the name prior: the index of the reading taken on each line, and the joined reading's
    share of the probability of all joined readings by the lines' scores alone (as a single line's
    confidence is capped, :func:`~ocr.htr.decode.reading_share`). Lines without readings cannot be
    joined: a ValueError."""
    if not lines or any(not ln for ln in lines):
        raise ValueError("every line needs at least one reading to join")
    per_line = max(1, int(MAX_JOINED ** (1 / len(lines))))
    choices = list(itertools.product(*(range(min(per_line, len(ln))) for ln in lines)))
    raw = [sum(lines[i][k][1] for i, k in enumerate(pick)) for pick in choices]
    ranked = [r + name_log_prior(" ".join(lines[i][k][0].strip() for i, k in enumerate(pick)), gender)
              for pick, r in zip(choices, raw)]
    best = max(range(len(choices)), key=ranked.__getitem__)
    return choices[best], share(raw, best)
