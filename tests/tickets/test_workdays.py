"""Deadlines in working days on China's official calendar, and past the years the package knows."""
from __future__ import annotations

import datetime as dt

from portal.tickets.models import CalendarOverride
from portal.tickets.workdays import Calendar, missing_years

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
    # chinesecalendar 1.11 knows no 2027: Monday to Friday is counted, so 1 January is a working day
    # unless the operator enters it.
    assert Calendar().add(D(2026, 12, 24), 10) == D(2027, 1, 7)
    with_new_year = Calendar({D(2027, 1, 1): False})
    assert with_new_year.add(D(2026, 12, 24), 10) == D(2027, 1, 8)


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
    result = runner.invoke(args=["calendar", "status"])
    assert "2027" in result.output and "缺少国务院节假日安排" in result.output
    assert 2027 in client.get("/healthz").get_json()["calendar_missing_years"]
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
