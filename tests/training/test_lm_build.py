"""`hotich train lm`: the character language model built from a config and a seed (no torch)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocr.htr.charset import default_charset
from ocr.htr.lm import EOS, read_arpa
from training.cli import train as train_cli
from training.htr.lm import count_ngrams, estimate, load_lm_config, real_texts
from training.htr.split import DEFAULT_ROOT

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "htr" / "lm.yaml"
SMALL = ["--set", "lines=1500", "--set", "real_root=null", "--set", "order=4"]


def build(out: Path, *args: str):
    result = CliRunner().invoke(train_cli, ["lm", "--config", str(CONFIG), "--out", str(out), *SMALL, *args])
    assert result.exit_code == 0, result.output
    return result


def test_same_seed_same_bytes_other_seed_other_model(tmp_path: Path) -> None:
    first = build(tmp_path / "a.arpa.gz", "--seed", "5")
    build(tmp_path / "b.arpa.gz", "--seed", "5")
    build(tmp_path / "c.arpa.gz", "--seed", "6")
    assert "1500 synthetic lines" in first.output and "order 4" in first.output
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.arpa.gz", "b.arpa.gz", "c.arpa.gz"))
    assert a == b and a != c
    lm = read_arpa(tmp_path / "a.arpa.gz")
    vocab = list(default_charset().chars) + [EOS]
    for context in ("\x02", "Xã", " Th", "999"):
        assert sum(math.exp(lm.logprob(context[-3:], ch)) for ch in vocab) == pytest.approx(1.0, abs=1e-4)


def test_pruning_drops_rare_ngrams_and_keeps_distributions() -> None:
    texts = ["Xã Minh Đài", "Xã Minh Hòa", "Huyện Tân Sơn", "Xã Minh Đài", "Phú Thọ"]
    counts = count_ngrams(texts, 4)
    assert counts[0][""]["X"] == 3 and counts[3]["Xã "]["M"] == 3 and counts[1]["\x02"]["X"] == 3
    full, _ = estimate(counts, default_charset(), min_count=1)
    pruned, backoff = estimate(counts, default_charset(), min_count=2)
    assert len(pruned) < len(full) and "ân S" in full and "ân S" not in pruned
    from ocr.htr.lm import CharLM

    lm = CharLM(4, pruned, backoff)
    vocab = list(default_charset().chars) + [EOS]
    assert sum(math.exp(lm.logprob("ân ", ch)) for ch in vocab) == pytest.approx(1.0, abs=1e-6)
    assert lm.text_logprob("Xã Minh Đài") > lm.text_logprob("Xã Minh Đà")


def test_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(train_cli, ["lm", "--config", str(CONFIG), "--out", str(tmp_path / "x.gz"),
                                            "--set", "order=0"])
    assert result.exit_code == 2 and "order" in result.output


@pytest.mark.skipif(not (DEFAULT_ROOT / "labels.tsv").exists(), reason="../shared/data/htr-real is not here")
def test_real_text_is_the_training_split_without_the_dev_lines() -> None:
    from training.htr.data import dev_split
    from training.htr.split import real_split

    cfg = load_lm_config(CONFIG, ("real_root=" + str(DEFAULT_ROOT),))
    train, val = real_split(DEFAULT_ROOT)
    _, dev = dev_split(train, cfg.dev_lines)
    texts = real_texts(cfg)
    assert len(texts) == len(train) - len(dev) and len(dev) == cfg.dev_lines
    held = {t for _, t in dev} | {t for _, t in val}
    dev_rows = set(dev)
    kept = {text for rel, text in train if (rel, text) not in dev_rows}
    assert set(texts) <= kept and len(set(texts) & held) <= 5  # a few addresses recur across writers
