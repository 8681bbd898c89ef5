"""Character alignment of a reference and a prediction (Levenshtein with backtrace)."""

from __future__ import annotations

Pair = tuple[str | None, str | None]  # (reference char, predicted char); None on the missing side


def align(ref: str, hyp: str) -> list[Pair]:
    """A minimal-edit alignment: matches and substitutions as (r, h), deletions as (r, None),
    insertions as (None, h), in reading order. Ties prefer a match or substitution."""
    n, m = len(ref), len(hyp)
    prev = list(range(m + 1))
    rows = [prev]
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        r = ref[i - 1]
        for j in range(1, m + 1):
            cur[j] = min(prev[j - 1] + (r != hyp[j - 1]), prev[j] + 1, cur[j - 1] + 1)
        rows.append(cur)
        prev = cur
    out: list[Pair] = []
    i, j = n, m
    while i or j:
        d = rows[i][j]
        if i and j and d == rows[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            out.append((ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i and d == rows[i - 1][j] + 1:
            out.append((ref[i - 1], None))
            i -= 1
        else:
            out.append((None, hyp[j - 1]))
            j -= 1
    out.reverse()
    return out
