"""Training options of the retraining loop: --init from a checkpoint or a model bundle, --data
mixes, the dataset manifest, early stopping (kept across resume) and the device."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402

from ocr.layout.maps import MAP_CHANNELS  # noqa: E402
from training.cli import train as train_cli  # noqa: E402
from training.device import pick_device  # noqa: E402
from training.earlystop import Patience  # noqa: E402
from training.finetune import resolve_init  # noqa: E402
from training.htr.config import load_config, parse_data_spec  # noqa: E402
from training.htr.split import DEFAULT_ROOT  # noqa: E402
from linesets import write_line_set  # noqa: E402
from training.htr.train import Run  # noqa: E402
from training.layout.config import LayoutExperiment, load_layout_config  # noqa: E402
from training.layout.train import LayoutRun  # noqa: E402
from training.manifest import config_sha256, files_digest, folder_digest, read_manifest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
HAVE_REAL = (DEFAULT_ROOT / "labels.tsv").exists()
DATA = ["data.batch_size=4", "data.bucket_batches=2", "data.workers=0", "data.dev_lines=0", "data.dev_synth_lines=4",
        "data.real_share=0.0", "data.synth.max_chars=20", "train.threads=1", "train.device=cpu"]
TINY = ["model.backbone.stages=[{channels: 8, pool: [2, 2]}, {channels: 8, pool: [2, 2]}]",
        "model.neck.hidden=8", "model.neck.layers=1", "input.height=24", *DATA]
LAYOUT = {"model": {"channels": [4, 8, 16]}, "data": {"crop": 64, "batch_size": 2, "val_pages": 1},
          "train": {"steps": 6, "eval_every": 1, "ckpt_every": 100, "log_every": 1, "threads": 1, "device": "cpu"}}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def line_set(tmp_path_factory) -> Path:
    """A labels.tsv of four drawn lines, one of them outside the charset."""
    return write_line_set(tmp_path_factory.mktemp("lineset"), ["Nguyễn Văn An", "Kinh", "12/3/1999", "Ω outside"])


# --init ---------------------------------------------------------------------------------------

def test_init_from_the_shipped_bundle_starts_from_its_weights(tmp_path: Path) -> None:
    shipped = torch.load(REPO / "models" / "htr.pt", map_location="cpu", weights_only=False)
    assert resolve_init("htr", "shipped").resolve() == (REPO / "models" / "htr.pt").resolve()
    run = Run(load_config(REPO / "configs/htr/crnn.yaml", DATA), tmp_path, quiet=True, init="shipped")
    assert run.step == 0 and run.init["ref"] == "shipped" and run.init["steps"] == shipped["step"]
    assert run.init["sha256"] == sha256(REPO / "models" / "htr.pt")
    state = run.model.state_dict()
    assert state.keys() == shipped["model"].keys()
    for key, value in shipped["model"].items():
        assert torch.equal(state[key], value), key
    with pytest.raises(ValueError, match="differs from the config"):   # a tiny model cannot take them
        Run(load_config(None, TINY), tmp_path / "tiny", quiet=True, init="shipped")


def test_init_refuses_a_bundle_without_weights_and_unknown_refs(tmp_path: Path, monkeypatch) -> None:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(REPO / "models" / "htr.onnx", models / "htr.onnx")   # a bundle with no htr.pt
    monkeypatch.setenv("HOTICH_MODEL_DIR", str(models))
    monkeypatch.setenv("HOTICH_REGISTRY", str(tmp_path / "registry"))
    with pytest.raises(ValueError, match="no torch weights"):
        resolve_init("htr", "shipped")
    result = CliRunner().invoke(train_cli, ["htr", "--config", str(REPO / "configs/htr/crnn.yaml"),
                                            "--out", str(tmp_path / "run"), "--init", "no-such-bundle"])
    assert result.exit_code == 1 and "Error:" in result.output and "no-such-bundle" in result.output


def _layout_checkpoint(path: Path, **change) -> Path:
    state = torch.load(REPO / "models" / "layout.pt", map_location="cpu", weights_only=False)
    state.update(change)
    torch.save(state, path)
    return path


def test_layout_init_takes_matching_weights_and_refuses_others(tmp_path: Path) -> None:
    shipped = torch.load(REPO / "models" / "layout.pt", map_location="cpu", weights_only=False)
    cfg = LayoutExperiment.model_validate({"model": shipped["config"]["model"], "train": LAYOUT["train"]})
    run = LayoutRun(cfg, tmp_path / "a", quiet=True, init="shipped")
    assert run.init["steps"] == shipped["step"] and run.step == 0
    for key, value in shipped["model"].items():
        assert torch.equal(run.model.state_dict()[key], value), key
    with pytest.raises(ValueError, match="model .* differs"):
        LayoutRun(LayoutExperiment.model_validate(LAYOUT), tmp_path / "b", quiet=True, init="shipped")
    swapped = _layout_checkpoint(tmp_path / "swapped.pt", channels=list(reversed(MAP_CHANNELS)))
    with pytest.raises(ValueError, match="predicts the maps"):
        LayoutRun(cfg, tmp_path / "c", quiet=True, init=swapped)


# --data ---------------------------------------------------------------------------------------

def test_data_specs_set_shares_and_explain_mistakes(line_set: Path) -> None:
    cfg = load_config(REPO / "configs/htr/crnn.yaml", data=[f"{line_set.parent}=0.3", f"{line_set}=0.2", "real=0.1"])
    assert cfg.data.real_share == 0.1
    assert [(ls.labels, ls.share) for ls in cfg.data.line_sets] == [(str(line_set), 0.3), (str(line_set), 0.2)]
    assert parse_data_spec("real=0") == ("real", 0.0)
    for spec, message in ((str(line_set), "PATH=SHARE"), (f"{line_set}=a lot", "not a number"),
                          (f"{line_set}=0", r"in \(0, 1\]"), (f"{line_set}=1.5", r"in \(0, 1\]"),
                          ("real=-0.1", r"in \[0, 1\]"), ("/no/such/labels.tsv=0.2", "does not exist")):
        with pytest.raises(ValueError, match=message):
            parse_data_spec(spec)
    with pytest.raises(ValueError, match="given twice"):
        load_config(None, data=["real=0.1", "real=0.2"])
    with pytest.raises(ValueError, match="add up to at most 1"):
        load_config(None, ["data.real_share=0.5"], data=[f"{line_set}=0.6"])
    result = CliRunner().invoke(train_cli, ["htr", "--config", str(REPO / "configs/htr/crnn.yaml"),
                                            "--data", f"{line_set}=2"])
    assert result.exit_code == 1 and "(0, 1]" in result.output


def test_layout_data_dirs_join_the_config_and_the_crops(tmp_path: Path) -> None:
    cfg = load_layout_config(REPO / "configs/layout/unet.yaml", ["model.channels=[4, 8, 16]", "data.extra_share=0.5"],
                             data_dirs=[tmp_path])
    assert cfg.data.extra_dirs == [tmp_path]
    run = LayoutRun(cfg, tmp_path / "r", quiet=True)
    run.train_files = [Path(f"rendered{i}.npz") for i in range(8)]
    run.extra_files = [Path("pulled.npz")]
    picks = [f for s in range(200) for f in run.pick_pages(np.random.default_rng(s))]
    assert 0.4 < picks.count(Path("pulled.npz")) / len(picks) < 0.6
    run.extra_files = []   # without extra pages: the batches of the shipped model's recipe
    assert run.pick_pages(np.random.default_rng([0, 5])) == [
        run.train_files[k] for k in np.random.default_rng([0, 5]).choice(8, cfg.data.batch_size, replace=False)]


# manifest -------------------------------------------------------------------------------------

def test_htr_manifest_lists_sources_counts_and_hashes(tmp_path: Path, line_set: Path) -> None:
    real = [f"data.real_root={DEFAULT_ROOT}", "data.real_limit=10", "data.real_share=0.3"] if HAVE_REAL else []
    cfg = load_config(None, [*TINY, *real], data=[f"{line_set}=0.25"])
    run = Run(cfg, tmp_path, quiet=True)
    with pytest.warns(UserWarning, match="outside the charset"):
        run.prepare()
    m = read_manifest(tmp_path)
    kinds = {s["kind"]: s for s in m["sources"]}
    assert kinds["line_set"] == {"kind": "line_set", "path": str(line_set), "share": 0.25, "count": 3,
                                 "sha256": sha256(line_set)}
    if HAVE_REAL:
        assert kinds["real"]["count"] == len(run.stream.real) == 10
        assert kinds["real"]["sha256"] == sha256(DEFAULT_ROOT / "labels.tsv") and kinds["real"]["share"] == 0.3
    synth = kinds["synthetic"]
    assert synth["share"] == pytest.approx(1 - cfg.data.real_share - 0.25) and synth["seed"] == cfg.train.seed
    assert m["validation"]["synthetic"]["count"] == 4 and m["validation"]["real"] is None
    assert m["config_sha256"] == config_sha256(cfg) != config_sha256(load_config(None, [*TINY, "train.seed=1"]))
    assert m["torch"] == torch.__version__ and m["device"] == "cpu" and m["task"] == "htr"
    assert m["git_commit"] is None or len(m["git_commit"]) == 40


def test_folder_digest_follows_names_and_sizes(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p1.json").write_text("{}")
    (tmp_path / "p1.jpg").write_bytes(b"xx")
    count, first = folder_digest(tmp_path)
    assert count == 2 and first == folder_digest(tmp_path)[1]
    (tmp_path / "p1.jpg").write_bytes(b"xxx")
    assert folder_digest(tmp_path)[1] != first
    assert files_digest([tmp_path / "p1.jpg"], tmp_path) == hashlib.sha256(b"p1.jpg\t3\n").hexdigest()


# early stopping -------------------------------------------------------------------------------

def test_patience_counts_evaluations_without_enough_gain() -> None:
    p = Patience(2, min_delta=0.02, mode="min")
    assert [p.update(v) for v in (0.5, 0.45, 0.44, 0.46)] == [True, True, False, False]
    assert p.exhausted and p.best == 0.45
    up = Patience(1, mode="max")
    assert up.update(0.3) and not up.exhausted and not up.update(0.3) and up.exhausted
    assert not Patience(0).exhausted


def test_data_select_names_the_dev_cer_that_picks_best_pt(tmp_path: Path, monkeypatch) -> None:
    from training.htr.train import selected_cer
    record = {"dev_real_cer": 0.04, "dev_synth_cer": 0.06}
    assert selected_cer(record, "real") == 0.04 and selected_cer(record, "synth") == 0.06
    assert selected_cer(record, "mean") == pytest.approx(0.05)
    assert selected_cer({"dev_synth_cer": 0.06}, "real") == 0.06        # no real dev lines: synthetic
    assert selected_cer({"dev_real_cer": 0.04}, "mean") == float("inf")
    with pytest.raises(ValueError, match="data.select=mean needs data.dev_lines"):
        load_config(None, ["data.select=mean", "data.dev_lines=0"])
    # real CER falls, synthetic rises: by the synthetic CER the first evaluation stays the best
    cers = iter([{"dev_real_cer": 0.05, "dev_synth_cer": 0.05}, {"dev_real_cer": 0.04, "dev_synth_cer": 0.08}])
    monkeypatch.setattr(Run, "evaluate", lambda self: next(cers))
    cfg = load_config(None, [*TINY, "train.steps=2", "train.eval_every=1", "train.log_every=1",
                             "train.ckpt_every=100", "data.select=synth"])
    Run(cfg, tmp_path / "run", quiet=True).train()
    best = torch.load(tmp_path / "run" / "best.pt", map_location="cpu", weights_only=False)
    assert best["step"] == 1 and best["best_cer"] == pytest.approx(0.05)


def _rows(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]


def test_htr_stops_early_and_resume_keeps_the_counter(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(Run, "evaluate", lambda self: {"dev_synth_cer": 0.5})   # a dev CER that never improves
    cfg = load_config(None, [*TINY, "train.steps=8", "train.eval_every=1", "train.log_every=1",
                             "train.ckpt_every=100", "train.patience=2"])
    record = Run(cfg, tmp_path / "straight", quiet=True).train()
    assert record["stopped"] == "early" and record["step"] == 3      # evaluations 2 and 3 did not improve
    assert _rows(tmp_path / "straight")[-1]["stopped"] == "early"
    last = torch.load(tmp_path / "straight" / "last.pt", map_location="cpu", weights_only=False)
    assert last["step"] == 3 and last["patience"] == {"best": 0.5, "bad": 2}
    assert (tmp_path / "straight" / "best.pt").exists()
    again = Run(cfg, tmp_path / "straight", resume=True, quiet=True).train()
    assert again == {"step": 3, "stopped": "early"}                   # nothing more to do

    Run(cfg, tmp_path / "resumed", quiet=True).train(steps=2)         # interrupted after one bad evaluation
    resumed = Run(cfg, tmp_path / "resumed", resume=True, quiet=True)
    assert resumed.patience.bad == 1
    assert resumed.train()["step"] == 3


def _fake_pages(root: Path, n: int = 3) -> list[Path]:
    root.mkdir()
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        path = root / f"p{i}.npz"
        np.savez_compressed(path, image=rng.integers(0, 255, (64, 80, 3), dtype=np.uint8),
                            maps=rng.integers(0, 255, (64, 80, len(MAP_CHANNELS)), dtype=np.uint8))
        out.append(path)
    return out


def test_layout_stops_early_and_writes_its_manifest(tmp_path: Path, monkeypatch) -> None:
    files = _fake_pages(tmp_path / "pages")
    tree = json.loads(json.dumps(LAYOUT))
    tree["data"]["dir"] = str(tmp_path / "pages")
    tree["train"]["patience"] = 1
    cfg = LayoutExperiment.model_validate(tree)
    monkeypatch.setattr(LayoutRun, "evaluate", lambda self: {"f1_mean": 0.2})
    run = LayoutRun(cfg, tmp_path / "run", quiet=True)
    run.train_files, run.val_files = files[1:], files[:1]
    assert run.train()["step"] == 2 and _rows(tmp_path / "run")[-1]["stopped"] == "early"
    resumed = LayoutRun(cfg, tmp_path / "run", resume=True, quiet=True)
    assert resumed.step == 2 and resumed.patience.bad == 1
    m = run.manifest({})
    (rendered,) = m["sources"]
    assert rendered["kind"] == "rendered_pages" and rendered["count"] == 2 and rendered["share"] == 1.0
    assert rendered["sha256"] == files_digest(files[1:], tmp_path / "pages")
    assert m["validation"]["rendered_pages"]["count"] == 1 and m["config_sha256"] == config_sha256(cfg)


def test_page_folders_become_training_pages_in_the_manifest(tmp_path: Path) -> None:
    from ocr.templates import load_template
    from training.synth.book import plan_pages
    from training.synth.export import write_page
    from training.synth.render import render_page

    synth = tmp_path / "synth"
    synth.mkdir()
    write_page(render_page(plan_pages(load_template("ks_1999"), 1, 31)[0]), synth)   # `hotich synth` output
    tree = json.loads(json.dumps(LAYOUT))
    tree["data"].update(dir=str(tmp_path / "rendered"), extra_share=0.25, extra_dirs=[str(synth)])
    run = LayoutRun(LayoutExperiment.model_validate(tree), tmp_path / "run", quiet=True)
    run.train_files, run.val_files = _fake_pages(tmp_path / "rendered")[1:], []
    (page,) = run.convert_extra_dirs()[synth]
    assert page.parent.parent == tmp_path / "run" / "pages"
    with np.load(page) as z:
        assert z["image"].shape[:2] == z["maps"].shape[:2] and z["maps"].shape[2] == len(MAP_CHANNELS)
    run.extra_files = [page]
    sources = {s["kind"]: s for s in run.manifest({synth: [page]})["sources"]}
    assert sources["page_dir"] == {"kind": "page_dir", "path": str(synth), "share": 0.25, "count": 1,
                                   "sha256": folder_digest(synth)[1], "files": 2}
    assert sources["rendered_pages"]["share"] == 0.75


def test_device_choice() -> None:
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no GPU"):
            pick_device("cuda")
