"""Connection settings, page inputs and draft predictions of the bridge, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation.client import BridgeError, connection_settings
from annotation.convert import model_version, page_prediction
from annotation.push import _prediction_page, load_pages, page_files
from ocr.schema import Page, Provenance


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in ("HOTICH_LS_URL", "HOTICH_LS_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOTICH_LS_CONFIG", str(tmp_path / "none.yaml"))
    return tmp_path


def test_settings_from_env_file_or_a_clear_error(no_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BridgeError, match="HOTICH_LS_URL"):
        connection_settings()
    cfg = no_env / "ls.yaml"
    cfg.write_text("url: http://ls.local:8080/\ntoken: abc\n", encoding="utf-8")
    conn = connection_settings(cfg)
    assert (conn.url, conn.token) == ("http://ls.local:8080", "abc")
    monkeypatch.setenv("HOTICH_LS_URL", "http://other:1")
    monkeypatch.setenv("HOTICH_LS_TOKEN", "xyz")
    assert connection_settings(cfg).url == "http://other:1"


def test_page_inputs(synth_pages: Path, tmp_path: Path) -> None:
    files = page_files([synth_pages])
    assert len(files) == 3 and all(f.suffix == ".json" for f in files)
    pages = load_pages(files)
    assert all(img.is_file() for _, img in pages)
    with pytest.raises(BridgeError, match="hotich synth"):
        page_files([synth_pages / pages[0][1].name])  # an image, not a page
    lonely = tmp_path / "p.json"
    lonely.write_text((synth_pages / files[0].name).read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(BridgeError, match="missing"):
        load_pages([lonely])


def test_draft_predictions(synth_pages: Path, tmp_path: Path) -> None:
    page = Page.load(page_files([synth_pages])[0])
    warnings: list[str] = []
    assert _prediction_page(page, tmp_path, warnings) is None and "no draft" in warnings[-1]
    draft = page.model_copy(deep=True)
    draft.provenance = Provenance(source="draft", models={"htr": "ab" * 32, "layout": "cd" * 32})
    for f in draft.records[0].fields:
        f.confidence = 0.5
    (tmp_path / "drafts").mkdir()
    draft.save(tmp_path / "drafts" / f"{page.id}.json")
    got = _prediction_page(page, tmp_path, warnings)
    assert got is not None and got.provenance.source == "draft"
    pred = page_prediction(got)
    assert pred["model_version"] == f"htr@{'ab' * 6}+layout@{'cd' * 6}" == model_version(got)
    assert pred["score"] == pytest.approx(0.5)  # the mean over fields that carry a confidence
    turned = draft.model_copy(deep=True)
    turned.image = turned.image.model_copy(update={"width": page.image.height, "height": page.image.width})
    turned.save(tmp_path / "drafts" / f"{page.id}.json")
    assert _prediction_page(page, tmp_path, warnings) is None and "turned" in warnings[-1]
