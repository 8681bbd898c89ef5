"""Round trip through a real Label Studio server: push pages with predictions, edit them through
the API as an annotator would, pull, and get back exactly the edited truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from ls_checks import assert_same_truth, delete_line, fix_transcription, move_line

from annotation.cli import annotate
from annotation.client import LabelStudioClient
from annotation.push import page_files, push_pages
from ocr.schema import FieldStatus, Page

PROJECT = "Sổ khai sinh - thử nghiệm"
# One worker runs these tests (`pytest -n 2 --dist loadgroup`), so one server serves them all.
pytestmark = pytest.mark.xdist_group("label_studio")


def _one_line_field(page: Page, skip: int = 0) -> tuple[str, str]:
    found = [(r.id, f.key) for r in page.records for f in r.fields
             if f.status == FieldStatus.FILLED and len(f.lines) == 1 and not f.lines[0].strikethrough]
    return found[skip]


def _env(server) -> dict[str, str]:
    return {"HOTICH_LS_URL": server.url, "HOTICH_LS_TOKEN": server.token, "HOTICH_LS_CONFIG": "/nonexistent"}


def _tasks(client: LabelStudioClient, project_id: int) -> dict[str, object]:
    return {t.data["page_id"]: t for t in client.sdk.tasks.list(project=project_id)}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def annotated(label_studio, synth_pages: Path, tmp_path_factory) -> dict:
    """Pages pushed with predictions (twice: the second push must change nothing but the
    predictions), then annotated with edits; returns the expected truth per page."""
    runner = CliRunner()
    args = ["push", "--project", PROJECT, "--pages", str(synth_pages), "--with-predictions"]
    first = runner.invoke(annotate, args, env=_env(label_studio))
    assert first.exit_code == 0, first.output
    assert "3 pages added, 0 updated, 3 predictions" in first.output
    again = runner.invoke(annotate, args, env=_env(label_studio))
    assert again.exit_code == 0 and "0 pages added, 3 updated, 3 predictions" in again.output, again.output

    client = LabelStudioClient(label_studio.connection)
    project = client.find_project(PROJECT)
    tasks = _tasks(client, project.id)
    assert len(tasks) == 3
    expected: dict[str, Page] = {}
    pages = {p.id: p for p in map(Page.load, sorted(synth_pages.glob("*.json")))}
    for n, (page_id, task) in enumerate(sorted(tasks.items())):
        predictions = client.task_predictions(task.id)
        assert len(predictions) == 1 and predictions[0].model_version.startswith("synthetic:")
        results = predictions[0].result
        page = pages[page_id].model_copy(deep=True)
        lines = [ln for r in page.records for f in r.fields for ln in f.lines]
        rid, key = _one_line_field(page, skip=n)
        field = page.records[[r.id for r in page.records].index(rid)].field(key)
        fixed = field.raw_text + " sửa"
        if n == 2:  # a first annotator who only moved a line; the later annotation is the truth
            early = json.loads(json.dumps(results))
            move_line(page.model_copy(deep=True), early, lines[-1].id, 3, 3)
            client.sdk.annotations.create(id=task.id, result=early, lead_time=30.0)
        move_line(page, results, lines[0].id, 12.25, -6.5)
        fix_transcription(page, results, rid, key, fixed, field.value or fixed)
        results = delete_line(page, results, lines[-2].id)
        client.sdk.annotations.create(id=task.id, result=results, lead_time=60.0)
        expected[page_id] = page
    return {"client": client, "project": project, "expected": expected,
            "out": tmp_path_factory.mktemp("pulled"), "env": _env(label_studio)}


def test_pull_gives_the_edited_truth(annotated: dict) -> None:
    out = annotated["out"]
    result = CliRunner().invoke(annotate, ["pull", "--project", PROJECT, "--out", str(out)], env=annotated["env"])
    assert result.exit_code == 0, result.output
    assert "3 pages pulled" in result.output and "agreement on 1 pages" in result.output
    for page_id, page in annotated["expected"].items():
        pulled = Page.load(out / "pages" / f"{page_id}.json")
        assert pulled.provenance.source == "annotation"
        assert_same_truth(pulled, page, tol=1.0)
        assert (out / "pages" / pulled.image.path).is_file()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert sorted(report["pulled"]) == sorted(annotated["expected"])
    assert report["warnings"] == {}
    (agreed_page, agreement), = report["agreement"]["pages"].items()
    assert agreement["annotations"] == 2
    assert agreement["lines"]["f1"] < 1.0 and agreement["text_cer"] > 0  # one line deleted, one text fixed
    rows = (out / "labels.tsv").read_text(encoding="utf-8").splitlines()
    texts = {text for _, text in (r.split("\t") for r in rows)}
    assert any(t.endswith(" sửa") for t in texts)
    assert all((out / r.split("\t")[0]).is_file() for r in rows)


def test_pull_is_idempotent(annotated: dict) -> None:
    out = annotated["out"]
    runner = CliRunner()
    runner.invoke(annotate, ["pull", "--project", PROJECT, "--out", str(out)], env=annotated["env"])
    before = _snapshot(out)
    again = runner.invoke(annotate, ["pull", "--project", PROJECT, "--out", str(out)], env=annotated["env"])
    assert again.exit_code == 0, again.output
    assert _snapshot(out) == before


def test_skipped_draft_only_and_unlabeled_tasks(label_studio, synth_pages: Path, tmp_path: Path) -> None:
    client = LabelStudioClient(label_studio.connection)
    report = push_pages(client, "states", page_files([synth_pages]))
    assert report.predictions == 0 and len(report.created) == 3
    tasks = sorted(_tasks(client, report.project_id).items())
    (skipped, t0), (draft, t1), (unlabeled, _) = tasks
    client.sdk.annotations.create(id=t0.id, result=[], was_cancelled=True)
    r = client.http.post(f"/api/tasks/{t1.id}/drafts", json={"result": [], "lead_time": 5})
    assert r.status_code in (200, 201), r.text
    result = CliRunner().invoke(annotate, ["pull", "--project", "states", "--out", str(tmp_path)],
                                env=_env(label_studio))
    assert result.exit_code == 0, result.output
    rep = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    outcome = (rep["pulled"], rep["skipped"], rep["drafts_only"], rep["unlabeled"])
    assert outcome == ([], [skipped], [draft], [unlabeled])
    assert not list((tmp_path / "pages").iterdir())
    assert (tmp_path / "labels.tsv").read_text() == ""


def test_pull_of_a_missing_project_says_what_to_do(label_studio, tmp_path: Path) -> None:
    result = CliRunner().invoke(annotate, ["pull", "--project", "nope", "--out", str(tmp_path)], env=_env(label_studio))
    assert result.exit_code != 0 and "hotich annotate push" in result.output
