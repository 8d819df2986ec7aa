"""The demo: content written from the county plan (huining-demo.jsonl) and accounts to try it with."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.services import create_user
from portal.catalog import queries

CONTENT = Path(__file__).resolve().parent / "huining-demo.jsonl"

# Printed in the README: for a laptop demo only. seed-demo refuses to create them in production.
# Printed in the README: seed-demo creates no accounts in production (bandit B105: a password in code).
PASSWORD = "Huining-demo-2026"  # nosec B105
ACCOUNTS = [
    # username, display name, role, bureau
    ("scjg", "市场监管局经办人", Role.STAFF, "scjgj"),
    ("scjg-admin", "市场监管局管理员", Role.BUREAU_ADMIN, "scjgj"),
    ("zjj", "住建局经办人", Role.STAFF, "zjj"),
    ("swj", "税务局经办人", Role.STAFF, "swj"),
    ("fgj", "发改局经办人", Role.STAFF, "fgj"),  # answers the comments on the plan
    ("dbz", "营商环境办督办员", Role.SUPERVISOR, None),
    ("admin", "系统管理员", Role.ADMIN, None),
]


def seed_accounts(session: Session) -> list[User]:
    """Create the demo accounts that do not exist yet (safe to run again)."""
    existing = set(session.scalars(select(User.username)))
    created = []
    for username, name, role, bureau in ACCOUNTS:
        if username in existing:
            continue
        holder = queries.bureau_by_code(session, bureau) if bureau else None
        # .invalid never delivers; without PORTAL_MAIL_SERVER the mail is written to the log instead
        created.append(create_user(session, username, PASSWORD, role, holder, name, f"{username}@huining-demo.invalid"))
    return created
