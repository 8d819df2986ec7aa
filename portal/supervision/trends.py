"""Hot topics and early warning (/supervision/trends and the weekly digest).

For an ISO week (Monday to Sunday, county days) the tickets received (`received_at`: when the business
raised it, on any channel) are counted by topic, bureau, guide, channel and company, each against its
own baseline: its counts in the eight weeks before. A rise is flagged
by one test, `unusual_rise` (below). The words of the week's subjects and descriptions (segmented by
the search analyzer as each ticket is filed and kept in `ticket_words`, function words out, each word
counted once per ticket) are compared in the same way; companies with three or more tickets in the 30 days up to the week's end are listed; and the
tickets the risk words flagged on arrival (portal.supervision.risks) are shown.

The figures are read from the tickets as they are now (who holds a ticket: its current bureau). A
confidential ticket's company is shown only to the supervising office: any other viewer's list of
companies leaves such tickets out.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from portal.catalog.models import Bureau, Guide, Topic
from portal.changes import watch
from portal.clock import county_midnight, local
from portal.search.analyzer import words as analyzed_words
from portal.supervision.models import TicketRisk, TicketWords
from portal.tickets.models import Channel, Ticket, TicketEvent

BASELINE_WEEKS = 8
ALPHA = 0.01  # how unlikely by chance a count must be to be flagged
MIN_COUNT = 5  # fewer tickets than this in a week are never flagged: too few to act on
MIN_BASELINE = 0.5  # a key never seen before is judged against half a ticket a week, not against zero
MIN_RATIO = 1.5  # and a rise is at least half again the baseline
REPEAT_DAYS = 30
REPEAT_COUNT = 3  # companies with this many tickets in REPEAT_DAYS are listed
REPEAT_SHOWN = 50  # the most frequent of them
REPEAT_NUMBERS = 10  # the numbers shown for each: its latest tickets
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
    """A company with several tickets in the 30 days up to the week's end: how many, and the numbers of
    the latest REPEAT_NUMBERS of them, oldest first."""

    name: str
    count: int
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
    """The span's counts added up in SQL (grouped by week, then by each dimension): no ticket is loaded,
    and the cost grows with the number of distinct keys, not of tickets."""
    first = week - dt.timedelta(weeks=BASELINE_WEEKS)
    weeks = [first + dt.timedelta(weeks=i) for i in range(BASELINE_WEEKS + 1)]
    span = (Ticket.received_at >= county_midnight(first), Ticket.received_at < county_midnight(week + dt.timedelta(days=7)))
    which = case(*((Ticket.received_at < county_midnight(monday), i) for i, monday in enumerate(weeks[1:])),
                 else_=BASELINE_WEEKS).label("which")
    totals = [0] * (BASELINE_WEEKS + 1)
    spans: dict[int, tuple[int, int, int]] = {}
    counts: dict[tuple[str, object], list[int]] = defaultdict(lambda: [0] * (BASELINE_WEEKS + 1))
    keys = (Ticket.topic_id, Ticket.bureau_id, Ticket.guide_id, Ticket.channel)
    for row in session.execute(select(which, *keys, func.count(), func.min(Ticket.id), func.max(Ticket.id))
                               .where(*span).group_by(which, *keys)):
        i, topic, bureau, guide, channel, n, low, high = row
        totals[i] += n
        known = spans.get(i, (0, low, high))
        spans[i] = (known[0] + n, min(known[1], low), max(known[2], high))
        for dimension, key in (("topic", topic), ("bureau", bureau), ("guide", guide), ("channel", channel.value)):
            if key is not None:
                counts[(dimension, key)][i] += n
    companies: dict[str, str] = {}
    shown = [or_(Ticket.company_name != "", Ticket.credit_code != "")] + (
        [] if see_confidential else [Ticket.confidential.is_(False)])
    for i, name, code, n in session.execute(select(which, Ticket.company_name, Ticket.credit_code, func.count())
                                            .where(*span, *shown).group_by(which, Ticket.company_name, Ticket.credit_code)):
        key = _company_key(name or "", code or "")
        counts[("company", key)][i] += n
        companies[key] = name
    names = _names(session, counts)
    rows: dict[str, list[Row]] = {name: [] for name, _ in DIMENSIONS}
    for (dimension, key), series in counts.items():
        label = {"company": lambda: companies[key], "channel": lambda: Channel(key).label}.get(
            dimension, lambda: names.get((dimension, key), str(key)))()
        rows[dimension].append(_judged(Row(dimension, str(key), label, series[-1], series[:-1])))
    for dimension in rows:
        rows[dimension].sort(key=lambda r: (not r.flagged, -r.count, -r.baseline, r.label))
    words = _word_rows(session, weeks, spans)
    flagged = [r for name, _ in DIMENSIONS for r in rows[name] if r.flagged] + [w for w in words if w.flagged]
    return weeks, totals, rows, words, _repeats(session, week + dt.timedelta(days=6), shown), flagged


def _repeats(session: Session, end: dt.date, shown: list) -> list[Repeat]:
    """Companies with REPEAT_COUNT tickets or more in the REPEAT_DAYS up to `end`: counted in SQL, then
    the latest numbers of the most frequent REPEAT_SHOWN read (a window function, both databases)."""
    within = (Ticket.received_at >= county_midnight(end - dt.timedelta(days=REPEAT_DAYS - 1)),
              Ticket.received_at < county_midnight(end + dt.timedelta(days=1)), *shown)
    found: dict[str, list] = {}  # key: [name, tickets, its (name, credit code) spellings, its latest]
    for name, code, n in session.execute(select(Ticket.company_name, Ticket.credit_code, func.count())
                                         .where(*within).group_by(Ticket.company_name, Ticket.credit_code)):
        company = found.setdefault(_company_key(name or "", code or ""), [name, 0, [], []])
        company[1] += n
        company[2].append((name, code))
    frequent = sorted((key for key, (_, n, _, _) in found.items() if n >= REPEAT_COUNT),
                      key=lambda key: (-found[key][1], found[key][0]))[:REPEAT_SHOWN]
    if not frequent:
        return []
    pairs = [pair for key in frequent for pair in found[key][2]]
    latest = func.row_number().over(partition_by=(Ticket.company_name, Ticket.credit_code),
                                    order_by=(Ticket.received_at.desc(), Ticket.id.desc())).label("latest")
    ranked = (select(Ticket.company_name, Ticket.credit_code, Ticket.number, Ticket.received_at, Ticket.id, latest)
              .where(*within, tuple_(Ticket.company_name, Ticket.credit_code).in_(pairs)).subquery())
    for name, code, number, moment, key_id in session.execute(
            select(ranked.c.company_name, ranked.c.credit_code, ranked.c.number, ranked.c.received_at, ranked.c.id)
            .where(ranked.c.latest <= REPEAT_NUMBERS)):
        found[_company_key(name or "", code or "")][3].append((local(moment), key_id, number))
    repeats = []
    for key in frequent:
        name, n, _, numbers = found[key]
        numbers = sorted(numbers)[-REPEAT_NUMBERS:]
        repeats.append(Repeat(name, n, tuple(number for _, _, number in numbers)))
    return repeats


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


def ticket_words(subject: str, description: str) -> str:
    """What `TicketWords` keeps of a ticket's text: its words worth counting, each once."""
    return " ".join(dict.fromkeys(w for w in analyzed_words(f"{subject}\n{description}")
                                  if len(w) > 1 and not w.isdigit()))


def _weeks_words(session: Session, weeks: list[dt.date], spans: dict[int, tuple[int, int, int]]) -> list[Counter]:
    """Each week's words, counted once per ticket: a week counted before (with the same tickets) is
    taken as kept; the others are read together, one query for the kept words and one for tickets filed
    before revision 0018 (segmented now)."""
    url = str(session.get_bind().url)
    keys = [(url, monday, *spans[i]) if i in spans else None for i, monday in enumerate(weeks)]
    found = [_WORDS_KEPT.get(key, Counter()) if key else Counter() for key in keys]
    missing = [i for i, key in enumerate(keys) if key and key not in _WORDS_KEPT]
    if not missing:
        return found
    bounds = [county_midnight(weeks[i]) for i in missing]
    which = case(*((Ticket.received_at < county_midnight(weeks[i] + dt.timedelta(weeks=1)), i) for i in missing))
    inside = or_(*(and_(Ticket.received_at >= low, Ticket.received_at < county_midnight(weeks[i] + dt.timedelta(weeks=1)))
                   for i, low in zip(missing, bounds)))
    for i, kept_words in session.execute(select(which, TicketWords.words)
                                         .join(Ticket, TicketWords.ticket_id == Ticket.id).where(inside)):
        found[i].update(kept_words.split())
    for i, subject, description in session.execute(
            select(which, Ticket.subject, Ticket.description).outerjoin(TicketWords, TicketWords.ticket_id == Ticket.id)
            .where(inside, TicketWords.ticket_id.is_(None))):
        found[i].update(ticket_words(subject, description).split())
    if len(_WORDS_KEPT) > 200:
        _WORDS_KEPT.clear()
    for i in missing:
        _WORDS_KEPT[keys[i]] = found[i]
    return found


def keep_missing_words(session: Session, batch: int = 2000) -> int:
    """Write the words of every ticket that has none kept (filed before revision 0018); returns how many."""
    written = 0
    while True:
        missing = session.execute(select(Ticket.id, Ticket.subject, Ticket.description)
                                  .outerjoin(TicketWords, TicketWords.ticket_id == Ticket.id)
                                  .where(TicketWords.ticket_id.is_(None)).order_by(Ticket.id).limit(batch)).all()
        if not missing:
            return written
        session.execute(insert(TicketWords), [dict(ticket_id=ticket_id, words=ticket_words(subject, description))
                                              for ticket_id, subject, description in missing])
        written += len(missing)


def _keep_words_of_new_tickets(session: Session, state: dict) -> None:
    """On each flush of a filing: a new ticket's words are kept in the same flush."""
    for ticket in [obj for obj in session.new if isinstance(obj, Ticket) and obj not in state.setdefault("seen", set())]:
        state["seen"].add(ticket)
        session.add(TicketWords(ticket=ticket, words=ticket_words(ticket.subject or "", ticket.description or "")))


watch("trend_words", _keep_words_of_new_tickets)


def _word_rows(session: Session, weeks: list[dt.date], spans: dict[int, tuple[int, int, int]]) -> list[Row]:
    by_week = _weeks_words(session, weeks, spans)
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
