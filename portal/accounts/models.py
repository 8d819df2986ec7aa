"""Staff accounts: users of the bureaus, the supervising office and the operator."""
from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.actors import Actor
from portal.catalog.models import Bureau
from portal.clock import local, now
from portal.database import Base, value_enum


class Role(enum.Enum):
    STAFF = "staff"  # answers the bureau's tickets, keeps its guides and policies current
    BUREAU_ADMIN = "bureau_admin"  # all of staff's work, and manages the bureau's staff
    SUPERVISOR = "supervisor"  # the supervising office (县营商环境办): sees every bureau
    ADMIN = "admin"  # the operator: accounts of every bureau and the audit log

    @property
    def label(self) -> str:
        return {"staff": "经办人员", "bureau_admin": "部门管理员", "supervisor": "县营商环境办",
                "admin": "系统管理员"}[self.value]

    @property
    def needs_bureau(self) -> bool:
        return self in (Role.STAFF, Role.BUREAU_ADMIN)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(Base):
    """A staff account. Its session token is part of the login cookie's id: a password change or a
    disabled account changes it, and every open session of the account ends."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")  # reminders and 督办
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(value_enum(Role, "role"))
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    session_token: Mapped[str] = mapped_column(String(40), default=new_session_token)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    bureau: Mapped[Bureau | None] = relationship()

    # Flask-Login's interface
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def as_actor(self, address: str = "") -> Actor:
        """The account as the actor services record: the person, and the bureau they act for. The
        supervising office acts for itself, never for a bureau."""
        kind = {Role.SUPERVISOR: "supervisor", Role.ADMIN: "admin"}.get(self.role, "staff")
        bureau = self.bureau if self.role.needs_bureau else None
        return Actor(kind, self.display_name, bureau, self.id, self.username, self.role.value, address)

    @property
    def locked(self) -> bool:
        """Locked for a while after too many wrong passwords."""
        return self.locked_until is not None and local(self.locked_until) > now()

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    @property
    def is_bureau_member(self) -> bool:
        return self.role.needs_bureau and self.bureau_id is not None
