"""Who acts: the one shape every service that changes something receives.

A business (no account), bureau staff, the supervising office, the operator at a command line, or the
portal itself. Services record the actor in ticket events and in the audit log; nothing below the web
edge reads the logged-in user or the request. The web edge builds actors in `accounts.access`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who acts, and for which bureau. `bureau` is the catalog's Bureau a staff member acts for
    (None for the supervising office, the operator, a business and the system)."""

    kind: str  # business, staff, supervisor, admin, system
    name: str = ""
    bureau: Any = None
    user_id: int | None = None  # the staff account, kept in events and the audit log; never shown to a business
    username: str = ""
    role: str = ""  # the account's role (staff, bureau_admin, supervisor, admin); "" without an account
    address: str = ""  # the client's address, or "cli"

    @property
    def bureau_id(self) -> int | None:
        return self.bureau.id if self.bureau is not None else None

    @property
    def is_supervisor(self) -> bool:
        return self.kind == "supervisor"

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    @property
    def is_bureau_staff(self) -> bool:
        """Staff or a bureau admin, acting for a bureau."""
        return self.kind == "staff" and self.bureau is not None

    def acts_for(self, bureau: Any) -> bool:
        """Whether this actor works for `bureau` (a bureau's staff or bureau admin)."""
        return self.is_bureau_staff and bureau is not None and self.bureau.id == bureau.id


BUSINESS = Actor("business")
SYSTEM = Actor("system")
OPERATOR = Actor("admin", "命令行", username="cli", role="admin", address="cli")  # flask --app portal …
