"""Fixtures of the annotation tests: three rendered synthetic pages (three templates) and a real
Label Studio server on 127.0.0.1 with a temporary data folder, for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocr.templates import load_template
from training.synth.book import plan_pages
from training.synth.export import write_page
from training.synth.render import render_page

TEMPLATES = ("ks_1999", "ks_2006", "kt_1999")


@pytest.fixture(scope="session")
def synth_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One page of each of three templates (a table spread side, 2006 blocks, a death register)."""
    folder = tmp_path_factory.mktemp("synth_pages")
    for i, name in enumerate(TEMPLATES):
        write_page(render_page(plan_pages(load_template(name), 1, 70 + i)[0]), folder)
    return folder


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator["LocalServer"]:  # noqa: F821
    """A Label Studio server started for the session and stopped after it."""
    from annotation.server import ServerError, label_studio_bin, start

    if not label_studio_bin().exists():
        pytest.skip(f"Label Studio is not installed at {label_studio_bin()}: run `make label-studio`")
    try:
        server = start(tmp_path_factory.mktemp("label_studio"), timeout=120)
    except ServerError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()
