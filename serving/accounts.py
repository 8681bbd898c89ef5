"""Units and users created from code (first start, sample data, tests)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.models import Role, Unit, UnitLevel, User
from serving.security import hash_password


def ensure_unit(db: Session, name: str, level: UnitLevel, parent: Unit | None = None, code: str | None = None) -> Unit:
    """The unit of this name under ``parent``, created when missing."""
    under = Unit.parent_id == parent.id if parent else Unit.parent_id.is_(None)
    unit = db.scalar(select(Unit).where(Unit.name == name, Unit.level == level.value, under))
    if unit is None:
        unit = Unit(name=name, level=level.value, parent_id=parent.id if parent else None, code=code)
        db.add(unit)
        db.flush()
    return unit


def ensure_user(db: Session, username: str, password: str, role: Role, unit: Unit | None = None,
                full_name: str = "") -> tuple[User, bool]:
    """The user of this name (created with ``password`` when missing) and whether it was created."""
    user = db.scalar(select(User).where(User.username == username))
    if user is not None:
        return user, False
    user = User(username=username, password_hash=hash_password(password), role=role.value,
                unit_id=unit.id if unit else None, full_name=full_name)
    db.add(user)
    db.flush()
    return user, True
