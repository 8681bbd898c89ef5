"""The HTML pages (Vietnamese): login, books and upload, a book's review queue (and registering a
server folder as its scans), the review screen,
the verification queue and the dashboard. Pages carry no records' data: their scripts fetch it
from the API, which checks role and unit."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from serving.access import EDIT, IMPORT, READ, REPORT, VERIFY
from serving.auth import optional_user, user_json
from serving.models import Role, User

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ROLE_VI = {"officer": "Công chức hộ tịch", "verifier": "Người kiểm tra", "supervisor": "Người giám sát",
           "annotator": "Người gán nhãn", "admin": "Quản trị"}
router = APIRouter(include_in_schema=False)


def _page(request: Request, user: User | None, template: str, roles: tuple[Role, ...], **context) -> Response:
    if user is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if Role(user.role) not in roles:
        return TEMPLATES.TemplateResponse(request, "denied.html", {"user": user_json(user), "csrf": request.state.csrf,
                                                                    "role_vi": ROLE_VI, "nav": _nav(user)}, status_code=403)
    return TEMPLATES.TemplateResponse(request, template, {"user": user_json(user), "csrf": request.state.csrf,
                                                          "role_vi": ROLE_VI, "nav": _nav(user), **context})


def _nav(user: User) -> list[tuple[str, str]]:
    role = Role(user.role)
    items = [("/", "Sổ")] if role in READ else []
    items += [("/verify", "Kiểm tra")] if role in VERIFY else []
    items += [("/dashboard", "Tiến độ")] if role in REPORT else []
    return items


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return TEMPLATES.TemplateResponse(request, "login.html", {})


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: User | None = Depends(optional_user)) -> Response:
    if user is not None and Role(user.role) in REPORT and Role(user.role) not in EDIT and Role(user.role) != Role.ADMIN:
        return RedirectResponse("/dashboard", status_code=303)
    return _page(request, user, "books.html", READ, can_upload=user is not None and Role(user.role) in EDIT)


@router.get("/books/{book_id}", response_class=HTMLResponse)
def book_page(book_id: int, request: Request, user: User | None = Depends(optional_user)) -> Response:
    return _page(request, user, "book.html", READ, book_id=book_id,
                 can_register=user is not None and Role(user.role) in IMPORT)


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record_page(record_id: int, request: Request, user: User | None = Depends(optional_user)) -> Response:
    return _page(request, user, "review.html", READ, record_id=record_id,
                 mode="verify" if request.query_params.get("mode") == "verify" else "review")


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, user: User | None = Depends(optional_user)) -> Response:
    return _page(request, user, "verify.html", VERIFY)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, user: User | None = Depends(optional_user)) -> Response:
    return _page(request, user, "dashboard.html", REPORT)
