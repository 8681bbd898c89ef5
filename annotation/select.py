"""Active learning: choose which pages of a pool annotators label first.

``uncertain``: the pages the current models are least sure of. Each page's uncertainty comes from
a draft of it: the page itself when it is a draft (``provenance.source == "draft"``), else its
draft in a ``hotich draft`` output folder, else a draft made now with the active models (the
``hotich draft`` pipeline, :class:`ocr.draft.pipeline.PageDrafter`). The score is

    uncertainty = mean over the draft's filled fields of (1 - field confidence)

where a filled field without a confidence counts as 1 (a field's confidence is its least
confident line's). A draft with no filled field, or a page the pipeline cannot draft, scores 1.0:
the models read nothing there. Pages are ranked by score, highest first, ties by page id.

``random``: a shuffle of the pool by a seed, the baseline to compare uncertain selection against.

Rankings name pages by id and give numbers only, never field values (personal data).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from ocr.draft.accept import AUTO_ACCEPT
from ocr.draft.inputs import InputError, collect_pages, load_page
from ocr.draft.pipeline import BookInfo, DraftError, DraftSettings, PageDrafter
from ocr.draft.readers import LineReader, make_reader
from ocr.schema import FieldStatus, Page

from annotation.convert import model_version
from annotation.push import draft_for

METHODS = ("uncertain", "random")
FORMULA = "mean over filled fields of (1 - confidence); no confidence counts 1; nothing read scores 1.0"

Source = Literal["page", "drafts", "drafted", "failed", "random"]
Drafter = Callable[[Page, Path], Page]


@dataclass(frozen=True)
class Ranked:
    """One page's place in a ranking: its score (None for a random pick) and where its draft came
    from: the page itself, the drafts folder, drafted now, or a draft that failed."""

    page_id: str
    score: float | None
    fields: int = 0  # filled fields scored
    below_auto_accept: float | None = None  # share of them under the auto-accept threshold
    source: Source = "random"


@dataclass
class Selection:
    """A ranking of the whole pool and the pages chosen from it (its first ``count``)."""

    method: str
    ranking: list[Ranked]
    count: int
    seed: int | None = None
    models: list[str] = field(default_factory=list)  # model versions of the drafts scored
    warnings: list[str] = field(default_factory=list)

    @property
    def chosen(self) -> list[str]:
        return [r.page_id for r in self.ranking[:self.count]]

    def to_dict(self) -> dict:
        chosen = set(self.chosen)
        return {"method": self.method, "count": len(chosen), "pool": len(self.ranking), "seed": self.seed,
                "score": FORMULA if self.method == "uncertain" else None, "auto_accept": AUTO_ACCEPT,
                "models": self.models,
                "ranking": [{"rank": i + 1, **asdict(r), "selected": r.page_id in chosen}
                            for i, r in enumerate(self.ranking)]}

    def write(self, path: Path) -> None:
        """Write the selection as JSON (page ids and numbers only)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


def page_uncertainty(draft: Page, threshold: float = AUTO_ACCEPT) -> tuple[float, int, float | None]:
    """(uncertainty, filled fields, share of them under ``threshold``) of a draft; see the module
    docstring for the formula."""
    conf = [f.confidence if f.confidence is not None else 0.0
            for r in draft.records for f in r.fields if f.status == FieldStatus.FILLED]
    if not conf:
        return 1.0, 0, None
    return (sum(1.0 - c for c in conf) / len(conf), len(conf),
            sum(c < threshold for c in conf) / len(conf))


class ActiveDrafter:
    """Drafts pool pages with the active models, loaded once on first use (one recognizer for all
    templates; the layout analyzer is shared by the process)."""

    def __init__(self, settings: Callable[[Page], DraftSettings] | None = None) -> None:
        self._settings = settings or default_settings
        self._reader: LineReader | None = None

    def __call__(self, page: Page, image: Path) -> Page:
        settings = self._settings(page)
        if self._reader is None:
            self._reader = make_reader(settings.recognizer, model=settings.model, threads=settings.threads,
                                       beam_width=settings.beam_width)
        sources, problems = collect_pages([image])
        if problems or not sources:
            raise InputError(problems[0].message if problems else f"{image}: no page in this file")
        drafter = PageDrafter(settings, reader=self._reader)
        return drafter.draft(load_page(sources[0]).rgb, page_id=page.id, page_number=page.book.page_number,
                             image_path=str(image)).page


def default_settings(page: Page) -> DraftSettings:
    """How ``hotich draft`` would draft the page's book with its defaults (active models)."""
    b = page.book
    return DraftSettings(template=page.template_id, book=BookInfo(b.book_type, b.year, b.volume, b.unit))


def _draft_of(page: Page, image: Path, drafts: Path | None, drafter: Drafter) -> tuple[Page, Source]:
    if page.provenance is not None and page.provenance.source == "draft":
        return page, "page"
    found = draft_for(page, drafts) if drafts is not None else None
    if found is not None:
        return found, "drafts"
    return drafter(page, image), "drafted"


def rank_pages(pages: Sequence[tuple[Page, Path]], drafts: Path | None = None, *, drafter: Drafter | None = None,
               progress: bool = False, warnings: list[str] | None = None,
               models: set[str] | None = None) -> list[Ranked]:
    """Rank ``pages`` (each with its image, as :func:`annotation.push.load_pages` gives them) by
    uncertainty, highest first, ties by page id. Drafts come from the page itself, ``drafts`` (a
    ``hotich draft`` output folder), else ``drafter`` (default: :class:`ActiveDrafter`). A page
    the pipeline cannot draft scores 1.0 and adds a line to ``warnings``; the model versions of
    the drafts scored are added to ``models``."""
    drafter = drafter or ActiveDrafter()
    out: list[Ranked] = []
    for page, image in tqdm(pages, unit="page", desc="scoring", disable=not progress):
        try:
            draft, source = _draft_of(page, image, drafts, drafter)
        except (DraftError, InputError) as exc:
            if warnings is not None:
                warnings.append(f"{exc}; scored 1.0")
            out.append(Ranked(page.id, 1.0, source="failed"))
            continue
        if models is not None:
            models.add(model_version(draft))
        score, n, below = page_uncertainty(draft)
        out.append(Ranked(page.id, round(score, 6), n, None if below is None else round(below, 6), source))
    return sorted(out, key=lambda r: (-(r.score or 0.0), r.page_id))


def shuffle_pages(pages: Sequence[tuple[Page, Path]], seed: int) -> list[Ranked]:
    """The pool in a random order fixed by ``seed`` (independent of the order pages are given)."""
    ids = sorted(p.id for p, _ in pages)
    random.Random(seed).shuffle(ids)
    return [Ranked(i, None) for i in ids]


def select_pages(pages: Sequence[tuple[Page, Path]], method: str, count: int, *, drafts: Path | None = None,
                 seed: int = 0, drafter: Drafter | None = None, progress: bool = False) -> Selection:
    """Rank the pool by ``method`` (``uncertain`` or ``random``) and choose its first ``count``."""
    if method == "random":
        return Selection(method, shuffle_pages(pages, seed), count, seed)
    if method != "uncertain":
        raise ValueError(f"unknown selection {method!r}; use one of {', '.join(METHODS)}")
    warnings: list[str] = []
    models: set[str] = set()
    ranking = rank_pages(pages, drafts, drafter=drafter, progress=progress, warnings=warnings, models=models)
    return Selection(method, ranking, count, None, sorted(models), warnings)


__all__ = ["FORMULA", "METHODS", "ActiveDrafter", "Ranked", "Selection", "default_settings", "page_uncertainty",
           "rank_pages", "select_pages", "shuffle_pages"]
