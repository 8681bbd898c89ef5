"""Build the recognizer's character language model (:mod:`ocr.htr.lm`) from a config and a seed.

Text: ``lines`` field texts and address lines from the synthetic generator (as the recognizer is
trained on) and the transcriptions of the real training lines (the fixed split's train part minus
the dev lines, so that the dev lines stay fit for choosing the LM weight), counted
``real_repeat`` times. Estimation: interpolated Witten-Bell over every character of the charset
and the line's end; n-grams of order >= 3 seen fewer than ``min_count`` times are dropped, and
each context's backoff weight is set so that its distribution still sums to one.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ocr.htr.charset import Charset, default_charset
from ocr.htr.lm import BOS, EOS, CharLM, write_arpa
from ocr.text import nfc
from training.configfile import read_config


class LMConfig(BaseModel):
    """``configs/htr/lm.yaml``: the corpus, the order and the pruning of the character model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    order: int = Field(6, ge=1, le=10)
    lines: int = Field(300_000, ge=0)          # synthetic field texts and address lines
    address_share: float = Field(0.6, ge=0.0, le=1.0)
    max_chars: int = Field(90, gt=0)
    real_root: Path | None = Path("../shared/data/htr-real")
    real_repeat: int = Field(3, ge=0)
    dev_lines: int = Field(200, ge=0)          # held out of the corpus, as in recognizer training
    min_count: int = Field(2, ge=1)            # for n-grams of order >= 3
    seed: int = 1


def load_lm_config(path: Path | None = None, overrides: tuple[str, ...] = (), seed: int | None = None) -> LMConfig:
    def set_seed(tree: dict) -> None:
        if seed is not None:
            tree["seed"] = seed
    return read_config(LMConfig, path, overrides, edit=set_seed)


def synthetic_texts(cfg: LMConfig) -> Iterator[str]:
    """``cfg.lines`` lines of the generator's texts, reproducible from ``cfg.seed``."""
    from training.htr.texts import FieldTexts, address_text, clip_text

    rng = np.random.default_rng([cfg.seed, 7])
    fields = FieldTexts(rng)
    for _ in range(cfg.lines):
        text = address_text(rng) if rng.random() < cfg.address_share else fields.next()
        yield clip_text(text, cfg.max_chars)


def real_texts(cfg: LMConfig) -> list[str]:
    """Transcriptions of the real training lines (the split's train part minus the dev lines)."""
    if cfg.real_root is None or cfg.real_repeat == 0:
        return []
    from training.htr.data import dev_split
    from training.htr.split import real_split

    train, _ = dev_split(real_split(cfg.real_root)[0], cfg.dev_lines)
    return [text for _, text in train]


def count_ngrams(texts: Iterable[str], order: int) -> list[dict[str, Counter]]:
    """``counts[k][context][char]`` for contexts of ``k`` characters; each line is read from
    ``BOS`` to ``EOS``."""
    counts: list[dict[str, Counter]] = [defaultdict(Counter) for _ in range(order)]
    for text in texts:
        s = BOS + nfc(text) + EOS
        for i in range(1, len(s)):
            char = s[i]
            for k in range(min(order, i + 1)):
                counts[k][s[i - k:i]][char] += 1
    return counts


def estimate(counts: list[dict[str, Counter]], charset: Charset, min_count: int = 2
             ) -> tuple[dict[str, float], dict[str, float]]:
    """Witten-Bell log-probabilities and backoff weights (natural logs) from :func:`count_ngrams`."""
    order = len(counts)
    vocab = list(charset.chars) + [EOS]
    uni = counts[0][""]
    total, types = sum(uni.values()), len(uni)
    logp = {c: math.log((uni.get(c, 0) + types / len(vocab)) / (total + types)) for c in vocab}
    logp[BOS] = -99.0 * math.log(10.0)
    backoff: dict[str, float] = {}
    for k in range(1, order):
        lower = CharLM(k, logp, backoff)  # the model so far: orders 1..k
        floor = 1 if k < 2 else min_count
        for context, cont in counts[k].items():
            kept = {c: n for c, n in cont.items() if n >= floor}
            if not kept:
                continue
            total, types = sum(cont.values()), len(cont)
            parent = context[1:]
            mass, lower_mass = 0.0, 0.0
            for c, n in kept.items():
                below = math.exp(lower.logprob(parent, c))
                p = (n + types * below) / (total + types)
                logp[context + c] = math.log(p)
                mass += p
                lower_mass += below
            backoff[context] = math.log(max(1.0 - mass, 1e-12) / max(1.0 - lower_mass, 1e-12))
    return logp, backoff


def build_lm(cfg: LMConfig, out: Path, log=print) -> CharLM:
    """Count, estimate and write ``out`` (gzip ARPA); returns the model as read back."""
    from ocr.htr.lm import read_arpa

    start = time.time()
    real = real_texts(cfg)
    texts: list[str] = list(synthetic_texts(cfg)) + real * cfg.real_repeat
    log(f"lm corpus: {cfg.lines} synthetic lines, {len(real)} real training transcriptions x {cfg.real_repeat}")
    counts = count_ngrams(texts, cfg.order)
    logp, backoff = estimate(counts, default_charset(), cfg.min_count)
    write_arpa(out, cfg.order, logp, backoff)
    lm = read_arpa(out)
    log(f"wrote {out}: order {cfg.order}, {len(logp)} n-grams, {out.stat().st_size / 1e6:.1f} MB, "
        f"{time.time() - start:.0f} s")
    return lm
