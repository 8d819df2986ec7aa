"""A running deadline as every reader sees it, the business and staff alike: the working days left
(today not counted), 今日到期 on the day itself, 已逾期 after it, and whether the deadline may still
move because its year's State Council holiday arrangement has not been entered yet. The wording is
written once, here and in templates/tickets/_deadline.html."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.tickets.workdays import Calendar, tentative


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    left: int  # working days after today up to and including `due`; negative when past
    overdue: bool
    tentative: bool  # in a year the State Council's arrangement is not entered for: may move

    @property
    def state(self) -> str:
        """`overdue`, `today` or `running`."""
        if self.overdue:
            return "overdue"
        return "today" if self.left == 0 else "running"

    @property
    def words(self) -> str:
        """剩 N 个工作日, 今日到期, or 已逾期 N 个工作日 (a deadline passed over a weekend: 已逾期)."""
        if self.overdue:
            return _("已逾期 %(days)s 个工作日", days=-self.left) if self.left < 0 else _("已逾期")
        if self.left == 0:
            return _("今日到期")
        return _("剩 %(days)s 个工作日", days=self.left)


class Deadlines:
    """Deadlines as of one day, the calendar loaded once and each year's state asked once (a list
    shows many tickets)."""

    def __init__(self, session: Session, today: dt.date):
        self.session = session
        self.today = today
        self.calendar = Calendar.load(session)
        self._tentative: dict[int, bool] = {}

    def may_move(self, day: dt.date) -> bool:
        if day.year not in self._tentative:
            self._tentative[day.year] = tentative(self.session, day)
        return self._tentative[day.year]

    def __call__(self, due: dt.date | None) -> Deadline | None:
        if due is None:
            return None
        overdue = due < self.today
        left = -self.calendar.between(due, self.today) if overdue else self.calendar.between(self.today, due)
        return Deadline(due, left, overdue, self.may_move(due))
