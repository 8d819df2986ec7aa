"""What one account may see of one ticket, decided here and nowhere else: the workspace's pages and
lists, its JSON, the attachment downloads, the desk (intake, repeats, merging) and the office's ledger
and its exports all ask here.

- the supervising office: everything;
- the bureau holding the ticket: everything, and it handles the ticket;
- a co-bureau (协办, portal/tickets/cohandling.py): the subject, the description, the attachments and
  its own task. Never the business's company, credit code, contact name, phone or e-mail, nor the
  timeline (internal notes may quote them), the reply or the ratings;
- anyone else: nothing (the same 404 as a ticket that does not exist).

A confidential ticket (保密件, GB/T 33358; the 12345 hotline's rules) moreover hides who the business
is — the contact's name, phone and e-mail, the company's name and credit code — from every bureau, the
holder and the co-bureaus alike, who are shown only "保密件"; the supervising office sees everything and
relays between them. Attachments (a licence, a letter) may show the business, so they go with its
identity. That is `Sight.identity`, and for many tickets at once (a list, a search) `shows_identity()`
and its SQL twin `identity_searchable()`: one rule. The business's own view (tracking page, its mail) is
not a staff view and is unchanged. Mail to a bureau (urges, reminders) carries no personal data of any
ticket, only its number and subject, and "（保密件）" for a confidential one.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, true

from portal.accounts.models import Role, User
from portal.tickets.cohandling import CohandlingTask  # noqa: F401  (maps Ticket.cohandling_tasks)
from portal.tickets.models import Ticket

CONFIDENTIAL = "保密件"


class Viewer(enum.Enum):
    """Who looks at many tickets at once (a list, a search, likely repeats): the office or a bureau."""

    OFFICE = "office"  # the supervising office: sees everything
    BUREAU = "bureau"  # a bureau's staff: the holder or a co-bureau


def viewer_of(user: User) -> Viewer:
    """The viewer a staff account is: the supervisor is the office, anyone else a bureau."""
    return Viewer.OFFICE if user.role is Role.SUPERVISOR else Viewer.BUREAU


def shows_identity(viewer: Viewer, ticket: Ticket) -> bool:
    """The 保密件 rule: whether `viewer` may see who is behind `ticket` (its data and its attachments)."""
    return viewer is Viewer.OFFICE or not ticket.confidential


def identity_searchable(viewer: Viewer) -> ColumnElement[bool]:
    """The same rule in SQL: the tickets whose company `viewer` may find by name (a search must not
    answer for a 保密件)."""
    return true() if viewer is Viewer.OFFICE else Ticket.confidential.is_(False)


@dataclass(frozen=True)
class Sight:
    """What a viewer sees of a ticket, and whether the holder's actions are theirs (as their role allows)."""

    kind: str  # office, holder, cohandler
    personal: bool  # the business's company, credit code, contact name, phone and e-mail are on the page
    history: bool  # the timeline with internal notes and staff names, the reply, the ratings
    handles: bool  # sign, reply, transfer … (the supervising office: note, ask for co-handling)
    identity: bool = True  # who the business is: the real values where `personal` shows them ("保密件"
    # otherwise), and the attachments; False for a 保密件 seen by a bureau

    @property
    def viewer(self) -> Viewer:
        return Viewer.OFFICE if self.kind == "office" else Viewer.BUREAU

    @property
    def cohandles(self) -> bool:
        """A co-bureau's sight: its own page, without the business."""
        return self.kind == "cohandler"


OFFICE = Sight("office", personal=True, history=True, handles=True)
HOLDER = Sight("holder", personal=True, history=True, handles=True)
COHANDLER = Sight("cohandler", personal=False, history=False, handles=False)


def sight(user: User, ticket: Ticket) -> Sight | None:
    """What `user` may see of `ticket`, or None when nothing (any other ticket is a 404 alike)."""
    if viewer_of(user) is Viewer.OFFICE:
        seen = OFFICE
    elif not user.is_bureau_member:
        return None
    elif (holder := ticket.bureau) is not None and holder.id == user.bureau_id:
        seen = HOLDER  # the relationship, not bureau_id: it is right before the change is flushed
    elif any(task.asks(user.bureau_id) for task in ticket.cohandling_tasks):
        seen = COHANDLER
    else:
        return None
    return seen if shows_identity(seen.viewer, ticket) else replace(seen, identity=False)


def sees_as_holder(user: User, ticket: Ticket) -> bool:
    """Whether `user` sees `ticket` as its holder bureau or the office do (with the business's section),
    not only as a co-bureau: who may open it from the intake's answer or merge into it."""
    seen = sight(user, ticket)
    return seen is not None and seen.personal


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


def party(ticket: Ticket, identity: bool) -> Party:
    """The business behind `ticket`, shown (`identity`: `Sight.identity` or `shows_identity()`) or hidden."""
    if identity:
        return Party(ticket.company_name, ticket.credit_code, ticket.contact_name, ticket.phone, ticket.email,
                     False, ticket.confidential)
    return Party(CONFIDENTIAL, CONFIDENTIAL, CONFIDENTIAL, CONFIDENTIAL, CONFIDENTIAL if ticket.email else "",
                 True, True)
