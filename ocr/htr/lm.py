"""A character n-gram language model for the recognizer's beam search (shallow fusion).

The model is a backoff n-gram model over characters, stored in the ARPA format that SRILM and
KenLM read and write (gzip-compressed), one token per character: ``<sp>`` for a space, ``<s>``
and ``</s>`` for the start and end of a line. ``hotich train lm`` builds it (Witten-Bell
smoothing, count pruning) from the synthetic generator's field texts and the real training
transcriptions; ``models/htr-lm.arpa.gz`` is the shipped one, described in ``models/htr.md``.

Beam search adds ``weight`` x the LM's log-probability of each character it appends (and of the
line's end) to the recognizer's log-probability; :data:`LM_WEIGHT` is the weight chosen on the
real dev lines, never on the reported validation lines.
"""

from __future__ import annotations

import gzip
import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ocr.registry import file_sha256, model_dir

__all__ = ["BOS", "EOS", "LM_BEAM", "LM_FILE", "LM_WEIGHT", "CharLM", "LMError", "default_lm_path", "load_lm",
           "arpa_lines", "read_arpa", "write_arpa"]

LM_FILE = "htr-lm.arpa.gz"
LM_WEIGHT = 0.2
LM_BEAM = 8  # the beam width that goes with the language model (`hotich eval htr`, `hotich bench htr`)
BOS, EOS = "\x02", "\x03"  # the line's start and end inside n-gram keys
_TOKENS = {" ": "<sp>", BOS: "<s>", EOS: "</s>"}
_CHARS = {v: k for k, v in _TOKENS.items()}
_LN10 = math.log(10.0)
_FLOOR = -99.0  # ARPA's log10 "never" (the probability of <s>)


class LMError(ValueError):
    """A language model file that cannot be used; the message says why and what to do."""


def default_lm_path() -> Path:
    """The shipped language model, ``<model_dir()>/htr-lm.arpa.gz``."""
    return model_dir() / LM_FILE


@dataclass(eq=False)
class CharLM:
    """Natural-log probabilities of n-grams (context + character, as one string) and backoff
    weights of contexts. A state is the last ``order - 1`` characters read (``BOS`` first)."""

    order: int
    logp: dict[str, float]
    backoff: dict[str, float]
    sha256: str = ""
    path: Path | None = None
    floor: float = field(init=False)
    _cache: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _steps: dict[str, tuple[float, str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.order < 1:
            raise LMError(f"an n-gram order must be >= 1, not {self.order}")
        unigrams = [v for k, v in self.logp.items() if len(k) == 1 and k != BOS]
        if not unigrams:
            raise LMError("the language model has no characters (no 1-grams)")
        self.floor = min(unigrams)  # a character the model never saw: as rare as its rarest one

    @property
    def model_id(self) -> str:
        return f"lm-char{self.order}-{self.sha256[:8]}"

    def start(self) -> str:
        return BOS

    def logprob(self, state: str, char: str) -> float:
        """log p(char | state), backing off to shorter contexts."""
        key = state + char
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        total, context = 0.0, state
        while True:
            lp = self.logp.get(context + char)
            if lp is not None:
                total += lp
                break
            if not context:
                total += self.floor
                break
            total += self.backoff.get(context, 0.0)
            context = context[1:]
        if len(self._cache) > 1_000_000:
            self._cache.clear()
        self._cache[key] = total
        return total

    def advance(self, state: str, char: str) -> str:
        return (state + char)[-(self.order - 1):] if self.order > 1 else ""

    def step(self, state: str, char: str) -> tuple[float, str]:
        """(log p(char | state), the state after it), cached: the beam search's one call."""
        key = state + char
        hit = self._steps.get(key)
        if hit is None:
            hit = (self.logprob(state, char), self.advance(state, char))
            if len(self._steps) > 1_000_000:
                self._steps.clear()
            self._steps[key] = hit
        return hit

    def end_logprob(self, state: str) -> float:
        return self.logprob(state, EOS)

    def text_logprob(self, text: str) -> float:
        """log p(text, then the line's end)."""
        state, total = self.start(), 0.0
        for char in text:
            total += self.logprob(state, char)
            state = self.advance(state, char)
        return total + self.end_logprob(state)


def _token(char: str) -> str:
    return _TOKENS.get(char, char)


def _char(token: str, where: str) -> str:
    char = _CHARS.get(token, token)
    if len(char) != 1:
        raise LMError(f"{where}: {token!r} is not one character (a character model's tokens are single "
                      f"characters, <sp>, <s> and </s>)")
    return char


def arpa_lines(order: int, logp: dict[str, float], backoff: dict[str, float]) -> Iterator[str]:
    """The ARPA text of n-grams (natural logs), shortest n-grams first, sorted within an order."""
    by_order: list[list[str]] = [[] for _ in range(order)]
    for gram in logp:
        by_order[len(gram) - 1].append(gram)
    yield "\\data\\\n"
    for n, grams in enumerate(by_order, 1):
        yield f"ngram {n}={len(grams)}\n"
    for n, grams in enumerate(by_order, 1):
        yield f"\n\\{n}-grams:\n"
        for gram in sorted(grams):
            p = _FLOOR if gram == BOS else logp[gram] / _LN10
            row = f"{p:.6f}\t{' '.join(_token(c) for c in gram)}"
            if n < order and gram in backoff:
                row += f"\t{backoff[gram] / _LN10:.6f}"
            yield row + "\n"
    yield "\n\\end\\\n"


def write_arpa(path: Path, order: int, logp: dict[str, float], backoff: dict[str, float]) -> None:
    """Write n-grams (natural logs) as an ARPA file, gzip-compressed when ``path`` ends in .gz
    (no name or time in the header: the same model gives the same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        if path.suffix != ".gz":
            raw.write("".join(arpa_lines(order, logp, backoff)).encode("utf-8"))
            return
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz, \
                io.TextIOWrapper(gz, encoding="utf-8") as f:
            f.writelines(arpa_lines(order, logp, backoff))


def read_arpa(path: Path) -> CharLM:
    """A character model from an ARPA file (plain or gzip); an error names the bad line."""
    path = Path(path)
    if not path.is_file():
        raise LMError(f"{path}: no language model file there; build one with `hotich train lm` or "
                      "decode without it (--lm none)")
    opener = gzip.open if path.suffix == ".gz" else open
    logp: dict[str, float] = {}
    backoff: dict[str, float] = {}
    order, n, chars = 0, 0, _CHARS
    try:
        with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
            for number, line in enumerate(f, 1):
                line = line.strip()
                if not line or line == "\\data\\" or line == "\\end\\":
                    continue
                if line.startswith("ngram "):
                    order = max(order, int(line.split("=")[0].split()[1]))
                elif line.startswith("\\") and line.endswith("-grams:"):
                    n = int(line[1:].split("-")[0])
                elif n:
                    parts = line.split("\t") if "\t" in line else line.split()
                    if "\t" not in line:  # space-separated ARPA: logp, n tokens, optional backoff
                        parts = [parts[0], " ".join(parts[1:n + 1]), *parts[n + 1:]]
                    tokens = parts[1].split()
                    gram = "".join([chars.get(t, t) for t in tokens])
                    if len(gram) != n:  # a token that is no single character, or n tokens missing
                        if len(tokens) != n:
                            raise LMError(f"{path}:{number}: a {n}-gram with {len(tokens)} tokens")
                        for t in tokens:
                            _char(t, f"{path}:{number}")
                    logp[gram] = float(parts[0]) * _LN10
                    if len(parts) > 2:
                        backoff[gram] = float(parts[2]) * _LN10
    except (OSError, EOFError, UnicodeDecodeError, ValueError, IndexError) as exc:
        if isinstance(exc, LMError):
            raise
        raise LMError(f"{path}: not a readable ARPA language model ({exc}); build it again with "
                      "`hotich train lm`") from exc
    if not order or not logp:
        raise LMError(f"{path}: no n-grams (an ARPA file starts with \\data\\ and its counts)")
    return CharLM(order, logp, backoff, sha256=file_sha256(path), path=path)


_LOADED: dict[tuple[str, float], CharLM] = {}


def load_lm(path: str | os.PathLike | None = None) -> CharLM | None:
    """The model at ``path`` (default: the shipped one, or None when there is none), loaded once
    per process and file version."""
    if path is None:
        path = default_lm_path()
        if not path.is_file():
            return None
    path = Path(path)
    key = (str(path.resolve()), path.stat().st_mtime if path.exists() else 0.0)
    if key not in _LOADED:
        _LOADED[key] = read_arpa(path)
    return _LOADED[key]
