"""The FastAPI application: database migrated on start, the drafting worker, API, pages, static files."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from serving import api, auth, ui
from serving.config import Settings
from serving.db import make_engine, migrate, session_maker
from serving.security import LoginLimiter
from serving.worker import DraftWorker

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob:; object-src 'none'; frame-ancestors 'none'",
}


def create_app(settings: Settings) -> FastAPI:
    """The workbench for ``settings``; the database is migrated here, the worker starts with the app."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = session_maker(engine)
    worker = DraftWorker(settings, sessions)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if settings.start_worker:
            worker.start()
        yield
        worker.stop()

    app = FastAPI(title="hotich workbench", version="0.1.0", lifespan=lifespan,
                  description="Review, verification and export of machine-filled drafts of civil-status "
                              "ledgers. Log in with `POST /api/auth/login`; unsafe requests repeat the CSRF "
                              "token in the `X-CSRF-Token` header.")
    app.state.settings, app.state.engine, app.state.sessions, app.state.worker = settings, engine, sessions, worker
    app.state.limiter = LoginLimiter(settings.login_attempts, settings.login_window_s)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(OSError)
    async def disk_error(_request: Request, exc: OSError) -> JSONResponse:
        logging.getLogger("hotich.serve").error("disk error: %s", type(exc).__name__)
        return JSONResponse({"detail": "Lỗi đọc/ghi dữ liệu trên máy chủ; kiểm tra ổ đĩa rồi thử lại."}, 500)

    app.include_router(auth.router)
    app.include_router(api.router)
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
