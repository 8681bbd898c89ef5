"""The book's signers: a signature read as one of the few officers who sign most of a book.

A commune's book is signed by one or two officers, record after record; the recognizer reads
their names with errors and with junk from the pen mark ("19N Võ Sỹ Hợp", "1 V6 Sỹ Hợp").
``infer_signers(pages)`` runs over the pages of one book after drafting, per signature field key:

- the book's signers are the values read exactly at least :data:`MIN_COUNT` times and, with
  the readings close to them, in at least :data:`MIN_SHARE` of that key's filled fields;
- a field whose raw text holds a run of words within :func:`~ocr.fields.fuzzy.tolerance` of
  exactly one signer (clearly closer than to any other) and whose value is not that signer gets
  the signer's name as value, ``raw_text`` unchanged, and the flag ``book_signer`` (so it is
  never accepted unseen, see :func:`ocr.draft.accept.auto_acceptable`).

Fields with no text are left alone (a pen mark without a written name has no value). Running it
twice changes nothing more. Flag messages hold no names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from ocr.draft.inferred import has_flag, set_inferred
from ocr.fields.fuzzy import DIACRITIC_COST, tolerance, weighted_distance
from ocr.schema import Field, Page
from ocr.templates import LedgerTemplate, TemplateError, load_template

BOOK_SIGNER = "book_signer"
MIN_COUNT = 3
MIN_SHARE = 0.1


@lru_cache(maxsize=32)
def _signature_keys(template_id: str) -> frozenset[str]:
    try:
        t: LedgerTemplate = load_template(template_id)
    except TemplateError:
        return frozenset()
    return frozenset(f.key for f in t.fields if f.type == "signature")


def book_signers(values: Sequence[str | None]) -> list[str]:
    """The values read often enough to be the book's signers (see the module docstring); a
    reading close to a more frequent one (the same misreading, record after record: "Võ Sỹ Hợ")
    counts for it."""
    filled = [v for v in values if v]
    exact = Counter(filled)
    counts: dict[str, int] = {}
    for value, n in sorted(exact.items(), key=lambda vn: (-vn[1], vn[0])):
        same = next((c for c in counts if weighted_distance(value, c) <= tolerance(c)), value)
        counts[same] = counts.get(same, 0) + n
    return sorted(v for v, n in counts.items()
                  if exact[v] >= MIN_COUNT and n >= MIN_SHARE * len(filled))


def closest_signer(raw: str, signers: Sequence[str]) -> str | None:
    """The one signer a run of words of ``raw`` is close to, or None (none, or not clearly one)."""
    words = raw.split()
    scored = []
    for name in signers:
        n = len(name.split())
        runs = [" ".join(words[a:a + k]) for k in range(max(1, n - 1), n + 2) for a in range(len(words) - k + 1)]
        scored.append((min((weighted_distance(r, name) for r in runs), default=float("inf")), name))
    scored.sort()
    if not scored or scored[0][0] > tolerance(scored[0][1]):
        return None
    if len(scored) > 1 and scored[1][0] - scored[0][0] < 2 * DIACRITIC_COST:
        return None
    return scored[0][1]


def infer_signers(pages: Sequence[Page]) -> dict[str, int]:
    """Read the signature fields of one book's pages as its signers; returns
    ``{"book_signer": fields changed}``, or ``{}`` when none changed (as
    :func:`~ocr.draft.sequence.infer_from_sequence`)."""
    by_key: dict[str, list[Field]] = {}
    for page in pages:
        keys = _signature_keys(page.template_id)
        for rec in page.records:
            for fld in rec.fields:
                if fld.key in keys:
                    by_key.setdefault(fld.key, []).append(fld)
    changed = 0
    for fields in by_key.values():
        signers = book_signers([f.value for f in fields if not has_flag(f, BOOK_SIGNER)])
        if not signers:
            continue
        for fld in fields:
            if not fld.raw_text or fld.value in signers:
                continue
            name = closest_signer(fld.raw_text, signers)
            if name is not None:
                set_inferred(fld, name, BOOK_SIGNER, "read as one of the officers who sign this book")
                changed += 1
    return {BOOK_SIGNER: changed} if changed else {}

