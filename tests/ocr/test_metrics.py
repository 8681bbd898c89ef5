"""ocr.metrics: edit distance against a reference implementation, known CER/WER values."""

from __future__ import annotations

import random
import time
import unicodedata

import pytest

from ocr.metrics import TextScores, cer, edit_distance, line_accuracy, normalize, score, wer


def slow_distance(a, b) -> int:
    """Textbook dynamic programming."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


@pytest.mark.parametrize("a, b, d", [("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3),
                                     ("Nguyễn", "Nguyen", 1), ("ab", "ba", 2), ("aaaa", "aa", 2)])
def test_known_distances(a: str, b: str, d: int) -> None:
    assert edit_distance(a, b) == d == edit_distance(b, a)


def test_matches_dynamic_programming_on_random_strings() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        a, b = ("".join(rng.choice("aăbđ ") for _ in range(rng.randint(0, rng.choice([6, 40, 130]))))
                for _ in range(2))
        assert edit_distance(a, b) == slow_distance(a, b), (a, b)


def test_words_are_tokens() -> None:
    assert edit_distance("Số 12 Lê Lợi".split(), "Số 21 Lê Lợi".split()) == 1


def test_fast_enough_for_10k_lines() -> None:
    rng = random.Random(1)
    pairs = [("".join(rng.choice("abcdefgh ") for _ in range(80)),
              "".join(rng.choice("abcdefgh ") for _ in range(75))) for _ in range(10_000)]
    start = time.perf_counter()
    for a, b in pairs:
        edit_distance(a, b)
    assert time.perf_counter() - start < 5.0


def test_corpus_level_rates() -> None:
    refs = ["Nguyễn Văn An", "Hà Nội"]
    hyps = ["Nguyen Văn An", "Hà Nội"]
    s = score(refs, hyps)
    assert (s.char_errors, s.chars, s.word_errors, s.words, s.exact) == (1, 19, 1, 5, 1)
    assert cer(refs, hyps) == pytest.approx(1 / 19)  # summed over lines, not a mean of line rates
    assert wer(refs, hyps) == pytest.approx(1 / 5)
    assert line_accuracy(refs, hyps) == pytest.approx(0.5)


def test_nfc_and_whitespace_normalisation() -> None:
    decomposed = unicodedata.normalize("NFD", "Phường  Bến Thành ")
    assert normalize(decomposed) == "Phường Bến Thành"
    assert cer(["Phường Bến Thành"], [decomposed]) == 0.0
    assert line_accuracy(["Phường Bến Thành"], ["\tPhường Bến\nThành"]) == 1.0
    assert cer(["A"], ["a"]) == 1.0  # case counts


def test_empty_references() -> None:
    assert cer([""], [""]) == 0.0 and wer([""], [""]) == 0.0 and line_accuracy([""], [""]) == 1.0
    assert cer([""], ["abc"]) == 3.0  # no reference characters: errors over 1
    s = score(["ab", ""], ["ab", "x"])
    assert s.cer == pytest.approx(1 / 2) and s.line_acc == pytest.approx(0.5)
    assert cer(["abc"], [""]) == 1.0


def test_empty_corpus_and_mismatched_counts() -> None:
    assert TextScores().cer == 0.0 and TextScores().line_acc == 0.0
    with pytest.raises(ValueError, match="2 references but 1 predictions"):
        score(["a", "b"], ["a"])
