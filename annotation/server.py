"""A local Label Studio server for tests, demos and a one-machine annotation team.

Label Studio lives in its own virtual environment (``make label-studio`` makes ``.venv-ls``), as
its dependencies (Django and more, about 1 GB) must not mix with the project's. The server binds
to 127.0.0.1, keeps everything in its data folder, checks no newer version and sends no
analytics, so it works offline.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from annotation.client import Connection

LS_BIN_ENV = "HOTICH_LABEL_STUDIO"
DEFAULT_BIN = Path(__file__).resolve().parents[1] / ".venv-ls" / "bin" / "label-studio"


class ServerError(RuntimeError):
    """Label Studio could not be started; the message holds the end of its log."""


def label_studio_bin() -> Path:
    """The ``label-studio`` executable: ``$HOTICH_LABEL_STUDIO`` or the repository's ``.venv-ls``."""
    return Path(os.environ.get(LS_BIN_ENV) or DEFAULT_BIN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalServer:
    """A running server: where it listens, its admin account and its process."""

    url: str
    token: str
    username: str
    password: str
    data_dir: Path
    process: subprocess.Popen
    log: Path

    @property
    def connection(self) -> Connection:
        return Connection(self.url, self.token)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, timeout: float = 20) -> None:
        """Stop the server (its whole process group) and wait for it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout)


def start(data_dir: Path, *, port: int | None = None, binary: Path | None = None, timeout: float = 120,
          username: str = "admin@example.org") -> LocalServer:
    """Start Label Studio on 127.0.0.1 with a fresh admin account and API token; return once
    ``/health`` answers, or raise :class:`ServerError` with the log's end after ``timeout`` s."""
    binary = binary or label_studio_bin()
    if not binary.exists():
        raise ServerError(f"{binary} is missing; install Label Studio with `make label-studio` "
                          f"or point {LS_BIN_ENV} at a label-studio executable")
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    # hex, never a leading "-" that label-studio's argument parser would take for an option
    token, password = secrets.token_hex(20), secrets.token_hex(12)
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir), "LATEST_VERSION_CHECK": "false",
           "COLLECT_ANALYTICS": "false", "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"}
    log = data_dir / "label-studio.log"
    cmd = [str(binary), "start", "--no-browser", "--port", str(port), "--internal-host", "127.0.0.1",
           "--data-dir", str(data_dir), "--username", username, "--password", password,
           "--user-token", token, "--enable-legacy-api-token"]
    with log.open("ab") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = LocalServer(f"http://127.0.0.1:{port}", token, username, password, data_dir, proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"Label Studio exited with code {proc.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1)
    server.stop()
    raise ServerError(f"Label Studio did not answer /health within {timeout:.0f} s:\n{server.log_tail()}")
