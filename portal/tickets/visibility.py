"""Kept only as a name: what a viewer may see of a ticket, the 保密件 rule among it, is decided in
portal/tickets/viewers.py; import from there. `Viewer` is re-exported here because
portal/tickets/similar.py (changed on another branch just now), its benchmark and its tests import it
from this module; once they import it from viewers, this module goes."""
from __future__ import annotations

from portal.tickets.viewers import Viewer

__all__ = ["Viewer"]
