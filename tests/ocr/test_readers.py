"""The drafting reader: lines of date fields go to the recognizer widened, others as they are."""

from __future__ import annotations

import numpy as np

from ocr.draft.readers import WIDTH_SCALE, LineJob, OurReader, widened


def test_widened_keeps_height_and_scales_width() -> None:
    line = np.full((40, 101), 255, np.uint8)
    assert widened(line, 1.0) is line
    assert widened(line, 1.2).shape == (40, 121)
    assert widened(np.zeros((0, 5), np.uint8), 1.2).shape == (0, 5)  # the recognizer reports it


def test_date_lines_reach_the_shipped_recognizer_widened() -> None:
    reader = OurReader(threads=1)
    seen: list[tuple[int, int]] = []
    recognize = reader.recognizer.recognize

    def spy(images, **kwargs):
        seen.extend(im.shape for im in images)
        return recognize(images, **kwargs)

    reader.recognizer.recognize = spy  # type: ignore[method-assign]
    rng = np.random.default_rng(0)
    line = np.clip(230 + rng.normal(0, 5, (40, 200)), 0, 255).astype(np.uint8)
    readings = reader.read([LineJob(line, "date", False), LineJob(line, "name", False)])
    assert len(readings) == 2 and all(0.0 <= r.confidence <= 1.0 for r in readings)
    assert seen == [(40, round(200 * WIDTH_SCALE["date"])), (40, 200)]
