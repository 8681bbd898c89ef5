"""Smoke tests of recognizer training: a tiny run, overfitting one batch, exact resume, a
deterministic data stream, strict configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from ocr.htr.charset import default_charset  # noqa: E402
from training.htr.config import ExperimentConfig, load_config  # noqa: E402
from training.htr.data import LineStream, real_lines  # noqa: E402
from training.htr.model import build_model  # noqa: E402
from training.htr.split import DEFAULT_ROOT  # noqa: E402
from linesets import write_line_set  # noqa: E402
from training.htr.train import Run, ctc_loss  # noqa: E402

HAVE_REAL = (DEFAULT_ROOT / "labels.tsv").exists()
TINY = [
    "model.backbone.stages=[{channels: 8, pool: [2, 2]}, {channels: 16, pool: [2, 2]}, {channels: 16, pool: [2, 1]}]",
    "model.neck.hidden=16", "model.neck.layers=1", "input.height=24",
    "data.batch_size=4", "data.bucket_batches=2", "data.workers=0", f"data.dev_lines={4 if HAVE_REAL else 0}",
    "data.dev_synth_lines=4",
    "data.real_limit=12", f"data.real_root={DEFAULT_ROOT}", f"data.real_share={0.5 if HAVE_REAL else 0.0}",
    "data.synth.max_chars=24",
    "train.steps=6", "train.eval_every=3", "train.ckpt_every=2", "train.log_every=1", "train.threads=1",
]


def tiny(*extra: str) -> ExperimentConfig:
    return load_config(None, [*TINY, *extra])


def test_smoke_run_writes_checkpoints_metrics_and_plots(tmp_path: Path) -> None:
    record = Run(tiny(), tmp_path, quiet=True).train()
    assert record["step"] == 6 and "dev_synth_cer" in record
    for name in ("last.pt", "best.pt", "metrics.jsonl", "loss.png", "cer.png", "config.json"):
        assert (tmp_path / name).exists(), name
    state = torch.load(tmp_path / "last.pt", weights_only=False)
    assert state["step"] == 6 and state["charset"] == default_charset().to_json()
    assert json.loads(state["input"])["height"] == 24


def test_overfits_a_fixed_batch() -> None:
    cfg = tiny("data.real_share=0.0")
    torch.manual_seed(0)
    charset = default_charset()
    stream = LineStream(cfg.data, cfg.input.spec(), charset, [], seed=1)
    batch = stream.group(0)[0][0]
    model = build_model(cfg.model, charset.size)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    ctc = torch.nn.CTCLoss(zero_infinity=True)
    losses = []
    for _ in range(20):
        loss = ctc_loss(model, batch, ctc, cfg.input.downsample)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_resume_gives_the_same_next_step_loss(tmp_path: Path) -> None:
    Run(tiny(), tmp_path / "straight", quiet=True).train()
    Run(tiny(), tmp_path / "resumed", quiet=True).train(steps=4)
    Run(tiny(), tmp_path / "resumed", resume=True, quiet=True).train()

    def losses(run: str) -> dict[int, float]:
        rows = [json.loads(x) for x in (tmp_path / run / "metrics.jsonl").read_text().splitlines()]
        return {r["step"]: r["loss"] for r in rows}

    straight, resumed = losses("straight"), losses("resumed")
    assert set(resumed) == set(straight)
    for step in (5, 6):
        assert resumed[step] == pytest.approx(straight[step], rel=1e-5, abs=1e-6)


def test_data_stream_is_deterministic_given_the_seed() -> None:
    cfg = tiny()
    charset = default_charset()
    real = real_lines(cfg.data)[0] if HAVE_REAL else []
    first = LineStream(cfg.data, cfg.input.spec(), charset, real, seed=3).group(5)[0]
    again = LineStream(cfg.data, cfg.input.spec(), charset, real, seed=3).group(5)[0]
    other = LineStream(cfg.data, cfg.input.spec(), charset, real, seed=4).group(5)[0]
    for a, b in zip(first, again):
        assert a.texts == b.texts and torch.equal(a.images, b.images)
    assert [b.texts for b in first] != [b.texts for b in other]
    widths = [int(w) for b in first for w in b.widths]
    assert all(b.images.shape[-1] % cfg.input.width_multiple == 0 for b in first) and min(widths) > 0


def test_config_forbids_unknown_keys_and_checks_downsample() -> None:
    with pytest.raises(ValueError):
        load_config(None, ["optim.lrr=0.1"])
    with pytest.raises(ValueError):
        load_config(None, ["input.downsample=8"])
    assert load_config(Path("configs/htr/crnn.yaml"), ["optim.lr=0.5"]).optim.lr == 0.5


def test_output_steps_are_ceil_width_over_downsample() -> None:
    cfg = tiny()
    model = build_model(cfg.model, default_charset().size).eval()
    for width in (16, 20, 52, 100):
        out = model(torch.ones(2, 1, cfg.input.height, width))
        assert out.shape == (2, cfg.input.spec().steps(width), default_charset().size)


def test_init_starts_from_another_runs_weights(tmp_path: Path) -> None:
    Run(tiny("train.steps=2"), tmp_path / "a", quiet=True).train()
    first = torch.load(tmp_path / "a" / "last.pt", weights_only=False)["model"]
    run = Run(tiny(), tmp_path / "b", quiet=True, init=tmp_path / "a" / "last.pt")
    assert run.step == 0 and run.init["steps"] == 2
    for key, value in run.model.state_dict().items():
        assert torch.equal(value, first[key]), key
    with pytest.raises(ValueError):
        Run(tiny("model.neck.hidden=8"), tmp_path / "c", quiet=True, init=tmp_path / "a" / "last.pt")


def test_line_sets_join_the_mix_at_their_share(tmp_path: Path) -> None:
    write_line_set(tmp_path, ["Nguyễn Văn An", "Kinh", "12/3/1999", "Việt Nam"], width=200)
    cfg = tiny("data.real_share=0.0", f"data.line_sets=[{{labels: '{tmp_path / 'labels.tsv'}', share: 0.75}}]",
               "data.bucket_batches=8")
    groups = [LineStream(cfg.data, cfg.input.spec(), default_charset(), [], seed=1).group(g)[0] for g in range(4)]
    sources = [s for batches in groups for b in batches for s in b.sources]
    share = sources.count(f"set:{tmp_path.name}") / len(sources)
    assert 0.6 < share < 0.9 and "synth" in sources
    texts = {t for batches in groups for b in batches for t, s in zip(b.texts, b.sources) if s != "synth"}
    assert texts <= {"Nguyễn Văn An", "Kinh", "12/3/1999", "Việt Nam"}
    with pytest.raises(ValueError, match="add up to at most 1"):
        tiny("data.real_share=0.5", f"data.line_sets=[{{labels: '{tmp_path / 'labels.tsv'}', share: 0.6}}]")
