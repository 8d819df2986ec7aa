"""Deadlines in working days on China's official calendar, and past the years the package knows."""
from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from portal.clock import as_of
from portal.tickets.models import CalendarOverride
from portal.tickets.services import file_ticket
from portal.tickets.validation import validate
from portal.tickets.workdays import Calendar, missing_years, statutory_days, tentative
from tests.tickets.conftest import form_data

D = dt.date


def test_national_day_2025_is_skipped_and_the_make_up_saturday_counts():
    calendar = Calendar()
    # Assigned Tue 30 Sep 2025; 1–8 Oct are holidays; Sat 11 Oct is a make-up workday (调休).
    assert calendar.add(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert calendar.add(D(2025, 9, 30), 3) == D(2025, 10, 11)
    assert calendar.add(D(2025, 9, 30), 10) == D(2025, 10, 21)


def test_a_make_up_sunday_is_a_working_day():
    # Fri 26 Sep 2025 + 1 working day: Sunday 28 Sep is worked before the holiday.
    assert Calendar().add(D(2025, 9, 26), 1) == D(2025, 9, 28)


def test_spring_festival_2026():
    calendar = Calendar()
    # Fri 13 Feb 2026: Sat 14 Feb is worked, 15–23 Feb are holidays.
    assert calendar.add(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert calendar.add(D(2026, 2, 13), 3) == D(2026, 2, 25)
    assert calendar.between(D(2026, 2, 13), D(2026, 2, 25)) == 3
    assert calendar.between(D(2026, 2, 25), D(2026, 2, 13)) == -3


def test_a_ticket_filed_on_24_december_2026_gets_a_deadline_in_2027():
    # chinesecalendar 1.11 knows no 2027: the statutory holidays count, so Fri 1 January (元旦) is off
    # without the operator entering it, unless the operator says it is worked.
    assert Calendar().add(D(2026, 12, 24), 10) == D(2027, 1, 8)
    worked_new_year = Calendar({D(2027, 1, 1): True})
    assert worked_new_year.add(D(2026, 12, 24), 10) == D(2027, 1, 7)


def test_an_override_wins_over_the_package():
    assert Calendar({D(2025, 10, 13): False}).add(D(2025, 10, 10), 2) == D(2025, 10, 14)


def test_the_operator_is_told_which_years_lack_the_official_calendar_until_confirmed(session, runner):
    assert missing_years(session, [2026, 2027]) == [2027]
    session.add(CalendarOverride(day=D(2027, 1, 1), workday=False, note="元旦"))
    session.commit()
    assert missing_years(session, [2026, 2027]) == [2027]  # one holiday entered is not the whole year
    assert runner.invoke(args=["calendar", "confirm", "2027"]).exit_code == 0
    assert missing_years(session, [2026, 2027]) == []


def test_calendar_commands_and_healthz(runner, session, client, index):
    with as_of(dt.datetime(2026, 11, 25, 10, 0)):  # healthz asks about this year and the next: 2026 and 2027
        result = runner.invoke(args=["calendar", "status"])
        assert "2027" in result.output and "缺少国务院节假日安排" in result.output
        assert client.get("/healthz").get_json()["calendar_missing_years"] == [2027]
    assert runner.invoke(args=["calendar", "set", "2027-01-01", "--holiday", "--note", "元旦"]).exit_code == 0
    assert Calendar.load(session).is_workday(D(2027, 1, 1)) is False


def test_between_agrees_with_counting_day_by_day_across_holidays_overrides_and_unknown_years():
    import random

    calendar = Calendar({dt.date(2027, 1, 1): False, dt.date(2027, 2, 6): True})
    rng = random.Random(11)

    def counted(start, end):
        if end < start:
            return -counted(end, start)
        return sum(calendar.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))

    for _ in range(2000):
        start = dt.date(2024, 6, 1) + dt.timedelta(days=rng.randint(0, 1200))
        end = dt.date(2024, 6, 1) + dt.timedelta(days=rng.randint(0, 1200))
        assert calendar.between(start, end) == counted(start, end), (start, end)


def new_ticket(session, **changes):
    data, errors = validate(session, form_data(**changes))
    assert not errors, errors
    ticket, _ = file_ticket(session, data)
    session.commit()
    return ticket


def test_a_ticket_assigned_on_31_december_2026_is_not_due_on_new_years_day_2027(session, routing_catalog):
    with as_of(dt.datetime(2026, 12, 31, 10, 0)):  # Thursday; Fri 1 January 2027 is 元旦
        ticket = new_ticket(session)
    assert ticket.sign_due == D(2027, 1, 4)
    assert ticket.reply_due == D(2027, 1, 15)  # a complaint: 10 working days, 1 January skipped


def test_a_complaint_filed_on_21_december_2026_is_due_on_5_january_2027(session, routing_catalog):
    with as_of(dt.datetime(2026, 12, 21, 10, 0)):  # Monday
        ticket = new_ticket(session, type="complaint")
    assert ticket.sign_due == D(2026, 12, 22)
    # 22–25, 28–31 December are 8 working days; Fri 1 January is 元旦; Mon 4 and Tue 5 January are 9 and 10.
    assert ticket.reply_due == D(2027, 1, 5)


def test_statutory_holidays_of_2027_and_their_substitute_days():
    calendar = Calendar()
    off = [
        D(2027, 1, 1),  # 元旦, Friday
        D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),  # 春节: 除夕 (Fri) to 正月初三 (Mon)
        D(2027, 2, 9), D(2027, 2, 10),  # 补假 for Sat 6 and Sun 7 February
        D(2027, 4, 5),  # 清明, Monday
        D(2027, 5, 1), D(2027, 5, 2),  # 劳动节, Saturday and Sunday
        D(2027, 5, 3), D(2027, 5, 4),  # their 补假
        D(2027, 6, 9),  # 端午 (农历五月初五), Wednesday
        D(2027, 9, 15),  # 中秋 (农历八月十五), Wednesday
        D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3),  # 国庆节, Friday to Sunday
        D(2027, 10, 4), D(2027, 10, 5),  # 补假 for Sat 2 and Sun 3 October
    ]
    worked = [D(2027, 1, 4), D(2027, 2, 4), D(2027, 2, 11), D(2027, 4, 6), D(2027, 5, 5), D(2027, 6, 8),
              D(2027, 6, 10), D(2027, 9, 14), D(2027, 9, 16), D(2027, 10, 6), D(2027, 1, 11)]
    assert [day for day in off if calendar.is_workday(day)] == []
    assert [day for day in worked if not calendar.is_workday(day)] == []
    assert calendar.is_workday(D(2027, 1, 9)) is False  # a plain Saturday


@pytest.mark.parametrize("year", range(2004, 2027))
def test_every_statutory_holiday_is_a_day_off_in_chinesecalendar(year):
    holidays = statutory_days(year).holidays
    assert len(holidays) >= 10  # 10 under the 1999 revision, or when 中秋节 falls on 国庆节
    assert [day for day in holidays if chinese_calendar.is_workday(day)] == []


def test_an_override_wins_over_a_statutory_holiday(session, runner):
    assert Calendar.load(session).is_workday(D(2027, 2, 9)) is False
    assert runner.invoke(args=["calendar", "set", "2027-02-09", "--workday", "--note", "春节调休"]).exit_code == 0
    assert Calendar.load(session).is_workday(D(2027, 2, 9)) is True
    assert runner.invoke(args=["calendar", "check", "2027-02-09"]).output == "2027-02-09 workday override\n"


@pytest.mark.parametrize("day, line", [
    ("2027-01-01", "2027-01-01 holiday statutory"),  # 元旦
    ("2027-02-10", "2027-02-10 holiday statutory"),  # 补假 for 春节
    ("2027-01-09", "2027-01-09 holiday weekend"),  # a plain Saturday
    ("2027-01-11", "2027-01-11 workday statutory"),  # a plain Monday, counted by the same rule
    ("2026-10-01", "2026-10-01 holiday official"),
    ("2026-02-14", "2026-02-14 workday official"),  # a make-up Saturday (调休)
    ("2026-12-21", "2026-12-21 workday official"),
])
def test_calendar_check_prints_the_day_the_answer_and_its_source(runner, session, day, line):
    result = runner.invoke(args=["calendar", "check", day])
    assert result.exit_code == 0, result.output
    assert result.output == line + "\n"


def test_calendar_check_refuses_a_bad_date(runner, session):
    result = runner.invoke(args=["calendar", "check", "2027-02-30"])
    assert result.exit_code != 0
    assert "2027-02-30" in result.output and "Traceback" not in result.output


def test_a_deadline_in_a_year_without_the_official_arrangement_is_tentative_until_confirmed(session, runner):
    assert tentative(session, D(2026, 12, 31)) is False
    assert tentative(session, D(2027, 1, 4)) is True
    assert runner.invoke(args=["calendar", "confirm", "2027"]).exit_code == 0
    assert tentative(session, D(2027, 1, 4)) is False
    assert tentative(session, D(2028, 1, 4)) is True
