"""Hot topics and early warning (/supervision/trends and the weekly digest).

For an ISO week (Monday to Sunday, county days) the tickets received (`received_at`: when the business
raised it, on any channel) are counted by topic, bureau, guide, channel and company, each against its
own baseline: its counts in the eight weeks before. A rise is flagged
by one test, `unusual_rise` (below). The words of the week's subjects and descriptions (segmented by
the search analyzer, function words out, each word counted once per ticket) are compared in the same
way; companies with three or more tickets in the 30 days up to the week's end are listed; and the
tickets the risk words flagged on arrival (portal.supervision.risks) are shown.

The figures are read from the tickets as they are now (who holds a ticket: its current bureau). A
confidential ticket's company is shown only to the supervising office: any other viewer's list of
companies leaves such tickets out.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.catalog.models import Bureau, Guide, Topic
from portal.clock import county_midnight
from portal.search.analyzer import words as analyzed_words
from portal.supervision.models import TicketRisk
from portal.tickets.models import Channel, Ticket, TicketEvent

BASELINE_WEEKS = 8
ALPHA = 0.01  # how unlikely by chance a count must be to be flagged
MIN_COUNT = 5  # fewer tickets than this in a week are never flagged: too few to act on
MIN_BASELINE = 0.5  # a key never seen before is judged against half a ticket a week, not against zero
MIN_RATIO = 1.5  # and a rise is at least half again the baseline
REPEAT_DAYS = 30
REPEAT_COUNT = 3  # companies with this many tickets in REPEAT_DAYS are listed
REPEAT_SHOWN = 50  # the most frequent of them
TOP_WORDS = 20

DIMENSIONS = [("topic", "领域"), ("bureau", "承办单位"), ("guide", "办事指南"), ("channel", "渠道"), ("company", "企业")]


def poisson_tail(count: int, mean: float) -> float:
    """P(X >= count) for X ~ Poisson(mean), summed upwards from `count` in log space (exact for small
    probabilities, no underflow for large means)."""
    if count <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    log_mean = math.log(mean)
    total = 0.0
    i = count
    while True:
        term = math.exp(-mean + i * log_mean - math.lgamma(i + 1))
        total += term
        if i > mean and term < 1e-12 * total:
            break
        i += 1
        if i > count + 10_000:
            break
    return min(total, 1.0)


def unusual_rise(count: int, baseline_mean: float, alpha: float = ALPHA, min_count: int = MIN_COUNT,
                 min_ratio: float = MIN_RATIO) -> tuple[bool, float]:
    """Whether `count` tickets in a week is a rise unlikely by chance against `baseline_mean`, the mean
    weekly count of the eight weeks before; returns (flagged, p).

    The test: one-sided Poisson, p = P(X >= count) for X ~ Poisson(max(baseline_mean, 0.5)); flagged
    when p < alpha (0.01), count >= min_count (5) and count >= min_ratio (1.5) x that mean. Why this one: tickets arrive one by one and
    independently enough that a week's count of one kind is well described by a Poisson count; the
    test needs nothing but the baseline's mean (eight weeks are too few to estimate a variance, which
    a z-score would need, and a z-score on counts of 0-10 is badly off); it is one-sided because only
    rises are warnings. The floor of 0.5 keeps a key never seen before from being flagged on its first
    ticket, and the minimum count keeps 2 tickets against 0.1 from being an alarm. Real weekly counts
    vary somewhat more than Poisson's (holidays, a campaign), which matters for big keys: 130 against a
    mean of 100 is p = 0.002 yet no news, so a rise must also be half again the mean. With about forty
    keys a week, alpha 0.01 gives a false alarm every few weeks, not every week."""
    mean = max(baseline_mean, MIN_BASELINE)
    p = poisson_tail(count, mean)
    return (count >= min_count and count >= min_ratio * mean and p < alpha), p


def iso_week(monday: dt.date) -> str:
    """2026-W47."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str | None) -> dt.date | None:
    """The Monday of an ISO week written 2026-W47, or None for anything else."""
    text = (text or "").strip().upper()
    if len(text) != 8 or not text.isascii() or text[4:6] != "-W" or not (text[:4] + text[6:]).isdigit():
        return None
    try:
        monday = dt.date.fromisocalendar(int(text[:4]), int(text[6:]), 1)
    except ValueError:
        return None
    return monday if 2000 <= monday.year < 2100 else None


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def last_complete_week(today: dt.date) -> dt.date:
    """The Monday of the last week that has ended by `today`."""
    return monday_of(today) - dt.timedelta(weeks=1)


@dataclass
class Row:
    """One key (a topic, a bureau, a guide, a company or a word) in the week against its baseline."""

    dimension: str
    key: str
    label: str
    count: int
    history: list[int]  # the eight baseline weeks, oldest first
    flagged: bool = False
    p: float = 1.0

    @property
    def baseline(self) -> float:
        return sum(self.history) / len(self.history) if self.history else 0.0

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.dimension]

    @property
    def ratio(self) -> float | None:
        return round(self.count / self.baseline, 1) if self.baseline else None


@dataclass(frozen=True)
class Repeat:
    """A company with several tickets in the 30 days up to the week's end: their numbers, oldest first."""

    name: str
    numbers: tuple[str, ...]


@dataclass
class Trends:
    week: dt.date  # its Monday
    weeks: list[dt.date]  # the baseline weeks and the week itself, oldest first
    totals: list[int]  # tickets received in each of `weeks`
    rows: dict[str, list[Row]]
    words: list[Row]
    repeats: list[Repeat]
    risks: list[TicketRisk]
    partial: bool = False  # the week has not ended yet
    flagged: list[Row] = field(default_factory=list)

    @property
    def end(self) -> dt.date:
        return self.week + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        return iso_week(self.week)


def _company_key(company: str, credit_code: str) -> str:
    return credit_code.strip().upper() or company.strip()


# The figures of a week, kept per process until a ticket is filed or moves (any new ticket or event):
# the office reloading the page, or the digest after it, does not count them again.
_FIGURES_KEPT: dict[tuple, tuple] = {}


def trends(session: Session, week: dt.date, today: dt.date, *, see_confidential: bool = True) -> Trends:
    """The week of Monday `week` against the eight weeks before it (see the module's docstring); the
    risk tickets are read afresh, the counts are kept until anything changes (`_FIGURES_KEPT`)."""
    latest = session.execute(select(select(func.max(Ticket.id)).scalar_subquery(),
                                    select(func.max(TicketEvent.id)).scalar_subquery())).one()
    key = (str(session.get_bind().url), week, see_confidential, *latest)
    figures = _FIGURES_KEPT.get(key)
    if figures is None:
        figures = _figures(session, week, see_confidential)
        if len(_FIGURES_KEPT) > 50:
            _FIGURES_KEPT.clear()
        _FIGURES_KEPT[key] = figures
    weeks, totals, rows, words, repeated, flagged = figures
    return Trends(week=week, weeks=weeks, totals=totals, rows=rows, words=words, repeats=repeated,
                  risks=risks_between(session, week, week + dt.timedelta(days=6)),
                  partial=today < week + dt.timedelta(days=6), flagged=flagged)


def _figures(session: Session, week: dt.date, see_confidential: bool) -> tuple:
    """One pass over the span's tickets, reading only the columns counted (no ticket is loaded)."""
    first = week - dt.timedelta(weeks=BASELINE_WEEKS)
    weeks = [first + dt.timedelta(weeks=i) for i in range(BASELINE_WEEKS + 1)]
    bounds = [county_midnight(monday) for monday in weeks[1:]]
    end = week + dt.timedelta(days=6)
    repeat_from = county_midnight(end - dt.timedelta(days=REPEAT_DAYS - 1))
    columns = [Ticket.id, Ticket.number, Ticket.received_at, Ticket.topic_id, Ticket.bureau_id, Ticket.guide_id,
               Ticket.channel, Ticket.company_name, Ticket.credit_code, Ticket.confidential]
    totals = [0] * (BASELINE_WEEKS + 1)
    spans: dict[int, list[int]] = {}
    counts: dict[tuple[str, object], list[int]] = defaultdict(lambda: [0] * (BASELINE_WEEKS + 1))
    companies: dict[str, str] = {}
    recent: dict[str, list[str]] = defaultdict(list)
    for row in session.execute(select(*columns).where(Ticket.received_at >= county_midnight(first),
                                                      Ticket.received_at < county_midnight(week + dt.timedelta(days=7)))
                               .order_by(Ticket.received_at, Ticket.id)):
        moment = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=dt.timezone.utc)
        i = bisect.bisect_right(bounds, moment)
        totals[i] += 1
        low, high = spans.get(i, (row.id, row.id))
        spans[i] = (min(low, row.id), max(high, row.id))
        counts[("topic", row.topic_id)][i] += 1
        if row.bureau_id is not None:
            counts[("bureau", row.bureau_id)][i] += 1
        if row.guide_id is not None:
            counts[("guide", row.guide_id)][i] += 1
        counts[("channel", row.channel.value)][i] += 1
        company = _company_key(row.company_name or "", row.credit_code or "")
        if not company or (row.confidential and not see_confidential):
            continue
        counts[("company", company)][i] += 1
        companies[company] = row.company_name
        if moment >= repeat_from:
            recent[company].append(row.number)
    names = _names(session, counts)
    rows: dict[str, list[Row]] = {name: [] for name, _ in DIMENSIONS}
    for (dimension, key), series in counts.items():
        label = {"company": lambda: companies[key], "channel": lambda: Channel(key).label}.get(
            dimension, lambda: names.get((dimension, key), str(key)))()
        rows[dimension].append(_judged(Row(dimension, str(key), label, series[-1], series[:-1])))
    for dimension in rows:
        rows[dimension].sort(key=lambda r: (not r.flagged, -r.count, -r.baseline, r.label))
    words = _word_rows(session, weeks, {i: (totals[i], *spans[i]) for i in spans})
    flagged = [r for name, _ in DIMENSIONS for r in rows[name] if r.flagged] + [w for w in words if w.flagged]
    repeated = sorted((Repeat(companies[key], tuple(numbers)) for key, numbers in recent.items()
                       if len(numbers) >= REPEAT_COUNT), key=lambda r: (-len(r.numbers), r.name))[:REPEAT_SHOWN]
    return weeks, totals, rows, words, repeated, flagged


def _judged(row: Row) -> Row:
    row.flagged, row.p = unusual_rise(row.count, row.baseline)
    return row


def _names(session: Session, counts) -> dict[tuple[str, object], str]:
    wanted: dict[str, set] = defaultdict(set)
    for dimension, key in counts:
        wanted[dimension].add(key)
    names = {}
    for dimension, model, label in (("topic", Topic, Topic.name), ("bureau", Bureau, Bureau.name),
                                    ("guide", Guide, Guide.title)):
        if wanted[dimension]:
            for key, name in session.execute(select(model.id, label).where(model.id.in_(wanted[dimension]))):
                names[(dimension, key)] = name
    return names


# Words of a week that has ended never change (subjects and descriptions are not edited): counted
# once per process and kept, keyed by the week's tickets (their number and lowest and highest id).
_WORDS_KEPT: dict[tuple, Counter] = {}


def _week_words(session: Session, monday: dt.date, span: tuple[int, int, int] | None) -> Counter:
    if span is None:
        return Counter()
    key = (str(session.get_bind().url), monday, *span)
    kept = _WORDS_KEPT.get(key)
    if kept is not None:
        return kept
    found: Counter = Counter()
    texts = select(Ticket.subject, Ticket.description).where(
        Ticket.received_at >= county_midnight(monday), Ticket.received_at < county_midnight(monday + dt.timedelta(weeks=1)))
    for subject, description in session.execute(texts):
        found.update({w for w in analyzed_words(f"{subject}\n{description}") if len(w) > 1 and not w.isdigit()})
    if len(_WORDS_KEPT) > 200:
        _WORDS_KEPT.clear()
    _WORDS_KEPT[key] = found
    return found


def _word_rows(session: Session, weeks: list[dt.date], spans: dict[int, tuple[int, int, int]]) -> list[Row]:
    by_week = [_week_words(session, monday, spans.get(i)) for i, monday in enumerate(weeks)]
    current = by_week[-1]
    rows = [_judged(Row("word", word, word, count, [c.get(word, 0) for c in by_week[:-1]]))
            for word, count in current.items()]
    rows.sort(key=lambda r: (not r.flagged, -r.count, r.label))
    return rows[:TOP_WORDS]


def risks_between(session: Session, start: dt.date, end: dt.date, limit: int | None = None) -> list[TicketRisk]:
    """Tickets flagged by risk words on arrival between two county days, newest first."""
    stmt = (select(TicketRisk).where(TicketRisk.at >= county_midnight(start),
                                     TicketRisk.at < county_midnight(end + dt.timedelta(days=1)))
            .order_by(TicketRisk.at.desc(), TicketRisk.ticket_id.desc()))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


COLUMNS = ["类别", "名称", "本周件数", "前8周平均", "前8周逐周（从早到晚）", "倍数", "P值（单侧泊松检验）", "异常上升"]
KIND_LABELS = {**dict(DIMENSIONS), "word": "高频词"}


def trends_table(result: Trends) -> list[list]:
    """Every row of every kind, for the Excel download."""
    table = []
    for row in [r for name, _ in DIMENSIONS for r in result.rows[name]] + result.words:
        table.append([KIND_LABELS[row.dimension], row.label, row.count, round(row.baseline, 2),
                      " ".join(str(n) for n in row.history), row.ratio, round(row.p, 5), "是" if row.flagged else ""])
    return table


def forget() -> None:
    """Drop what this process kept (the tests empty the tables between tests, and ids start again)."""
    _FIGURES_KEPT.clear()
    _WORDS_KEPT.clear()
