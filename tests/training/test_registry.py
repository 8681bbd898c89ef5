"""Model bundles: add a run's weights, list, promote (what `ocr` loads changes), roll back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from ocr.htr.recognizer import Recognizer
from ocr.layout import shared_analyzer
from ocr.registry import (RegistryError, active_bundle, active_model_path, get_bundle, list_bundles, model_dir,
                          promote, rollback)
from training.bundle import add_bundle, record_metrics
from training.models_cli import models

pytestmark = pytest.mark.xdist_group("registry")


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "registry"
    monkeypatch.setenv("HOTICH_REGISTRY", str(root))
    return root


def nudged(task: str, out: Path, scale: float = 1e-3) -> Path:
    """The shipped weights with small noise on every float tensor: another model of the same shape."""
    state = torch.load(model_dir() / f"{task}.pt", map_location="cpu", weights_only=False)
    gen = torch.Generator().manual_seed(0)
    state["model"] = {k: v + scale * torch.randn(v.shape, generator=gen) if v.is_floating_point() else v
                      for k, v in state["model"].items()}
    torch.save(state, out)
    return out


def test_shipped_bundles_are_listed_and_active_without_a_registry(registry: Path) -> None:
    bundles = list_bundles()
    assert [b.task for b in bundles] == ["htr", "layout"]
    assert all(b.shipped and b.weights is not None and b.card is not None for b in bundles)
    htr = get_bundle("shipped", "htr")
    assert htr.id.startswith("htr-crnn-vi-") and htr.id.endswith(htr.meta["sha256"][:8])
    assert active_bundle("htr") == htr
    assert active_model_path("layout") == model_dir() / "layout.onnx"
    with pytest.raises(RegistryError, match="nothing to roll back"):
        rollback("htr")
    with pytest.raises(RegistryError, match="needs a task"):
        get_bundle("active")
    with pytest.raises(RegistryError, match="models list"):
        get_bundle("htr-nonexistent")


def test_add_promote_rollback_changes_what_ocr_loads(registry: Path, tmp_path: Path) -> None:
    bundle = add_bundle(nudged("htr", tmp_path / "ckpt.pt"))
    assert bundle.task == "htr" and not bundle.shipped and bundle.folder.parent == registry
    shipped_step = torch.load(model_dir() / "htr.pt", map_location="cpu", weights_only=False)["step"]
    assert bundle.meta["parent"] is None and bundle.meta["step"] == shipped_step
    assert (bundle.folder / "model.charset.json").is_file() and bundle.weights is not None
    card = bundle.card.read_text(encoding="utf-8")
    assert card.startswith("---\n") and bundle.id in card and "hotich models promote" in card
    with pytest.raises(RegistryError, match="already the bundle"):
        add_bundle(tmp_path / "ckpt.pt")

    shipped = get_bundle("shipped", "htr")
    assert get_bundle(bundle.id[:-3]) == bundle  # a unique prefix
    promote(bundle.id)
    assert active_bundle("htr") == bundle
    recognizer = Recognizer()  # no path: the active bundle
    assert recognizer.bundle.path == bundle.onnx
    assert recognizer.provenance == {recognizer.bundle.model_id: bundle.meta["sha256"]}
    promote(bundle.id)  # promoting the active bundle again changes nothing
    assert rollback("htr") == shipped
    assert Recognizer().bundle.path == shipped.onnx
    with pytest.raises(RegistryError, match="nothing to roll back"):
        rollback("htr")
    history = [json.loads(x) for x in (registry / "history.jsonl").read_text().splitlines()]
    assert [(h["action"], h["to"]) for h in history] == [("promote", bundle.id), ("rollback", shipped.id)]


def test_promotions_stack_and_a_missing_bundle_says_what_to_do(registry: Path, tmp_path: Path) -> None:
    first = add_bundle(nudged("htr", tmp_path / "a.pt", 1e-3))
    second = add_bundle(nudged("htr", tmp_path / "b.pt", 2e-3))
    promote(first.id)
    promote(second.id)
    assert rollback("htr") == first
    promote(second.id)
    second_folder = second.folder.rename(second.folder.with_name("moved"))
    with pytest.raises(RegistryError, match="rollback --task htr"):
        active_bundle("htr")
    assert rollback("htr") == first  # the way out the message names
    second_folder.rename(second.folder)
    updated = record_metrics(first, "eval", {"real": {"cer": 0.1}, "cer": 0.1})
    assert updated.meta["metrics"]["eval"]["cer"] == 0.1 and "| eval | cer 0.1 |" in updated.card.read_text()


def test_layout_promotion_reaches_the_shared_analyzer(registry: Path, tmp_path: Path) -> None:
    bundle = add_bundle(nudged("layout", tmp_path / "layout.pt"))
    before = shared_analyzer("learned")
    promote(bundle.id)
    after = shared_analyzer("learned")
    assert after is not before and after.model.path == bundle.onnx
    assert list(after.models.values()) == [bundle.meta["sha256"]]
    assert after.model.predict(np.full((600, 800, 3), 255, np.uint8)).shape[0] == 5
    rollback("layout")
    assert shared_analyzer("learned").model.path == model_dir() / "layout.onnx"


def test_models_cli_lists_adds_promotes_and_rolls_back(registry: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(models, ["add", str(nudged("htr", tmp_path / "c.pt"))])
    assert added.exit_code == 0, added.output
    new_id = added.output.split()[1]
    listed = runner.invoke(models, ["list", "--task", "htr", "--json"])
    rows = [json.loads(x) for x in listed.output.splitlines()]
    assert [(r["id"] == new_id, r["active"], r["shipped"]) for r in rows] == [(False, True, True), (True, False, False)]
    assert runner.invoke(models, ["promote", new_id]).exit_code == 0
    assert active_bundle("htr").id == new_id
    out = runner.invoke(models, ["rollback", "--task", "htr"])
    assert out.exit_code == 0 and "is active again" in out.output
    bad = runner.invoke(models, ["promote", "nope"])
    assert bad.exit_code != 0 and "hotich models list" in bad.output
