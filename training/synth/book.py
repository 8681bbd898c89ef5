"""Plan a run of synthetic pages as books: book metadata, writers and the records on each page.

Planning is sequential and cheap (record content, numbering across pages and years); rendering a
page afterwards depends only on its plan and its own seed, so pages can be rendered in parallel
and a given seed always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ocr.templates import LedgerTemplate, RowsLayout
from training.synth.content import BookContentGenerator, FieldContent, random_unit
from training.synth.handwriting import WriterStyle, sample_writer

BOOK_PAGES = (6, 40)  # pages in one synthetic book


@dataclass
class PagePlan:
    """What one page shows: its book, its side of a spread and the records in its rows."""

    index: int
    page_id: str
    template: LedgerTemplate  # as its book prints it (other column widths with `column_jitter`)
    side: str
    page_number: int
    year: int
    volume: str
    unit: dict
    rows: int  # printed record rows (or blocks)
    records: list[dict[str, FieldContent] | None]  # one per row; None = a blank row
    record_ids: list[str]
    writers: list[WriterStyle]
    record_writer: list[int]  # index into writers, per row
    seed: int
    conditions: list[str] | None = None  # forced hard conditions, or None to sample
    extras: dict = field(default_factory=dict)


def _field_types(t: LedgerTemplate) -> list[tuple[str, str]]:
    return [(f.key, f.type) for f in t.fields]


def page_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The seed of page ``index`` of a run with ``seed``: independent of other pages."""
    return np.random.SeedSequence([seed, 1, index])


def jitter_columns(t: LedgerTemplate, jitter: float, rng: np.random.Generator) -> LedgerTemplate:
    """A printing of ``t`` with other column widths (another province's or year's print run):
    each column's width times a factor drawn in [1 - jitter, 1 + jitter], the table's width
    unchanged (the geometry renormalizes widths). Block layouts are returned as they are."""
    if not jitter or not isinstance(t.layout, RowsLayout):
        return t
    if not 0 <= jitter < 1:
        raise ValueError(f"column jitter must be in [0, 1), not {jitter}")
    pages = {}
    for side, page in t.layout.pages.items():
        factors = rng.uniform(1 - jitter, 1 + jitter, len(page.columns))
        pages[side] = page.model_copy(update={"columns": [
            c.model_copy(update={"width": c.width * float(f)}) for c, f in zip(page.columns, factors)]})
    return t.model_copy(update={"layout": t.layout.model_copy(update={"pages": pages})})


def plan_pages(t: LedgerTemplate, pages: int, seed: int, *, conditions: list[str] | None = None,
               column_jitter: float = 0.0) -> list[PagePlan]:
    """Plan ``pages`` pages of template ``t`` as a sequence of books, deterministically.

    ``column_jitter`` > 0 prints each book with its own column widths (:func:`jitter_columns`,
    one draw per book from a stream of its own, so the rest of the plan is as without it)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    widths_rng = np.random.default_rng(np.random.SeedSequence([seed, 977]))
    plans: list[PagePlan] = []
    types = _field_types(t)
    sides = t.sides
    book = 0
    next_first = 1
    while len(plans) < pages:
        year = int(rng.integers(t.years[0], t.years[1] + 1))
        unit = random_unit(rng)
        volume = f"{int(rng.integers(1, 4)):02d}"
        if isinstance(t.layout, RowsLayout):
            lo, hi = t.layout.rows_per_page
            rows = int(rng.integers(lo, hi + 1))
        else:
            rows = t.layout.records_per_page
        # Some books continue the previous book's numbering (a sequence running across a year).
        first = next_first if (book and rng.random() < 0.25) else 1
        gen = BookContentGenerator(t.book_type.value, year, unit, rng, first_number=first)
        printed = jitter_columns(t, column_jitter, widths_rng)
        n_writers = int(rng.choice([1, 1, 2, 2, 3]))
        writers = [sample_writer(rng) for _ in range(n_writers)]
        spreads = int(rng.integers(*BOOK_PAGES)) // len(sides) + 1
        page_number = 1
        for spread in range(spreads):
            if len(plans) >= pages:
                break
            last = spread == spreads - 1
            filled = rows if not last else int(rng.integers(max(1, rows // 3), rows + 1))
            records = [gen.next_record(types) if r < filled else None for r in range(rows)]
            ids = [f"b{book}-s{spread}-r{r}" for r in range(rows)]
            main = 0
            who = [main if rng.random() < 0.85 else int(rng.integers(0, n_writers)) for _ in range(rows)]
            for side in sides:
                if len(plans) >= pages:
                    break
                index = len(plans)
                plans.append(PagePlan(
                    index=index, page_id=f"{t.id}-{seed}-{index:05d}", template=printed, side=side,
                    page_number=page_number, year=year, volume=volume, unit=unit, rows=rows,
                    records=records, record_ids=ids, writers=writers, record_writer=who,
                    seed=seed, conditions=conditions,
                ))
                page_number += 1
        next_first = gen.next_number
        book += 1
    return plans
