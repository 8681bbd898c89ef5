"""Header matching: CTC likelihood of header texts, their posteriors, and the column programme
that weighs them against widths (hand-made spans; no model needed)."""

import itertools

import numpy as np

from ocr.htr.charset import default_charset
from ocr.layout.grid import Curve
from ocr.layout.headers import (
    HEADER_WEIGHT, HeaderMatcher, choose_boundaries, column_texts, ctc_nll, header_posteriors,
)
from ocr.templates import Column, load_template

CHARSET = default_charset()


def _frames(text: str, confidence: float = 0.9, seed: int = 0) -> np.ndarray:
    """Log-probabilities of a line that reads ``text``: per character a frame mostly that
    character, then a frame mostly blank; the rest of the mass spread at random."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in CHARSET.encode(text):
        for cls in (label, 0):
            p = rng.random(CHARSET.size)
            p = p / p.sum() * (1 - confidence)
            p[cls] += confidence
            rows.append(np.log(p))
    return np.array(rows, np.float32)


def _brute_nll(lp: np.ndarray, labels: list[int]) -> float:
    """CTC by enumerating every path: collapse repeats, drop blanks."""
    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        collapsed = [c for k, c in enumerate(path) if c != 0 and (k == 0 or c != path[k - 1])]
        if collapsed == labels:
            total += np.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -np.log(total)


def test_ctc_nll_matches_enumeration_and_padding_changes_nothing():
    rng = np.random.default_rng(3)
    short = np.log(rng.dirichlet(np.ones(3), 4)).astype(np.float32)
    long_ = np.log(rng.dirichlet(np.ones(3), 5)).astype(np.float32)
    cases = [(0, [1]), (0, [1, 2]), (0, [2, 2]), (1, [1, 2, 1]), (1, [2])]
    got = ctc_nll([short, long_], [lb for _, lb in cases], [w for w, _ in cases])
    want = [_brute_nll(short if w == 0 else long_, lb) for w, lb in cases]
    assert np.allclose(got, want, atol=1e-4)


def test_posteriors_pick_the_printed_header_and_none_for_unreadable_spans():
    headers = ["Dân tộc", "Quốc tịch", "Nơi thường trú", "Ghi chú"]
    labels = [CHARSET.encode(h) for h in headers]
    read = [_frames("Quốc tịch", seed=1), _frames("Ghi chú", confidence=0.6, seed=2),
            _frames("Dan toc", confidence=0.5, seed=3)]  # printed "Dân tộc", read without its marks
    noise = np.log(np.random.default_rng(4).dirichlet(np.ones(CHARSET.size), 30)).astype(np.float32)
    p = header_posteriors(read + [noise], labels)
    assert p.shape == (4, 4)
    assert p[:3].argmax(1).tolist() == [1, 3, 0]
    assert p[0, 1] > 0.9 and p[1, 3] > 0.5 and p[2, 0] > 0.3
    assert p[3].max() < 0.05  # nothing readable: no header gains
    assert np.all(p.sum(1) <= 1 + 1e-6)


# Template columns A, B, C of widths 1, 2, 1; a book printed with A and B's widths swapped
# (rules at 0, 0.5, 0.75, 1) and a spurious rule at 0.25 (a fold) where the template's A|B
# boundary would be.
WIDTHS = np.array([1.0, 2.0, 1.0])
FOUND = np.array([0.0, 0.25, 0.5, 0.75, 1.0]) * 1000


def test_widths_alone_take_the_rule_at_the_template_position():
    picks, _ = choose_boundaries(FOUND, WIDTHS)
    assert picks == [0, 1, 3, 4]
    unreadable = {(0, 1): np.zeros(3), (1, 3): np.zeros(3), (0, 2): np.zeros(3)}
    assert choose_boundaries(FOUND, WIDTHS, unreadable)[0] == [0, 1, 3, 4]  # widths decide


def test_headers_win_where_widths_disagree():
    scores = {(0, 2): np.array([0.9, 0, 0]), (2, 3): np.array([0, 0.85, 0]), (3, 4): np.array([0, 0, 0.9]),
              (0, 1): np.array([0.1, 0, 0]), (1, 2): np.array([0.05, 0.05, 0]), (1, 3): np.array([0, 0.1, 0])}
    picks, cost = choose_boundaries(FOUND, WIDTHS, scores)
    assert picks == [0, 2, 3, 4]
    assert cost < choose_boundaries(FOUND, WIDTHS)[1] - HEADER_WEIGHT  # the headers' bonus, net of widths


def test_a_missing_rule_is_left_to_the_fill_and_an_unreachable_table_fails():
    found = np.array([0.0, 0.25, 1.0]) * 1000  # the B|C rule faded away
    picks, cost = choose_boundaries(found, WIDTHS)
    assert picks == [0, 1, None, 2] and np.isfinite(cost)
    crowded = np.linspace(0, 1000, 12)  # more rules inside one column than a column may hold
    assert choose_boundaries(crowded, np.array([1.0, 1.0]))[0] == [None, None, None]


def test_column_texts_put_a_one_column_group_before_its_header():
    t = load_template("ks_1999")
    texts = column_texts(t.layout.pages["right"].columns)
    assert texts[-3] == "Người đi khai Họ tên, quan hệ"
    assert texts[0] == "Họ và tên, năm sinh"  # the group "Mẹ" spans four columns: its own cell


class _Reader:
    """A stand-in recognizer: reads each crop as the text of the printed word of its width."""

    charset = CHARSET

    def __init__(self, texts_by_width: dict[int, str]):
        self.texts_by_width = texts_by_width
        self.calls = 0

    def logprobs(self, crops):
        self.calls += 1
        out = []
        for k, crop in enumerate(crops):
            width = min(self.texts_by_width, key=lambda w: abs(w - crop.shape[1]))
            out.append(_frames(self.texts_by_width[width], seed=k))
        return out


def test_matcher_reads_the_band_once_and_places_swapped_columns():
    # A drawn table: columns "Số", "Ghi chú", "Dân tộc" of template widths 1 : 2 : 1 printed
    # 2 : 1 : 1, with a spurious rule at the template's first boundary; one printed word (its
    # own width) per real column, the first one right of the spurious rule.
    cols = [Column(header=h, width=w, stack=[{"key": k, "header": h, "type": "text"}])
            for h, w, k in (("Số", 1, "so"), ("Ghi chú", 2, "ghiChu"), ("Dân tộc", 1, "danToc"))]
    h, w = 300, 1000
    work = np.full((h, w, 3), 255, np.uint8)
    ruling = np.zeros((h, w), np.uint8)
    xs = [20, 260, 500, 740, 980]
    for x in xs:
        ruling[20:280, x - 1:x + 2] = 255
    work[ruling > 0] = 0
    words = {40: (380, "Số"), 70: (620, "Ghi chú"), 100: (860, "Dân tộc")}
    for width, (cx, _) in words.items():
        work[50:64, cx - width // 2:cx + width // 2:4] = 20  # letter strokes, 1 px every 4 px
        work[50:52, cx - width // 2:cx + width // 2] = 20  # joined at the top: one component
    rules = [Curve.straight(False, x, 20, 280) for x in xs]
    top, body = Curve.straight(True, 20, 20, 980), Curve.straight(True, 90, 20, 980)
    reader = _Reader({width + 6: text for width, (_, text) in words.items()})  # crops are padded 3 px
    matcher = HeaderMatcher(work, reader)
    a = matcher.align(rules, cols, 20, 980, top, body)
    assert [round(c.mid) for c in a.curves] == [20, 500, 740, 980]
    assert a.matched == 4 and reader.calls == 1
    matcher.align(rules, cols, 20, 980, top, body)  # the other side of a spread: the band is read once
    assert reader.calls == 1
    widths_only = HeaderMatcher(work, None).align(rules, cols, 20, 980, top, body)
    assert [round(c.mid) for c in widths_only.curves] == [20, 260, 740, 980]


def test_a_paper_edge_taken_for_the_outline_is_left_out():
    cols = [Column(header=h, width=w, stack=[{"key": k, "header": h, "type": "text"}])
            for h, w, k in (("Số", 1, "so"), ("Ghi chú", 3, "ghiChu"), ("Dân tộc", 2, "danToc"))]
    table = [100, 200, 500, 700]  # the printed table; the analyzer took 20 .. 700 for its outline
    rules = [Curve.straight(False, x, 20, 280) for x in [20, *table]]
    top, body = Curve.straight(True, 20, 20, 700), Curve.straight(True, 90, 20, 700)
    a = HeaderMatcher(np.full((300, 1000, 3), 255, np.uint8), None).align(rules, cols, 20, 700, top, body)
    assert [round(c.mid) for c in a.curves] == table and a.matched == 4
