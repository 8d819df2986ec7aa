"""What one account may see of one ticket, decided here and nowhere else: the workspace's pages, its
JSON and the attachment downloads all ask `sight()`.

- the supervising office: everything;
- the bureau holding the ticket: everything, and it handles the ticket;
- a co-bureau (协办, portal/tickets/cohandling.py): the subject, the description, the attachments and
  its own task. Never the business's company, credit code, contact name, phone or e-mail, nor the
  timeline (internal notes may quote them), the reply or the ratings;
- anyone else: nothing (the same 404 as a ticket that does not exist).
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.models import Role, User
from portal.tickets.cohandling import CohandlingTask  # noqa: F401  (maps Ticket.cohandling_tasks)
from portal.tickets.models import Ticket


@dataclass(frozen=True)
class Sight:
    """What a viewer sees of a ticket, and whether the holder's actions are theirs (as their role allows)."""

    kind: str  # office, holder, cohandler
    personal: bool  # the business's company, credit code, contact name, phone and e-mail
    history: bool  # the timeline with internal notes and staff names, the reply, the ratings
    handles: bool  # sign, reply, transfer … (the supervising office: note, ask for co-handling)


OFFICE = Sight("office", personal=True, history=True, handles=True)
HOLDER = Sight("holder", personal=True, history=True, handles=True)
COHANDLER = Sight("cohandler", personal=False, history=False, handles=False)


def sight(user: User, ticket: Ticket) -> Sight | None:
    """What `user` may see of `ticket`, or None when nothing (any other ticket is a 404 alike)."""
    if user.role is Role.SUPERVISOR:
        return OFFICE
    if not user.is_bureau_member:
        return None
    holder = ticket.bureau  # the relationship, not bureau_id: it is right before the change is flushed
    if holder is not None and holder.id == user.bureau_id:
        return HOLDER
    if any(task.asks(user.bureau_id) for task in ticket.cohandling_tasks):
        return COHANDLER
    return None
