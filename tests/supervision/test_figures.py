"""The figures kept as rows (portal/supervision/figures.py) against a full recount by the Python
judging the pages used before (portal/supervision/recount.py), after a random (seeded) run of every
kind of step (merges into a master, 并单, and channels included; 差评申诉 filed, upheld and dismissed;
the office's 回访, a bad one reopening the ticket; 协办 asked, answered, declined, late or never
answered) across 国庆 and 中秋 2025 (Oct 1-8 off, Sunday Sep 28 and Saturday Oct 11 worked), as of
several days; and the rebuild from the events writes the very same rows."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select, update

from portal.actors import BUSINESS, Actor
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.catalog.models import Bureau
from portal.clock import COUNTY_TZ, as_of
from portal.errors import DomainError
from portal.supervision import figures
from portal.supervision.callbacks import Resolution, callbacks_of, record_callback
from portal.supervision.ledger import ledger
from portal.supervision.models import FigureFact, HoldingFigure
from portal.supervision.recount import differences
from portal.supervision.scoreboard import scoreboard, total
from portal.supervision.services import route, urge
from portal.tickets import appeals, cohandling, services
from portal.tickets.merging import merge, rate_merged
from portal.tickets.models import Channel, Score, Ticket, TicketEvent, TicketState, TicketType
from portal.tickets.services import TicketInput
from tests import factories as f

S = TicketState
MASTER_STATES = (S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED)
MERGEABLE = (S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED)  # a reopened one too: its ratings stay its own
BUREAUS = ("scjgj", "zjj", "gdgs")


@pytest.fixture
def county(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("zjj", "县住建局"), f.bureau("gdgs", "国网会宁供电公司"),
        f.topic(), f.topic("jzxk", "办理建筑许可", lead="zjj"), f.topic("hddl", "获得电力", lead="gdgs"),
        f.topic("bhzxtzz", "保护中小投资者", lead=None)))
    session.commit()


class Run:
    """Random steps, each at its own moment, on random tickets; a step the rules refuse is skipped."""

    def __init__(self, session, seed: int):
        self.session, self.rng = session, random.Random(seed)
        self.moment = dt.datetime(2025, 9, 22, 9, 0, tzinfo=COUNTY_TZ)
        self.tickets: list[Ticket] = []
        self.office = Actor("supervisor", "督办员")
        self.taken: dict[str, int] = {}

    @property
    def day(self) -> dt.date:
        return self.moment.date()

    def staff(self, ticket: Ticket) -> Actor:
        return Actor("staff", "经办人", ticket.bureau)

    def bureau(self, but=None):
        return queries.bureau_by_code(self.session, self.rng.choice([c for c in BUREAUS if but is None or c != but.code]))

    def afterwards(self, t: Ticket) -> list:
        """The steps that count after the answer or beside it: 差评申诉 and its decision, the office's
        回访 (a bad one reopens the ticket), 协办 asked, answered, declined (late when taken after the
        task's deadline, or never)."""
        s, rng, office = self.session, self.rng, self.office
        found = []
        if t.state in (S.REPLIED, S.CLOSED) and not any(c.reached for c in callbacks_of(s, t)):
            found += [("callback", lambda: record_callback(
                s, t, office, rng.random() < 0.8, rng.choice(list(Resolution)), rng.choice(list(Score)), ""))]
        appealed = {a.rating_id: a for a in appeals.appeals_of(s, t)}
        if t.state not in (S.MERGED, S.SUBMITTED):
            bad = [r for r in t.ratings if r.score.bad and r.id not in appealed and r.bureau_id is not None]
            if bad:
                rated = Actor("staff", "经办人", s.get(Bureau, bad[-1].bureau_id))
                found += [("appeal", lambda: appeals.appeal(s, t, rated, "评价与诉求无关", self.day))]
            if any(a.decision is appeals.Decision.PENDING for a in appealed.values()):
                found += [("uphold", lambda: appeals.decide(s, t, office, True, "申诉成立")),
                          ("dismiss", lambda: appeals.decide(s, t, office, False, "申诉不成立"))]
        if t.state in (S.ASSIGNED, S.ACCEPTED, S.REOPENED) and rng.random() < 0.2:
            found.append(("cohandle", lambda: cohandling.ask(s, t, rng.choice([office, self.staff(t)]),
                                                            [self.bureau(t.bureau)], "请提供贵单位意见")))
        for task in (task for task in t.cohandling_tasks if task.open and t.state is not S.MERGED):
            if rng.random() < 0.7:  # a co-bureau in no hurry: some answer late, some never
                continue
            co = Actor("staff", "协办经办人", task.bureau)
            found += [("opinion", lambda co=co: cohandling.give_opinion(s, t, co, "经核实，该事项已按规定办理。")),
                      ("decline", lambda co=co: cohandling.decline(s, t, co, "不属本单位职责"))]
        return found

    def file(self) -> None:
        topic = queries.topic_by_code(self.session, self.rng.choice(["qykb", "jzxk", "hddl", "bhzxtzz"]))
        data = TicketInput(type=self.rng.choice(list(TicketType)), topic=topic, guide=None, subject="随机工单",
                           description="用于核对考核数据的随机工单。", company_name="", credit_code="",
                           contact_name="张先生", phone="13800000000", email="", publish=False)
        channel = self.rng.choice([Channel.WEB, Channel.WEB, Channel.HOTLINE, Channel.PHONE])
        actor = self.office if channel is Channel.PHONE else BUSINESS
        self.tickets.append(services.file_ticket(self.session, data, actor, channel=channel)[0])

    def choices(self, t: Ticket) -> list:
        s, rng, session = self.session, self.rng, self.session
        staff = self.staff(t) if t.bureau is not None else None
        steps = {
            S.DISPATCH: [("route", lambda: route(s, t, self.bureau(), self.office, "请办理", confirmed=True))],
            S.ASSIGNED: [("sign", lambda: services.sign(s, t, staff)),
                         ("return", lambda: services.return_to_dispatch(s, t, staff, "不属本单位", "三定方案")),
                         ("reject", lambda: services.reject(s, t, staff, "已进入诉讼程序"))],
            S.ACCEPTED: [("reply", lambda: services.reply(s, t, staff, "已办理完毕，请知悉并评价。")),
                         ("reply", lambda: services.reply(s, t, staff, "已办理完毕，请知悉并评价。")),
                         ("reject", lambda: services.reject(s, t, staff, "重复诉求")),
                         ("extend", lambda: services.request_extension(s, t, staff, rng.randint(1, 6), "需核查", self.day))],
            S.REPLIED: [("rate", lambda: services.rate(session, t, rng.choice(list(Score)), "")),
                        ("autoclose", lambda: services.autoclose(s, self.day))],
        }
        found = list(steps.get(t.state, []))
        if t.state is S.REOPENED:
            found = list(steps[S.ACCEPTED])
        found += self.afterwards(t)
        masters = [m for m in self.tickets if m is not t and m.state in MASTER_STATES]
        if t.state in MERGEABLE and masters and not t.repeats and rng.random() < 0.1:
            found.append(("merge", lambda: merge(s, t, rng.choice(masters), self.office, "同一事项重复反映")))
        if t.state is S.MERGED:
            found.append(("rate_merged", lambda: rate_merged(s, t, rng.choice(list(Score)), "", BUSINESS)))
        if t.state in (S.ASSIGNED, S.ACCEPTED, S.REOPENED):
            found += [("transfer", lambda: services.request_transfer(s, t, staff, self.bureau(t.bureau), "属其他部门")),
                      ("urge", lambda: urge(s, t, self.office, "请抓紧办理", self.day))]
            if t.transfer_requested:
                found += [("decide_transfer", lambda: services.decide_transfer(
                    s, t, self.office, rng.random() < 0.7, "审批意见", self.bureau(t.bureau)))] * 3
            if t.pending_extension_days:
                found += [("decide_extension", lambda: services.decide_extension(
                    s, t, self.office, rng.random() < 0.7, "审批意见"))] * 3
        return found

    def step(self) -> None:
        """File a ticket, or take a step: first its kind, among those some ticket allows now (so that
        the rarer kinds, an appeal's decision or a co-bureau's answer, are taken too), then one of them."""
        self.moment += dt.timedelta(hours=self.rng.uniform(0.2, 9))
        with as_of(self.moment):
            offered = [choice for t in self.tickets for choice in self.choices(t)]
            if not offered or self.rng.random() < 0.2:
                self.file()
                self.session.commit()
                return
            name = self.rng.choice(sorted({name for name, _ in offered}))
            action = self.rng.choice([action for kind, action in offered if kind == name])
            try:
                action()
            except DomainError:  # refused by the rules (a reply while a co-bureau's task runs, a late appeal …)
                self.session.rollback()
                return
            self.session.commit()
            self.taken[name] = self.taken.get(name, 0) + 1


def stored(session) -> tuple[list, list]:
    held = [tuple(getattr(r, c.key) for c in HoldingFigure.__table__.columns if c.key not in ("id", "filed_at"))
            for r in session.scalars(select(HoldingFigure).order_by(HoldingFigure.ticket_id, HoldingFigure.seq)
                                     .execution_options(populate_existing=True))]
    facts = sorted((r.ticket_id, r.bureau_id, r.day, r.kind) for r in session.scalars(select(FigureFact)))
    return held, facts


@pytest.mark.parametrize("seed", [3, 4])  # seeds whose run takes every kind of step, both decisions on appeals included
def test_the_kept_figures_equal_a_full_recount_after_random_steps(session, county, seed):
    run = Run(session, seed)
    for number in range(1, 361):
        run.step()
        if number % 60 == 0:
            assert differences(session, run.day) == []
    # every kind of step was taken, across the holidays
    assert set(run.taken) >= {"route", "sign", "return", "reject", "reply", "extend", "rate", "transfer",
                              "decide_transfer", "decide_extension", "urge", "autoclose", "merge", "callback",
                              "appeal", "uphold", "dismiss", "cohandle", "opinion", "decline"}, run.taken
    assert run.day > dt.date(2025, 10, 20)
    assert session.scalar(select(HoldingFigure.id).where(HoldingFigure.reopened.is_(True)).limit(1)) is not None
    assert session.scalar(select(TicketEvent.id).where(  # a bad callback reopened a ticket
        TicketEvent.action == "reopen", TicketEvent.public_text.startswith("经县营商环境办回访")).limit(1)) is not None
    assert appeals.upheld_ratings(session)
    assert any("late_cohandle" in row.problems and row.open for row in ledger(session, run.day))
    assert any("late_cohandle" in row.problems and not row.open for row in ledger(session, run.day))
    county = total(scoreboard(session, dt.date(2025, 9, 22), run.day, run.day))  # what was compared is not empty
    assert county.response_rate and county.resolution_rate and county.combined_satisfaction, county
    assert county.appeals_upheld and county.cohandle_on_time and county.cohandle_late and county.repeats, county
    for later in (0, 1, 4, 30):  # the verdicts that depend on the day move with it, the rows do not
        assert differences(session, run.day + dt.timedelta(days=later)) == []

    before = stored(session)
    assert len(before[0]) > 30 and len(before[1]) > 20
    figures.rebuild(session)
    session.commit()
    assert stored(session) == before
    assert differences(session, run.day) == []


def test_figures_check_reports_a_kept_figure_that_is_wrong_and_rebuild_mends_it(session, county, runner):
    run = Run(session, 3)
    for _ in range(80):
        run.step()
    signed = session.scalar(select(HoldingFigure.id).where(HoldingFigure.signed_on_time.is_(True)).limit(1))
    session.execute(update(HoldingFigure).where(HoldingFigure.id == signed).values(signed_on_time=False))
    session.commit()
    with as_of(run.moment):
        result = runner.invoke(args=["figures", "check"])
        assert result.exit_code == 1 and "不一致" in result.output, result.output
        assert "办理段" in runner.invoke(args=["figures", "rebuild"]).output
        result = runner.invoke(args=["figures", "check"])
    assert result.exit_code == 0 and "一致" in result.output, result.output
