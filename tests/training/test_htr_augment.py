"""Line augmentation: the strong blur that teaches the recognizer out-of-focus and shaken photos."""

import cv2
import numpy as np
import pytest

from training.htr.augment import augment_line
from training.htr.config import AugmentConfig
from training.synth.degrade import motion_blur


def _line() -> np.ndarray:
    """A 49 px high line of dark strokes on light paper (the page crops' median height)."""
    img = np.full((49, 300), 235, np.uint8)
    for x in range(10, 290, 14):
        cv2.line(img, (x, 10), (x + 6, 38), 30, 2)
    return img


def _sharpness(img: np.ndarray) -> float:
    return float(cv2.Laplacian(img.astype(np.float32), cv2.CV_32F).var())


def test_motion_blur_smears_along_its_angle() -> None:
    dot = np.zeros((31, 31), np.float32)
    dot[15, 15] = 1.0
    smear = motion_blur(dot, 9, 0.0)
    assert np.count_nonzero(smear[15] > 1e-6) == 9  # a horizontal run of its length
    assert np.count_nonzero(smear > 1e-6) == 9
    assert smear.sum() == pytest.approx(1.0, rel=1e-4)


def test_hard_blur_makes_lines_much_blurrier() -> None:
    base = AugmentConfig(p_geometric=0, p_elastic=0, p_morph=0, p_blur=0, p_noise=0, p_contrast=0, p_jpeg=0,
                         p_pad=0)
    line = _line()
    plain = [_sharpness(augment_line(line, base, np.random.default_rng(s))) for s in range(12)]
    hard = base.model_copy(update={"p_hard_blur": 1.0})
    blurred = [_sharpness(augment_line(line, hard, np.random.default_rng(s))) for s in range(12)]
    assert max(blurred) < 0.2 * min(plain)

