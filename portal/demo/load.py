"""Realistic load: `flask --app portal demo tickets --count N --days D [--seed S]` writes N tickets over
the last D days through the same services as live work, each step at its own moment (`clock.as_of`),
as the demo does: the demo's topics and bureaus, every ticket type, delays that are sometimes late,
returns to the office and routing again, transfers approved and refused, extensions, urges, ratings
(bad ones reopen the ticket), rejections, the channels they came by (the form, the 12345 hotline,
staff taking calls, letters and visits, WeChat, the API, Open311) and repeats merged into an earlier
ticket (并单); the most recent ones still open. The same seed writes the
same tickets. Never in production."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.actors import Actor
from portal.catalog.models import Bureau, Topic
from portal.clock import COUNTY_TZ, as_of, now
from portal.demo.tickets import TICKETS
from portal.errors import Invalid, Refused
from portal.supervision.services import route, urge
from portal.tickets import services
from portal.tickets.merging import merge
from portal.tickets.models import Channel, Score, Ticket, TicketState, TicketType
from portal.tickets.services import TicketInput

T = TicketType
C = Channel
DEFAULT_SEED = 16
# how tickets come in: the form most, then the 12345 hotline and staff taking calls, letters, visits
CHANNELS = [C.WEB] * 45 + [C.HOTLINE] * 15 + [C.PHONE] * 14 + [C.WECHAT] * 8 + [C.API] * 6 + [C.OPEN311] * 4 + (
    [C.VISIT] * 5) + [C.LETTER] * 3
TAKEN_BY_STAFF = (C.PHONE, C.LETTER, C.VISIT)
TYPES = ([T.COMPLAINT] * 35) + ([T.CONSULTATION] * 30) + ([T.HELP] * 25) + ([T.SUGGESTION] * 10)
SCORES = ([Score.VERY_SATISFIED] * 35) + ([Score.SATISFIED] * 30) + ([Score.BASIC] * 20) + (
    [Score.DISSATISFIED] * 10) + ([Score.VERY_DISSATISFIED] * 5)
SIGN_DAYS = (0.05, 0.2, 0.4, 0.9, 1.2, 2.5, 4)  # the last ones miss a one-working-day sign deadline
REPLY_DAYS = (0.5, 1, 2, 3, 5, 7, 10, 14, 20, 30)
COMPANIES = 400  # some file often: a few companies file most tickets, as in life
MASTER_STATES = (TicketState.ASSIGNED, TicketState.ACCEPTED, TicketState.REOPENED)
PHRASES = [(subject, description) for _, _, _, subject, description, _, _ in TICKETS]


@dataclass
class Cast:
    """Who acts: a staff account of each bureau (or a named stand-in), the office, the business."""

    staff: dict[int, Actor]
    office: Actor
    bureaus: list[Bureau]
    topics: list[Topic]

    @classmethod
    def load(cls, session: Session) -> Cast:
        bureaus = list(session.scalars(select(Bureau).order_by(Bureau.id)))
        users = {}
        for user in session.scalars(select(User).where(User.role == Role.STAFF).order_by(User.id)):
            users.setdefault(user.bureau_id, user)
        staff = {b.id: users[b.id].as_actor() if b.id in users else Actor("staff", f"{b.name}经办人", b)
                 for b in bureaus}
        office = session.scalars(select(User).where(User.role == Role.SUPERVISOR).order_by(User.id)).first()
        return cls(staff, office.as_actor() if office else Actor("supervisor", "县营商环境办"), bureaus,
                   list(session.scalars(select(Topic).order_by(Topic.id))))


class Story:
    """One ticket's life, each step at its own moment; steps that would fall after now are not taken."""

    def __init__(self, session: Session, rng: random.Random, cast: Cast, filed: dt.datetime, until: dt.datetime):
        self.session, self.rng, self.cast, self.moment, self.until = session, rng, cast, filed, until
        self.ticket: Ticket | None = None

    def at(self, days: float, action: Callable[[], object]) -> bool:
        """Take `action` `days` after the previous step, if that moment has come."""
        self.moment += dt.timedelta(days=days)
        if self.moment > self.until:
            return False
        with as_of(self.moment):
            action()
        return True

    @property
    def staff(self) -> Actor:
        return self.cast.staff[self.ticket.bureau.id]

    def other_bureau(self) -> Bureau:
        return self.rng.choice([b for b in self.cast.bureaus if b is not self.ticket.bureau])

    def file(self, number: int, topic: Topic | None = None) -> None:
        """File the ticket: of a random type and topic, or a complaint about `topic` (a surge's)."""
        rng, session = self.rng, self.session
        subject, description = rng.choice(PHRASES)
        company = min(int(rng.paretovariate(1.2)), COMPANIES)
        data = TicketInput(type=T.COMPLAINT if topic else rng.choice(TYPES), topic=topic or rng.choice(self.cast.topics),
                           guide=None,
                           subject=subject, description=description,
                           company_name=f"会宁县示例{company}号有限公司" if rng.random() < 0.85 else "",
                           credit_code="", contact_name=rng.choice(["张先生", "李女士", "王先生", "赵女士"]),
                           phone=f"138{number % 100000000:08d}", email="", publish=rng.random() < 0.3)
        channel = rng.choice(CHANNELS)
        with as_of(self.moment):
            if channel in TAKEN_BY_STAFF:  # recorded by the office's staff, some minutes after it came
                self.ticket = services.file_ticket(
                    session, data, self.cast.office, channel=channel,
                    received_at=self.moment - dt.timedelta(minutes=rng.randint(5, 120)), note="代为登记；诉求人同意个人信息使用说明。")[0]
            else:
                self.ticket = services.file_ticket(session, data, channel=channel)[0]

    def route_from_queue(self) -> bool:
        """The office routes a ticket waiting in its queue to some bureau."""
        return self.at(self.rng.choice((0.1, 0.5, 1, 2)), lambda: route(
            self.session, self.ticket, self.other_bureau(), self.cast.office, "请贵单位办理。", confirmed=True))

    def live(self, earlier: list[Ticket]) -> None:
        rng, session = self.rng, self.session
        if self.ticket.bureau is None and not self.route_from_queue():
            return
        if rng.random() < 0.02:  # a repeat (重复诉求): merged into an earlier open ticket of the same bureau
            masters = [t for t in earlier[-50:] if t.bureau is self.ticket.bureau and t.state in MASTER_STATES]
            if masters:
                master = rng.choice(masters)
                self.at(rng.uniform(0.05, 1), lambda: self._quietly(lambda: merge(
                    session, self.ticket, master, self.staff, "同一企业就同一事项重复反映")))
                return
        roll = rng.random()
        if roll < 0.04:  # misrouted: sent back before signing, routed again
            if not self.at(rng.uniform(0.05, 1), lambda: services.return_to_dispatch(
                    session, self.ticket, self.staff, "不属本单位职责", "本单位“三定”规定")):
                return
            if not self.route_from_queue():
                return
        if rng.random() < 0.02:  # not admissible
            self.at(rng.uniform(0.1, 2), lambda: services.reject(session, self.ticket, self.staff, "已进入诉讼程序"))
            return
        if not self.at(rng.choice(SIGN_DAYS), lambda: services.sign(session, self.ticket, self.staff)):
            return
        if rng.random() < 0.06:  # a transfer asked for; approved four times in five
            to = self.other_bureau()
            if not self.at(rng.uniform(0.1, 2), lambda: services.request_transfer(
                    session, self.ticket, self.staff, to, "属其他部门职责")):
                return
            approve = rng.random() < 0.8
            if not self.at(rng.uniform(0.1, 2), lambda: services.decide_transfer(
                    session, self.ticket, self.cast.office, approve, "同意转办" if approve else "应由本单位办理")):
                return
            if approve and not self.at(rng.choice(SIGN_DAYS), lambda: services.sign(session, self.ticket, self.staff)):
                return
        if rng.random() < 0.08 and not self.extend():
            return
        if rng.random() < 0.03 and not self.at(rng.uniform(0.5, 5), lambda: self.urge()):
            return
        self.answer_and_rate(first=True)

    def extend(self) -> bool:
        rng, session = self.rng, self.session
        if not self.at(rng.uniform(0.1, 2), lambda: self._quietly(lambda: services.request_extension(
                session, self.ticket, self.staff, rng.randint(2, 10), "需现场核查", self.moment.astimezone(COUNTY_TZ).date()))):
            return False
        if self.ticket.pending_extension_days is None:  # past the deadline already: not asked
            return True
        approve = rng.random() < 0.75
        return self.at(rng.uniform(0.1, 1.5), lambda: services.decide_extension(
            session, self.ticket, self.cast.office, approve, "需现场核查，同意延期" if approve else "应在期限内办结"))

    def urge(self) -> None:
        self._quietly(lambda: urge(self.session, self.ticket, self.cast.office, "请抓紧办理并答复企业。",
                                   self.moment.astimezone(COUNTY_TZ).date()))

    @staticmethod
    def _quietly(action: Callable[[], object]) -> None:
        """A step the rules may refuse at that moment (an urge the same working day): skipped then."""
        try:
            action()
        except Refused:
            pass

    def answer_and_rate(self, first: bool) -> None:
        rng, session = self.rng, self.session
        if not self.at(rng.choice(REPLY_DAYS), lambda: services.reply(
                session, self.ticket, self.staff, "经核查，已按规定办理完毕，具体情况已电话告知贵单位。")):
            return
        if rng.random() < (0.75 if first else 0.6):
            score = rng.choice(SCORES)
            if not self.at(rng.uniform(0.05, 4), lambda: services.rate(session, self.ticket, score, "")):
                return
            if first and score.bad:  # reopened by the rating: answered again
                self.answer_and_rate(first=False)


@dataclass(frozen=True)
class Surge:
    """A week (its Monday, county days) in which one topic draws `factor` times its usual complaints."""

    topic: str  # the topic's code
    week: dt.date
    factor: float


def write_tickets(session: Session, count: int, days: int, seed: int = DEFAULT_SEED,
                  unit: Callable | None = None, batch: int = 200, surge: Surge | None = None) -> int:
    """Write `count` tickets filed over the `days` days before today, each step taken only if its
    moment is before today; `unit()` gives the context of one unit of work (a batch of tickets, one
    flush for each ticket's story after its filing); returns how many were written. With a `surge`,
    the surge's topic gets (factor - 1) times its share of that week's tickets more, as complaints
    spread over the week (written on top of `count`)."""
    rng = random.Random(seed)  # nosec B311: demo tickets from a seed, no secret
    # up to the start of today: the same seed writes the same tickets all day
    until = dt.datetime.combine(now().astimezone(COUNTY_TZ).date(), dt.time(0), tzinfo=COUNTY_TZ)
    start = until - dt.timedelta(days=days)
    moments: list[tuple[dt.datetime, int | None]] = sorted(  # (when, the surge's topic id)
        (start + dt.timedelta(seconds=rng.uniform(0, days * 86400)), None) for _ in range(count))
    if surge is not None:
        moments = sorted(moments + _surge_moments(session, rng, surge, moments, start, until), key=lambda m: m[0])
    written = 0
    for first in range(0, len(moments), batch):
        with unit():
            cast = Cast.load(session)
            topics = {topic.id: topic for topic in cast.topics}
            earlier: list[Ticket] = []
            for offset, (filed, topic) in enumerate(moments[first:first + batch]):
                story = Story(session, rng, cast, filed, until)
                with session.no_autoflush:  # two flushes a ticket, not one per query
                    story.file(first + offset, topics.get(topic))
                    session.flush()  # stored with its defaults (a reopening reads reopen_count)
                    story.live(earlier)
                session.flush()
                earlier.append(story.ticket)
                written += 1
        session.expunge_all()
    return written


def _surge_moments(session: Session, rng: random.Random, surge: Surge, moments: list, start: dt.datetime,
                   until: dt.datetime) -> list[tuple[dt.datetime, int]]:
    topic = session.scalars(select(Topic).where(Topic.code == surge.topic)).first()
    if topic is None:
        raise Invalid(f"没有代码为 {surge.topic} 的领域。", "surge")
    low = max(start, dt.datetime.combine(surge.week, dt.time(0), tzinfo=COUNTY_TZ))
    high = min(until, dt.datetime.combine(surge.week + dt.timedelta(days=7), dt.time(0), tzinfo=COUNTY_TZ))
    if low >= high:
        raise Invalid("激增的那一周不在写入的日期范围内。", "surge")
    usual = sum(1 for moment, _ in moments if low <= moment < high) / session.scalar(select(func.count()).select_from(Topic))
    extra = round(usual * (surge.factor - 1))
    span = (high - low).total_seconds()
    return [(low + dt.timedelta(seconds=rng.uniform(0, span)), topic.id) for _ in range(extra)]
