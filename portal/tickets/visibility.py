"""What a viewer on the staff side may see of the business behind a ticket: the one place that decides.

A confidential ticket (保密件, GB/T 33358; the 12345 hotline's rules) hides the business's identity and
contacts — the contact's name, phone and e-mail, the company's name and credit code — from the holding
bureau's staff, and from any other bureau that may come to see the ticket (co-bureaus), who are shown
only "保密件"; the supervising office sees everything and relays between them. Every staff page, the
staff JSON, the ledger and its exports, and every mail to a bureau ask here. The business's own view
(tracking page, its mail) is not a staff view and is unchanged. Attachments (a licence, a letter) may
show the business, so they go with its identity. Mail to a bureau (urges, reminders) carries no
personal data of any ticket, only its number and subject, and "（保密件）" for a confidential one."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from portal.accounts.models import Role
from portal.tickets.models import Ticket

CONFIDENTIAL = "保密件"


class Viewer(enum.Enum):
    OFFICE = "office"  # the supervising office: sees everything
    BUREAU = "bureau"  # the holding bureau's staff and its mail (and, later, co-bureaus)


def viewer_of(who) -> Viewer:
    """The viewer a staff account (or an actor) is: the supervisor is the office, anyone else a bureau."""
    role = getattr(who, "role", None)
    if role is Role.SUPERVISOR or role == Role.SUPERVISOR.value or getattr(who, "kind", "") == "supervisor":
        return Viewer.OFFICE
    return Viewer.BUREAU


def sees_identity(ticket: Ticket, viewer: Viewer) -> bool:
    """Whether `viewer` may see who is behind `ticket`."""
    return viewer is Viewer.OFFICE or not ticket.confidential


def identity_searchable(viewer: Viewer) -> ColumnElement[bool]:
    """SQL: the tickets whose company `viewer` may find by name (a search must not answer for a 保密件)."""
    return true() if viewer is Viewer.OFFICE else Ticket.confidential.is_(False)


@dataclass(frozen=True)
class Party:
    """The business as one viewer sees it: its fields, or "保密件" in each."""

    company_name: str
    credit_code: str
    contact_name: str
    phone: str
    email: str
    hidden: bool  # confidential, and this viewer may not see who it is
    confidential: bool

    @property
    def who(self) -> str:
        """One name for a list: the company, or the contact for a person."""
        return self.company_name or self.contact_name


def party(ticket: Ticket, viewer: Viewer) -> Party:
    """The business behind `ticket` as `viewer` may see it."""
    if sees_identity(ticket, viewer):
        return Party(ticket.company_name, ticket.credit_code, ticket.contact_name, ticket.phone, ticket.email,
                     False, ticket.confidential)
    return Party(CONFIDENTIAL, CONFIDENTIAL, CONFIDENTIAL, CONFIDENTIAL, CONFIDENTIAL if ticket.email else "",
                 True, True)
