"""Login, logout and the request's user: an HttpOnly SameSite session cookie, a CSRF token that
every unsafe request repeats in the ``X-CSRF-Token`` header, and login rate limiting."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from serving.models import AuditEntry, LoginSession, User, utcnow
from serving.security import LoginLimiter, burn_time, check_password, new_token, same, token_hash

COOKIE = "hotich_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
log = logging.getLogger("hotich.serve")
router = APIRouter(prefix="/api/auth", tags=["auth"])


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as db:
        yield db


def _session(request: Request, db: Session) -> tuple[LoginSession, User] | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    row = db.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is None or row.expires_at < utcnow():
        return None
    user = db.get(User, row.user_id)
    return (row, user) if user is not None and user.active else None


def optional_user(request: Request, db: Session = Depends(get_db)) -> User | None:
    """The logged-in user, or None (used by the HTML pages to redirect to the login page)."""
    found = _session(request, db)
    if found is None:
        return None
    request.state.csrf = found[0].csrf_token
    return found[1]


def current_user(request: Request, db: Session = Depends(get_db)) -> User:
    """The logged-in user; 401 without a valid session, 403 when an unsafe request lacks its CSRF token."""
    found = _session(request, db)
    if found is None:
        raise HTTPException(401, "Phiên làm việc đã hết hoặc chưa đăng nhập; hãy đăng nhập lại.")
    sess, user = found
    if request.method in UNSAFE and not same(request.headers.get(CSRF_HEADER), sess.csrf_token):
        raise HTTPException(403, "Thiếu mã chống giả mạo (CSRF); tải lại trang rồi thử lại.")
    request.state.csrf = sess.csrf_token
    return user


def user_json(user: User) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
            "unit_id": user.unit_id, "unit": user.unit.name if user.unit else None}


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


def _keys(request: Request, username: str) -> tuple[str, str]:
    addr = request.client.host if request.client else "?"
    return f"addr:{addr}", "user:" + hashlib.sha256(username.lower().encode()).hexdigest()


@router.post("/login", summary="Log in: sets the session cookie, returns the user and the CSRF token")
def login(body: Login, request: Request, response: Response, db: Session = Depends(get_db)) -> dict:
    limiter: LoginLimiter = request.app.state.limiter
    keys = _keys(request, body.username)
    wait = limiter.retry_after(*keys)
    if wait:
        raise HTTPException(429, f"Đăng nhập sai quá nhiều lần; thử lại sau {wait} giây.",
                            headers={"Retry-After": str(wait)})
    user = db.scalar(select(User).where(User.username == body.username))
    if user is None or not user.active:
        burn_time(body.password)
        ok = False
    else:
        ok = check_password(user.password_hash, body.password)
    if not ok:
        limiter.failed(*keys)
        log.info("login refused")
        raise HTTPException(401, "Tên đăng nhập hoặc mật khẩu không đúng.")
    limiter.succeeded(keys[1])
    settings = request.app.state.settings
    token, csrf = new_token(), new_token()
    db.execute(delete(LoginSession).where(LoginSession.expires_at < utcnow()))
    db.add(LoginSession(token_hash=token_hash(token), csrf_token=csrf, user_id=user.id,
                        expires_at=utcnow() + dt.timedelta(hours=settings.session_hours)))
    db.add(AuditEntry(user_id=user.id, action="login", entity="user", entity_id=user.id))
    db.commit()
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=settings.secure_cookies,
                        max_age=int(settings.session_hours * 3600), path="/")
    log.info("login user=%s", user.id)
    return {"user": user_json(user), "csrf": csrf}


@router.post("/logout", summary="Log out: ends the session (needs the CSRF header)")
def logout(request: Request, response: Response, user: User = Depends(current_user),
           db: Session = Depends(get_db)) -> dict:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(request.cookies[COOKIE])))
    db.add(AuditEntry(user_id=user.id, action="logout", entity="user", entity_id=user.id))
    db.commit()
    response.delete_cookie(COOKIE, path="/")
    return {"ok": True}


@router.get("/me", summary="The logged-in user and the CSRF token for unsafe requests")
def me(request: Request, user: User = Depends(current_user)) -> dict:
    return {"user": user_json(user), "csrf": request.state.csrf}
