"""The connection to a Label Studio server: settings, projects, uploads, tasks and exports.

Projects, tasks and predictions go through label-studio-sdk 2.x; file uploads and downloads,
which the SDK does not cover, go through its HTTP library (httpx) with the same token.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from label_studio_sdk import LabelStudio

URL_ENV, TOKEN_ENV, CONFIG_ENV = "HOTICH_LS_URL", "HOTICH_LS_TOKEN", "HOTICH_LS_CONFIG"
DEFAULT_CONFIG = Path("~/.config/hotich/label-studio.yaml")


class BridgeError(RuntimeError):
    """A problem talking to Label Studio; the message says what to do."""


@dataclass(frozen=True)
class Connection:
    """Where Label Studio runs and the API token of the user acting for the project."""

    url: str
    token: str


def connection_settings(config: Path | None = None) -> Connection:
    """URL and token from the environment (``HOTICH_LS_URL``, ``HOTICH_LS_TOKEN``), else from a
    YAML file with ``url`` and ``token`` (``config``, ``$HOTICH_LS_CONFIG`` or
    ``~/.config/hotich/label-studio.yaml``)."""
    url, token = os.environ.get(URL_ENV), os.environ.get(TOKEN_ENV)
    path = Path(config or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG).expanduser()
    if (not url or not token) and path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise BridgeError(f"{path}: expected a YAML mapping with 'url' and 'token'")
        url, token = url or raw.get("url"), token or raw.get("token")
    if not url or not token:
        raise BridgeError(f"no Label Studio connection: set {URL_ENV} and {TOKEN_ENV} (the token is on the "
                          f"user's Account & Settings page), or write 'url:' and 'token:' to {path}")
    return Connection(str(url).rstrip("/"), str(token))


class LabelStudioClient:
    """The few Label Studio operations the bridge needs."""

    def __init__(self, conn: Connection, timeout: float = 120.0):
        self.conn = conn
        self.sdk = LabelStudio(base_url=conn.url, api_key=conn.token, timeout=timeout)
        self.http = httpx.Client(base_url=conn.url, headers={"Authorization": f"Token {conn.token}"},
                                 timeout=timeout)

    def _check(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 400:
            hint = " (check the token in HOTICH_LS_TOKEN)" if response.status_code in (401, 403) else ""
            raise BridgeError(f"Label Studio refused to {what}: HTTP {response.status_code}{hint}: "
                              f"{response.text[:300]}")
        return response

    def find_project(self, title: str) -> Any | None:
        """The project with this title, or None."""
        try:
            projects = list(self.sdk.projects.list(title=title))
        except httpx.HTTPError as exc:
            raise BridgeError(f"cannot reach Label Studio at {self.conn.url}: {exc}; is it running?") from None
        return next((p for p in projects if p.title == title), None)

    def ensure_project(self, title: str, label_config: str, description: str = "") -> Any:
        """The project with this title, created or with its labeling config updated."""
        project = self.find_project(title)
        if project is None:
            return self.sdk.projects.create(title=title, label_config=label_config, description=description)
        if project.label_config != label_config:
            project = self.sdk.projects.update(id=project.id, label_config=label_config)
        return project

    def upload_file(self, project_id: int, path: Path) -> str:
        """Upload a file to the project's storage (no task is made); return its URL path."""
        with path.open("rb") as fh:
            r = self._check(self.http.post(f"/api/projects/{project_id}/import", params={"commit_to_project": "false"},
                                           files=[("file", (path.name, fh, "image/jpeg"))]), f"upload {path.name}")
        ids = r.json().get("file_upload_ids") or []
        r = self._check(self.http.get(f"/api/projects/{project_id}/file-uploads", params={"ids": json.dumps(ids)}),
                        "list uploads")
        files = [f["file"] for f in r.json() if f["id"] in ids]
        if not files:
            raise BridgeError(f"Label Studio kept no copy of {path.name}; check its upload settings and disk space")
        return "/data/" + files[0]

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Import tasks (data and predictions); return their ids in order."""
        r = self._check(self.http.post(f"/api/projects/{project_id}/import", params={"return_task_ids": "true"},
                                       json=tasks), "import tasks")
        return list(r.json().get("task_ids", []))

    def export_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """Every task with its annotations, drafts and predictions; unannotated and skipped
        tasks are included (Label Studio leaves them out unless ``download_all_tasks``)."""
        r = self._check(self.http.get(f"/api/projects/{project_id}/export",
                                      params={"exportType": "JSON", "download_all_tasks": "true"}), "export tasks")
        return r.json()

    def task_predictions(self, task_id: int) -> list[Any]:
        return list(self.sdk.predictions.list(task=task_id))

    def replace_prediction(self, task_id: int, prediction: dict[str, Any]) -> None:
        """Attach a prediction, removing the task's earlier ones of the same model version."""
        for old in self.task_predictions(task_id):
            if old.model_version == prediction["model_version"]:
                self.sdk.predictions.delete(id=old.id)
        self.sdk.predictions.create(task=task_id, result=prediction["result"], score=prediction["score"],
                                    model_version=prediction["model_version"])

    def show_predictions(self, project_id: int, model_version: str) -> None:
        """Pre-fill the labeling editor with this model version's predictions: static predictions
        show only when the project names their version (no ML backend needed)."""
        self.sdk.projects.update(id=project_id, show_collab_predictions=True, model_version=model_version)

    def download(self, url: str) -> bytes:
        """The bytes of a file served by Label Studio (an uploaded page image)."""
        return self._check(self.http.get(url), f"download {url}").content
