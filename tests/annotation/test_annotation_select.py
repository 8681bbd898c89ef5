"""Active learning: pages ranked by the uncertainty of their drafts, the random baseline, and
`hotich annotate push --select` against a real Label Studio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotation.cli import annotate
from annotation.client import LabelStudioClient
from annotation.push import load_pages, page_files
from annotation.select import ActiveDrafter, page_uncertainty, rank_pages, select_pages, shuffle_pages
from ocr.draft.pipeline import DraftError
from ocr.schema import FieldStatus, Page, Provenance

MODELS = {"htr-test": "ab" * 32}


def _pool(synth_pages: Path) -> list[tuple[Page, Path]]:
    return load_pages(page_files([synth_pages]))


def _as_draft(page: Page, confidence: float | None, page_id: str | None = None) -> Page:
    """The page as a draft whose filled fields all have ``confidence``."""
    out = page.model_copy(deep=True, update={"id": page_id or page.id,
                                             "provenance": Provenance(source="draft", models=MODELS)})
    for rec in out.records:
        for f in rec.fields:
            f.confidence = confidence if f.status == FieldStatus.FILLED else None
    return out


def _no_drafting(page: Page, image: Path) -> Page:
    raise AssertionError(f"{page.id} should not have been drafted")


def test_uncertainty_is_the_mean_of_one_minus_confidence(synth_pages: Path) -> None:
    page, _ = _pool(synth_pages)[0]
    draft = _as_draft(page, 0.8)
    filled = [f for r in draft.records for f in r.fields if f.status == FieldStatus.FILLED]
    assert len(filled) >= 4
    filled[0].confidence, filled[1].confidence, filled[2].confidence = 0.2, None, 0.95
    n = len(filled)
    score, fields, below = page_uncertainty(draft)
    assert fields == n
    assert score == pytest.approx((0.8 + 1.0 + 0.05 + 0.2 * (n - 3)) / n)
    assert below == pytest.approx((2 + (n - 3)) / n)  # 0.2, None and every 0.8 are under 0.9
    assert page_uncertainty(draft, threshold=0.5)[2] == pytest.approx(2 / n)
    empty = draft.model_copy(update={"records": []})
    assert page_uncertainty(empty) == (1.0, 0, None)


def test_ranking_order_ties_and_draft_sources(synth_pages: Path, tmp_path: Path) -> None:
    (truth, image), *_ = _pool(synth_pages)
    pool = [(_as_draft(truth, c, pid), image) for pid, c in [("d", 0.9), ("b", 0.5), ("a", 0.7), ("c", 0.5)]]
    (tmp_path / "drafts").mkdir()
    _as_draft(truth, 0.1).save(tmp_path / "drafts" / f"{truth.id}.json")  # the truth page's draft
    pool.append((truth, image))
    models: set[str] = set()
    ranking = rank_pages(pool, tmp_path, drafter=_no_drafting, models=models)
    assert [r.page_id for r in ranking] == [truth.id, "b", "c", "a", "d"]  # b, c tie: by id
    assert [r.score for r in ranking] == pytest.approx([0.9, 0.5, 0.5, 0.3, 0.1])
    assert [r.source for r in ranking] == ["drafts", "page", "page", "page", "page"]
    assert ranking[-1].below_auto_accept == 0.0 and ranking[0].below_auto_accept == 1.0
    assert len(models) == 1 and "htr-test@abab" in models.pop()
    assert [r.page_id for r in rank_pages(pool[::-1], tmp_path, drafter=_no_drafting)] == \
        [r.page_id for r in ranking]


def test_a_page_that_cannot_be_drafted_ranks_first_with_a_warning(synth_pages: Path) -> None:
    (truth, image), *_ = _pool(synth_pages)

    def fails(page: Page, image: Path) -> Page:
        raise DraftError(f"{page.id}: the layout found no records")

    pool = [(_as_draft(truth, 0.99, "sure"), image), (truth, image)]
    selection = select_pages(pool, "uncertain", 1, drafter=fails)
    assert selection.chosen == [truth.id]
    assert selection.ranking[0].score == 1.0 and selection.ranking[0].source == "failed"
    assert selection.warnings == [f"{truth.id}: the layout found no records; scored 1.0"]


def test_random_selection_is_fixed_by_its_seed(synth_pages: Path) -> None:
    (truth, image), *_ = _pool(synth_pages)
    pool = [(_as_draft(truth, 0.5, f"p{i:02d}"), image) for i in range(12)]
    once = shuffle_pages(pool, 3)
    assert [r.page_id for r in shuffle_pages(pool[::-1], 3)] == [r.page_id for r in once]
    assert sorted(r.page_id for r in once) == [p.id for p, _ in pool]
    assert [r.page_id for r in shuffle_pages(pool, 4)] != [r.page_id for r in once]
    selection = select_pages(pool, "random", 5, seed=3, drafter=_no_drafting)
    assert selection.chosen == [r.page_id for r in once[:5]] and selection.to_dict()["score"] is None


def test_a_page_without_a_draft_is_drafted_by_the_pipeline(synth_pages: Path) -> None:
    pool = [p for p in _pool(synth_pages) if p[0].template_id == "ks_1999"]
    drafted: list[Page] = []
    active = ActiveDrafter()

    def capture(page: Page, image: Path) -> Page:
        drafted.append(active(page, image))
        return drafted[-1]

    (ranked,) = rank_pages(pool, None, drafter=capture)
    (draft,) = drafted
    assert ranked.source == "drafted" and draft.id == pool[0][0].id
    assert draft.provenance is not None and draft.provenance.source == "draft" and draft.provenance.models
    score, fields, below = page_uncertainty(draft)
    assert fields > 10 and 0.0 < score < 1.0
    assert (ranked.score, ranked.fields) == (pytest.approx(score, abs=1e-6), fields)  # scores kept to 6 decimals


def test_select_options_are_checked_before_connecting(synth_pages: Path) -> None:
    runner = CliRunner()
    env = {"HOTICH_LS_URL": "", "HOTICH_LS_TOKEN": "", "HOTICH_LS_CONFIG": "/nonexistent"}
    base = ["push", "--project", "x", "--pages", str(synth_pages)]
    seeded = runner.invoke(annotate, base + ["--select", "uncertain", "2", "--seed", "1"], env=env)
    assert seeded.exit_code == 2 and "--select random only" in seeded.output
    alone = runner.invoke(annotate, base + ["--report", "r.json"], env=env)
    assert alone.exit_code == 2 and "go with --select" in alone.output
    bad = runner.invoke(annotate, base + ["--select", "uncertain", "0"], env=env)
    assert bad.exit_code == 2 and "--select" in bad.output


@pytest.mark.xdist_group("label_studio")
def test_push_selects_the_least_certain_pages(label_studio, synth_pages: Path, tmp_path: Path) -> None:
    pool = _pool(synth_pages)
    assert len(pool) == 3
    confidence = dict(zip(sorted(p.id for p, _ in pool), [0.6, 0.95, 0.3]))
    (tmp_path / "out" / "drafts").mkdir(parents=True)
    for page, _ in pool:
        _as_draft(page, confidence[page.id]).save(tmp_path / "out" / "drafts" / f"{page.id}.json")
    least_sure = sorted(confidence, key=confidence.get)[:2]
    env = {"HOTICH_LS_URL": label_studio.url, "HOTICH_LS_TOKEN": label_studio.token,
           "HOTICH_LS_CONFIG": "/nonexistent"}
    report = tmp_path / "selection.json"
    result = CliRunner().invoke(annotate, ["push", "--project", "selection", "--pages", str(synth_pages),
                                           "--drafts", str(tmp_path / "out"), "--select", "uncertain", "2",
                                           "--report", str(report)], env=env)
    assert result.exit_code == 0, result.output
    assert "selected 2 of 3 pages" in result.output and "2 pages added, 0 updated, 2 predictions" in result.output
    printed = [ln.split() for ln in result.output.splitlines() if ln.startswith("    ")]
    assert [(row[1], float(row[2])) for row in printed] == [(pid, pytest.approx(1 - confidence[pid]))
                                                           for pid in least_sure]
    client = LabelStudioClient(label_studio.connection)
    project = client.find_project("selection")
    assert sorted(t.data["page_id"] for t in client.sdk.tasks.list(project=project.id)) == sorted(least_sure)
    ranking = json.loads(report.read_text(encoding="utf-8"))["ranking"]
    assert [(r["page_id"], r["selected"], r["source"]) for r in ranking] == \
        [(pid, pid in least_sure, "drafts") for pid in sorted(confidence, key=confidence.get)]
