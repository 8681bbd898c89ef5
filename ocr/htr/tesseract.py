"""Tesseract 5 with Vietnamese as a line recognizer (a baseline for `hotich bench htr` and
`hotich eval draft --recognizer tesseract`), behind the same ``recognize(images)`` interface as ours.

``tesseract`` command, LSTM engine, ``--psm 7`` (one text line), ``-l vie``: each call writes its
images to a temporary folder and reads them all with one ``tesseract`` process per thread, given a
file list (one process per line would spend most of its time loading the language model). Not
tuned: it runs with its defaults on the line images as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

TESSERACT_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-vie"


class NotInstalled(RuntimeError):
    """A baseline's tool is missing; the message says how to install it."""


@dataclass(frozen=True)
class Read:
    """A baseline's reading of one line (``LineResult`` has the same ``text``)."""

    text: str


class TesseractLines:
    """Tesseract on single lines, ``threads`` processes in parallel (OpenMP off in each)."""

    def __init__(self, threads: int = 1, lang: str = "vie", psm: int = 7) -> None:
        exe = shutil.which("tesseract")
        if exe is None:
            raise NotInstalled(f"not installed: {TESSERACT_INSTALL}")
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True).stdout.split()
        if lang not in langs:
            raise NotInstalled(f"not installed: tesseract has no '{lang}' data ({TESSERACT_INSTALL})")
        first = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.splitlines()
        self.exe, self.threads, self.lang, self.psm = exe, threads, lang, psm
        self.description = f"{first[0] if first else 'tesseract'}, -l {lang} --psm {psm}, LSTM"

    def recognize(self, images: Sequence[np.ndarray], *, beam_width: int = 1) -> list[Read]:
        with tempfile.TemporaryDirectory(prefix="hotich-tess-") as tmp:
            folder = Path(tmp)
            paths = [folder / f"{i:06d}.pgm" for i in range(len(images))]
            for path, image in zip(paths, images):
                cv2.imwrite(str(path), image)
            parts = [paths[i::self.threads] for i in range(min(self.threads, len(paths)))]
            procs = [self._start(folder, k, part) for k, part in enumerate(parts)]
            texts: list[str] = [""] * len(paths)
            for k, (proc, part) in enumerate(zip(procs, parts)):
                for j, text in enumerate(self._finish(folder, k, proc, len(part))):
                    texts[k + j * len(parts)] = text
        return [Read(" ".join(t.split())) for t in texts]

    def _start(self, folder: Path, k: int, part: list[Path]) -> subprocess.Popen:
        """Read the images of ``part`` in one process, into ``folder/out{k}.txt`` (files, not
        pipes, so that parallel processes never block on a full pipe)."""
        listing = folder / f"list{k}.txt"
        listing.write_text("".join(f"{p}\n" for p in part), encoding="utf-8")
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        with open(folder / f"err{k}.txt", "wb") as err:
            return subprocess.Popen([self.exe, str(listing), str(folder / f"out{k}"), "--psm", str(self.psm),
                                     "-l", self.lang], stdout=subprocess.DEVNULL, stderr=err, env=env)

    @staticmethod
    def _finish(folder: Path, k: int, proc: subprocess.Popen, count: int) -> list[str]:
        proc.wait()
        out = folder / f"out{k}.txt"
        pages = out.read_text(encoding="utf-8", errors="replace").split("\f") if out.exists() else []
        if proc.returncode != 0 or len(pages) != count:  # "\f" separates the images' texts
            tail = (folder / f"err{k}.txt").read_text(encoding="utf-8", errors="replace").strip()[-500:]
            raise RuntimeError(f"tesseract exited {proc.returncode} with {len(pages)} texts for {count} "
                               f"images: {tail}")
        return pages
