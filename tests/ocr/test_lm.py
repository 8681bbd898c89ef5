"""The character language model (ocr.htr.lm): the shipped ARPA file, its probabilities, bad files,
and what it does inside the CTC beam search."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ocr.htr.charset import default_charset
from ocr.htr.decode import beam_search, decode_line
from ocr.htr.lm import EOS, CharLM, LMError, default_lm_path, load_lm, read_arpa, write_arpa

CS = default_charset()
VOCAB = list(CS.chars) + [EOS]


@pytest.fixture(scope="module")
def lm() -> CharLM:
    model = load_lm()
    assert model is not None, f"the shipped language model {default_lm_path()} is missing"
    return model


def frames(text: str, doubt: dict[int, tuple[str, float]] | None = None) -> np.ndarray:
    """One frame per character then a blank frame; ``doubt`` gives a character position a
    runner-up character and the probability the model gives that runner-up."""
    idx, rows = CS.index(), []
    for i, ch in enumerate(text):
        row = np.full(CS.size, 1e-5)
        if doubt and i in doubt:
            other, p = doubt[i]
            row[idx[ch]], row[idx[other]] = 1 - p, p
        else:
            row[idx[ch]] = 0.99
        rows += [row, np.eye(CS.size)[0] * 0.99 + 1e-5]
    a = np.array(rows)
    return np.log(a / a.sum(1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("context", ["\x02", "\x02Xã ", "Huyện", "ờng Q", "zzqxw", "12/0"])
def test_each_context_is_a_distribution_over_the_charset_and_the_end(lm: CharLM, context: str) -> None:
    total = sum(math.exp(lm.logprob(context[-(lm.order - 1):], c)) for c in VOCAB)
    assert total == pytest.approx(1.0, abs=1e-4)


def test_it_knows_vietnamese_places_and_tone_marks(lm: CharLM) -> None:
    assert lm.order >= 3 and lm.model_id.startswith(f"lm-char{lm.order}-")
    for right, wrong in [("Hải Phòng", "Hải Phong"), ("Huyện Gia Lâm", "Huyện Gia Lăm"),
                         ("Xã Quỳnh Hồng", "Xã Quỳh Hồng"), ("Nguyễn Văn Nam", "Nguyên Văn Nam")]:
        assert lm.text_logprob(right) > lm.text_logprob(wrong) + 1.0, (right, wrong)
    # a character the model has no n-gram for still has a (small) probability, never -inf
    unseen = lm.logprob("abcde", "€")
    assert "€" not in lm.logp and math.isfinite(unseen) and unseen < lm.logprob("abcde", "a")


def test_write_and_read_back_plain_and_gzip(lm: CharLM, tmp_path: Path) -> None:
    small = {k: v for k, v in lm.logp.items() if len(k) <= 2}
    back = {k: v for k, v in lm.backoff.items() if len(k) <= 1}
    for name in ("m.arpa", "m.arpa.gz"):
        write_arpa(tmp_path / name, 2, small, back)
        again = read_arpa(tmp_path / name)
        assert again.order == 2 and again.logp.keys() == small.keys()
        assert max(abs(again.logp[k] - small[k]) for k in small if len(k) > 1 or k != "\x02") < 1e-5
    write_arpa(tmp_path / "n.arpa.gz", 2, small, back)
    assert (tmp_path / "n.arpa.gz").read_bytes() == (tmp_path / "m.arpa.gz").read_bytes()


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LMError, match="hotich train lm"):
        read_arpa(tmp_path / "missing.arpa.gz")
    (tmp_path / "junk.arpa.gz").write_bytes(b"not gzip")
    with pytest.raises(LMError, match="not a readable ARPA"):
        read_arpa(tmp_path / "junk.arpa.gz")
    (tmp_path / "words.arpa").write_text("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\thello\n\n\\end\\\n")
    with pytest.raises(LMError, match="words.arpa:5: 'hello' is not one character"):
        read_arpa(tmp_path / "words.arpa")
    (tmp_path / "empty.arpa").write_text("\\data\\\n\\end\\\n")
    with pytest.raises(LMError, match="no n-grams"):
        read_arpa(tmp_path / "empty.arpa")


def test_no_shipped_model_means_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTICH_MODEL_DIR", str(tmp_path))
    assert load_lm() is None
    with pytest.raises(LMError):
        load_lm(tmp_path / "htr-lm.arpa.gz")


def test_the_model_settles_a_doubtful_tone_mark(lm: CharLM) -> None:
    # the recognizer slightly prefers "Phong"; the language model knows "Hải Phòng"
    lp = frames("Hải Phong", {6: ("ò", 0.45)})
    assert decode_line(lp, CS, beam_width=8).text == "Hải Phong"
    read = decode_line(lp, CS, beam_width=8, lm=lm, lm_weight=0.2)
    assert read.text == "Hải Phòng"
    assert read.alternatives[0].text == "Hải Phòng" and len(read.char_probs) == len("Hải Phòng")


def test_it_does_not_overrule_clear_writing(lm: CharLM) -> None:
    lp = frames("Hải Phong", {6: ("ò", 0.01)})
    assert decode_line(lp, CS, beam_width=8, lm=lm, lm_weight=0.2).text == "Hải Phong"
    # weight 0 is the recognizer alone
    lp = frames("Hải Phong", {6: ("ò", 0.45)})
    assert beam_search(lp, CS, beam_width=8, lm=lm, lm_weight=0.0)[0].text == "Hải Phong"


def test_many_lines_are_decoded_in_worker_processes_with_the_same_results(lm: CharLM, monkeypatch) -> None:
    import ocr.htr.parallel as parallel
    from ocr.htr.constraints import constraint_for

    texts = ["Hải Phong", "Xã Minh Đài", "Nguyễn Văn Nam", "Kinh"] * 20
    jobs = [(frames(t, {1: ("a", 0.3)}), constraint_for("ethnicity") if t == "Kinh" else None, lm, True)
            for t in texts]
    options = dict(beam_width=8, top_k=5, prune=1e-3, lm_weight=0.2)
    alone = [decode_line(lp, CS, constraint=c, lm=m, **options) for lp, c, m, _ in jobs]
    forks: list[int] = []
    real_pool = parallel.mp.get_context("fork").Pool
    monkeypatch.setattr(parallel.mp, "get_context", lambda method: type("Ctx", (), {
        "Pool": staticmethod(lambda n: forks.append(n) or real_pool(n))}))
    assert parallel.decode_lines(jobs, CS, workers=2, **options) == alone
    assert forks == [2] and [r.text for r in alone[:4]] == ["Hải Phong", "Xã Minh Đài", "Nguyễn Văn Nam", "Kinh"]
    # few lines, or no processes to be had: decoded here, the same
    assert parallel.decode_lines(jobs[:10], CS, workers=2, **options) == alone[:10] and forks == [2]

    def no_processes(method):
        raise OSError("no more processes")
    monkeypatch.setattr(parallel.mp, "get_context", no_processes)
    assert parallel.decode_lines(jobs, CS, workers=2, **options) == alone


def test_a_constraint_keeps_the_unlikely_characters_it_needs(lm: CharLM) -> None:
    from ocr.htr.constraints import constraint_for

    lp = frames("Kinb", {3: ("h", 0.005)})  # "h" far less likely than the 1 % the LM's own pruning keeps
    read = decode_line(lp, CS, beam_width=8, constraint=constraint_for("ethnicity"), lm=lm, lm_weight=0.2)
    assert read.text == "Kinh" and read.constraint_met is True


def test_one_line_of_a_longer_field_is_not_scored_as_a_whole_line(lm: CharLM) -> None:
    # "Thôn 12," ends with the comma before the next line; as a whole line the model would end it
    lp = frames("Thôn 12,")
    comma = 2 * len("Thôn 12")
    probs = np.exp(lp[comma])
    probs[:] = 1e-5
    probs[0], probs[CS.index()[","]] = 0.25, 0.75
    lp[comma] = np.log(probs / probs.sum())
    whole = decode_line(lp, CS, beam_width=8, lm=lm, lm_weight=0.2)
    part = decode_line(lp, CS, beam_width=8, lm=lm, lm_weight=0.2, whole_line=False)
    assert (whole.text, part.text) == ("Thôn 12", "Thôn 12,")
