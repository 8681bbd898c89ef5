"""The retraining loop at small scale, through the command line as an ML engineer runs it:
synthetic pages -> a real Label Studio -> corrections made through its API -> pull -> a short
fine-tune of the shipped recognizer -> compare -> promote -> `hotich draft` uses the promoted
bundle -> rollback restores the shipped one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from ls_checks import fix_transcription

from annotation.client import LabelStudioClient
from ocr.cli import main
from ocr.registry import active_bundle, get_bundle
from ocr.schema import FieldStatus, Page

PROJECT = "Vòng huấn luyện lại"
MARK = " đã sửa"  # what the simulated annotator appends to one field per page
pytestmark = pytest.mark.xdist_group("label_studio")  # one worker holds the session's server


def hotich(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, f"hotich {' '.join(args)}:\n{result.output}"
    return result.output


def corrected(client: LabelStudioClient, synth_pages: Path) -> int:
    """Submit an annotation per task: the pre-annotation with one field's text corrected by hand."""
    project = client.find_project(PROJECT)
    pages = {p.id: p for p in map(Page.load, sorted(synth_pages.glob("*.json")))}
    fixed = 0
    for task in client.sdk.tasks.list(project=project.id):
        page = pages[task.data["page_id"]].model_copy(deep=True)
        results = client.task_predictions(task.id)[0].result
        rec, field = next((r, f) for r in page.records for f in r.fields
                          if f.status == FieldStatus.FILLED and len(f.lines) == 1)
        fix_transcription(page, results, rec.id, field.key, field.raw_text + MARK, field.value or field.raw_text)
        client.sdk.annotations.create(id=task.id, result=results, lead_time=40.0)
        fixed += 1
    return fixed


def drafted_models(out: Path) -> dict[str, str]:
    drafts = sorted((out / "drafts").glob("*.json"))
    assert drafts, f"no drafts in {out}"
    return Page.load(drafts[0]).provenance.models


def test_labels_to_a_promoted_recognizer_and_back(label_studio, synth_pages: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTICH_REGISTRY", str(tmp_path / "registry"))
    ls_env = {"HOTICH_LS_URL": label_studio.url, "HOTICH_LS_TOKEN": label_studio.token,
              "HOTICH_LS_CONFIG": "/nonexistent"}
    hotich("annotate", "push", "--project", PROJECT, "--pages", str(synth_pages), "--with-predictions", env=ls_env)
    assert corrected(LabelStudioClient(label_studio.connection), synth_pages) == 3
    pulled = tmp_path / "pulled"
    hotich("annotate", "pull", "--project", PROJECT, "--out", str(pulled), env=ls_env)
    rows = (pulled / "labels.tsv").read_text(encoding="utf-8").splitlines()
    assert len(rows) > 30 and sum(r.endswith(MARK) for r in rows) == 3  # the corrections came back

    run = tmp_path / "run"
    hotich("train", "htr", "--config", "configs/htr/crnn.yaml", "--init", "shipped", "--out", str(run),
           "--data", f"{pulled / 'labels.tsv'}=0.6", "--data", "real=0.2", "--seed", "11",
           "--set", "train.steps=4", "--set", "train.eval_every=2", "--set", "train.ckpt_every=2",
           "--set", "data.dev_lines=12", "--set", "data.dev_synth_lines=4", "--set", "data.workers=0")
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    sources = {s["kind"]: s for s in manifest["sources"]}
    assert sources["line_set"]["count"] == len(rows)

    added = hotich("models", "add", str(run), "--notes", "loop test")
    new_id = added.split()[1]
    bundle = get_bundle(new_id)
    shipped = get_bundle("shipped", "htr")
    assert bundle.meta["parent"] == shipped.id and bundle.meta["manifest"]["sources"]

    report = tmp_path / "report"
    hotich("models", "compare", "shipped", new_id, "--labels", f"pulled={pulled / 'labels.tsv'}", "--out", str(report))
    text = (report / "report.md").read_text(encoding="utf-8")
    assert shipped.id in text and new_id in text and list(report.glob("*.png"))

    hotich("models", "promote", new_id)
    assert active_bundle("htr") == bundle
    page = sorted(synth_pages.glob("ks_1999*.jpg"))[0]
    hotich("draft", str(page), "--template", "ks_1999", "--out", str(tmp_path / "promoted"))
    assert bundle.meta["sha256"] in drafted_models(tmp_path / "promoted").values()

    hotich("models", "rollback", "--task", "htr")
    hotich("draft", str(page), "--template", "ks_1999", "--out", str(tmp_path / "rolled-back"))
    assert shipped.meta["sha256"] in drafted_models(tmp_path / "rolled-back").values()
    assert bundle.meta["sha256"] not in drafted_models(tmp_path / "rolled-back").values()
