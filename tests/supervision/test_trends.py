"""Hot topics and early warning: the one test of a rise (against numbers worked out by hand), a week
with three times the usual complaints about power connections flagged on /supervision/trends and in the
Monday digest while a normal week is not, risk words flagged on filing, who may see the page, and the
Excel download. Every ticket is filed through the services at its own moment (`clock.as_of`)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from portal.accounts.models import Role
from portal.accounts.services import create_user
from portal.actors import OPERATOR, Actor
from portal.audit import AuditEntry
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import COUNTY_TZ, as_of
from portal.mail import MailMessage
from portal.supervision.models import RiskWord, TicketRisk, TrendDigest
from portal.supervision.risks import save_risk_words
from portal.supervision.trends import parse_week, poisson_tail, trends, unusual_rise
from portal.tickets import services
from portal.tickets.models import Channel, Ticket, TicketType
from portal.tickets.services import TicketInput
from tests import factories as f
from tests.forms import csrf_token
from tests.staff import PASSWORD, login, make_user

# The weeks of the history: ten ordinary weeks (Mondays 2026-09-07 … 2026-11-09, ISO weeks 37-46),
# then ISO week 47 (2026-11-16 … 22) with three times the usual complaints about 获得电力.
ORDINARY = [dt.date(2026, 9, 7) + dt.timedelta(weeks=i) for i in range(10)]
SPIKE = dt.date(2026, 11, 16)

POWER = ("厂房用电报装迟迟未接电", "我公司申请低压用电报装后一直未安排接电，影响投产。")
LICENCE = ("营业执照变更登记超时", "提交变更登记后至今没有结果。")
PERMIT = ("施工许可审批时间过长", "施工许可申请已提交三周仍未取得。")


def test_the_poisson_tail_against_numbers_worked_out_by_hand():
    # P(X >= 6 | mean 2) = 1 - e^-2 (1 + 2 + 2 + 4/3 + 2/3 + 4/15) = 1 - 0.1353353 × 7.2666667 = 0.0165636
    assert poisson_tail(6, 2.0) == pytest.approx(0.0165636, abs=1e-6)
    # minus P(X = 6) = e^-2 × 64/720 = 0.0120298: 0.0045338
    assert poisson_tail(7, 2.0) == pytest.approx(0.0045338, abs=1e-6)
    # P(X >= 1 | mean 3) = 1 - e^-3 = 0.9502129
    assert poisson_tail(1, 3.0) == pytest.approx(0.9502129, abs=1e-6)
    assert poisson_tail(0, 3.0) == 1.0
    # a large mean does not underflow. Ramanujan: P(X <= n-1 | n) = 1/2 - P(X = n)/3 (to 1/n), and
    # P(X = n) = 1/sqrt(2 pi n) (Stirling), so P(X >= 5000 | 5000) = 0.5 + 0.0056419/3 = 0.5018806
    assert poisson_tail(5000, 5000.0) == pytest.approx(0.5018806, abs=1e-5)


def test_a_rise_is_flagged_only_when_unlikely_by_chance_and_big_enough():
    assert unusual_rise(7, 2.0) == (True, pytest.approx(0.0045338, abs=1e-6))  # p < 0.01
    assert unusual_rise(6, 2.0)[0] is False  # p = 0.0166: could be chance
    assert unusual_rise(12, 4.0)[0] is True  # three times the usual: p = 0.00092
    assert unusual_rise(5, 4.0)[0] is False
    # never seen before: judged against half a ticket a week, P(X >= 5 | 0.5) = 0.000172
    flagged, p = unusual_rise(5, 0.0)
    assert flagged is True and p == pytest.approx(0.000172, abs=1e-6)
    assert unusual_rise(4, 0.0)[0] is False  # fewer than five tickets are never an alarm
    assert unusual_rise(3, 8.0)[0] is False  # a fall is no warning
    # a big key: 130 against 100 a week is unlikely by chance (normal approximation, z = 29.5 / 10 = 2.95,
    # p about 0.0016) but not half again the mean: no alarm; 150 is
    flagged, p = unusual_rise(130, 100.0)
    assert flagged is False and p < 0.01
    assert unusual_rise(150, 100.0)[0] is True


def test_weeks_are_read_as_iso_weeks_and_nonsense_is_ignored():
    assert parse_week("2026-W47") == dt.date(2026, 11, 16)
    assert parse_week("2026-w01") == dt.date(2025, 12, 29)
    for nonsense in ("", "2026-W54", "2026-47", "W47-2026", "２０２６-W47", "2026-W4x", "1999-W10"):
        assert parse_week(nonsense) is None


def _content(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("gdgs", "国网会宁供电公司"), f.bureau("zjj", "县住建局"),
        f.bureau("fgj", "县发改局", supervisor=True),
        f.topic(), f.topic("hddl", "获得电力", lead="gdgs"), f.topic("jzxk", "办理建筑许可", lead="zjj")))
    session.commit()


def _file(session, moment: dt.datetime, topic: str, subject: str, description: str, company: str = ""):
    with as_of(moment):
        data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, topic), guide=None,
                           subject=subject, description=description, company_name=company, credit_code="",
                           contact_name="张先生", phone="13800000000", email="", publish=False)
        return services.file_ticket(session, data)[0]


def _week(session, monday: dt.date, power: int, licence: int = 4, permit: int = 3):
    """A week's tickets, spread over its working days, at 10:00 county time."""
    for topic, (subject, description), count in (("hddl", POWER, power), ("qykb", LICENCE, licence),
                                                 ("jzxk", PERMIT, permit)):
        for i in range(count):
            _file(session, dt.datetime.combine(monday + dt.timedelta(days=i % 5), dt.time(10, i)), topic, subject,
                  description)


@pytest.fixture
def history(session):
    """Ten ordinary weeks (4 power complaints a week), then week 47 with 12, one of which speaks of
    unpaid wages, and one company filing three times in it."""
    _content(session)
    save_risk_words(session, OPERATOR, "群体 上访 欠薪 集体停工")
    for monday in ORDINARY:
        _week(session, monday, power=4)
    _week(session, SPIKE, power=11)
    _file(session, dt.datetime(2026, 11, 20, 15, 0), "hddl", "施工队欠薪又停电", "工地停电，施工队欠薪，工人要集体停工。",
          company="会宁县示例建筑有限公司")
    for day in (17, 18):
        _file(session, dt.datetime(2026, 11, day, 11, 0), "qykb", "再次反映变更登记", "上次反映的问题仍未解决。",
              company="会宁县示例建筑有限公司")
    session.commit()
    return session


def test_three_times_the_usual_complaints_are_flagged_and_a_normal_week_is_not(history):
    spike = trends(history, SPIKE, dt.date(2026, 11, 25))
    assert spike.totals == [11, 11, 11, 11, 11, 11, 11, 11, 21]
    flagged = {(r.dimension, r.label): (r.count, r.baseline) for r in spike.flagged}
    assert flagged[("topic", "获得电力")] == (12, 4.0)
    assert flagged[("bureau", "国网会宁供电公司")] == (12, 4.0)
    assert ("topic", "企业开办") not in flagged and ("topic", "办理建筑许可") not in flagged
    words = {r.label: r for r in spike.words}
    assert words["用电报装"].count == 11 and words["用电报装"].baseline == 4.0 and words["用电报装"].flagged
    assert [(r.name, len(r.numbers)) for r in spike.repeats] == [("会宁县示例建筑有限公司", 3)]
    assert [r.ticket.subject for r in spike.risks] == ["施工队欠薪又停电"]

    normal = trends(history, ORDINARY[-1], dt.date(2026, 11, 25))
    assert normal.totals == [11] * 9
    assert normal.flagged == []
    assert normal.repeats == [] and normal.risks == []


@pytest.fixture
def office(app, session):
    user = create_user(session, "dbz", PASSWORD, Role.SUPERVISOR, None, "督办员", "dbz@huining.test")
    session.commit()
    return user


def test_the_trends_page_flags_the_week_and_not_the_normal_one(history, office, client):
    login(client, "dbz")
    page = client.get("/supervision/trends?week=2026-W47")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    flagged = html.split('id="flagged-list"')[1].split("</ul>")[0]
    assert "领域：获得电力</strong> 本周 12 件，前8周平均 4.0 件（3.0 倍）" in flagged
    assert "企业开办" not in flagged
    assert 'id="chart-total"' in html and "<svg" in html
    assert "会宁县示例建筑有限公司" in html.split('id="repeat-companies"')[1]
    assert "施工队欠薪又停电" in html.split('id="risk-tickets"')[1]

    normal = client.get("/supervision/trends?week=2026-W46").get_data(as_text=True)
    assert 'id="no-flags"' in normal and 'id="flagged-list"' not in normal


def test_the_page_defaults_to_the_last_week_that_has_ended_and_ignores_a_bad_week(history, office, client):
    login(client, "dbz")
    with as_of(dt.datetime(2026, 11, 25, 10, 0)):
        default = client.get("/supervision/trends").get_data(as_text=True)
        nonsense = client.get("/supervision/trends?week=2026-W99x").get_data(as_text=True)
        future = client.get("/supervision/trends?week=2027-W10").get_data(as_text=True)
    assert "2026-W47（2026年11月16日至2026年11月22日）" in default
    assert "2026-W47（2026年11月16日至2026年11月22日）" in nonsense
    assert "2026-W48（2026年11月23日至2026年11月29日）" in future  # no later than this week
    assert "本周尚未结束" in future


def test_the_monday_digest_flags_the_week_once_and_a_normal_week_not(app, history, office, runner, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        with as_of(dt.datetime(2026, 11, 16, 8, 30)):  # Monday: the week before (W46) was ordinary
            first = runner.invoke(args=["tickets", "digest"])
        assert first.exit_code == 0, first.output
        assert "2026-W46 的周报已发送：1 封" in first.output
        inbox.wait_for(1)
        normal = inbox.messages[0]
        assert normal["To"] == "dbz@huining.test"
        assert "异常上升 0 项" in normal["Subject"]
        assert "- 无" in normal.get_content()

        with as_of(dt.datetime(2026, 11, 23, 8, 30)):
            second = runner.invoke(args=["tickets", "digest"])
        with as_of(dt.datetime(2026, 11, 23, 9, 45)):  # run again (a timer fired twice, a second host)
            again = runner.invoke(args=["tickets", "digest"])
        inbox.wait_for(2)
        assert "2026-W47 的周报已发送" in second.output
        assert "2026-W47 的周报已发送过，本次不再发送。" in again.output
        assert len(inbox.messages) == 2
        spike = inbox.messages[1]
        body = spike.get_content()
        assert "诉求周报 2026-W47" in spike["Subject"] and "异常上升" in spike["Subject"]
        assert "- 领域“获得电力”：本周 12 件，前8周平均 4.0 件（3.0 倍）" in body
        assert "企业开办" not in body.split("异常上升")[1].split("本周高频词")[0]
        assert "会宁县示例建筑有限公司：3 件" in body
        assert "施工队欠薪又停电（欠薪、集体停工）" in body
        assert "/supervision/trends?week=2026-W47" in body
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert history.scalar(select(func.count()).select_from(TrendDigest)) == 2


def test_the_digest_waits_for_an_address_of_the_office(app, history, runner):
    with as_of(dt.datetime(2026, 11, 23, 8, 30)):
        result = runner.invoke(args=["tickets", "digest"])
    assert "县营商环境办没有登记邮箱的账号" in result.output
    assert history.scalar(select(func.count()).select_from(TrendDigest)) == 0


def test_only_the_office_and_the_admin_see_the_trends(app, session, client):
    _content(session)
    make_user(session, "scjg", Role.STAFF, "scjgj")
    make_user(session, "scjg-admin", Role.BUREAU_ADMIN, "scjgj")
    make_user(session, "admin", Role.ADMIN, None)
    assert client.get("/supervision/trends").status_code == 302  # to the login page
    for username in ("scjg", "scjg-admin"):
        visitor = app.test_client()
        login(visitor, username)
        assert visitor.get("/supervision/trends").status_code == 403
        assert visitor.get("/supervision/trends?format=xlsx").status_code == 403
    login(client, "admin")
    assert client.get("/supervision/trends").status_code == 200
    assert client.get("/supervision/risk-words").status_code == 403  # the office keeps the words


def test_the_excel_download_holds_every_row_and_runs_no_formula(history, office, client):
    _file(history, dt.datetime(2026, 11, 19, 9, 0), "qykb", "=HYPERLINK(\"http://x\")", "公式",
          company="=HYPERLINK(\"http://evil.example\",\"点我\")")
    history.commit()
    login(client, "dbz")
    response = client.get("/supervision/trends?week=2026-W47&format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("类别", "名称", "本周件数", "前8周平均")
    assert ("领域", "获得电力", 12, 4, "4 4 4 4 4 4 4 4", 3, rows[1][6], "是") == rows[1]
    evil = next(cell for row in sheet.iter_rows(min_row=2) for cell in row
                if isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK"))
    assert evil.data_type == "s"


def test_risk_words_are_kept_by_the_office_audited_and_flag_a_filing_in_its_transaction(app, session, office, client):
    _content(session)
    session.execute(delete(RiskWord))  # whatever the migration put there
    session.commit()
    login(client, "dbz")
    token = csrf_token(client, "/supervision/risk-words")
    saved = client.post("/supervision/risk-words", data={"csrf_token": token, "words": "群体\n上访，欠薪、安全事故"})
    assert saved.status_code == 303
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action.like("risk_word_%"))
                              .order_by(AuditEntry.id)).all()
    assert {(e.action, e.target) for e in entries} >= {("risk_word_add", "群体"), ("risk_word_add", "上访"),
                                                       ("risk_word_add", "欠薪"), ("risk_word_add", "安全事故")}
    assert all(e.username == "dbz" for e in entries)

    too_long = client.post("/supervision/risk-words", data={"csrf_token": token, "words": "群体\n" + "长" * 21})
    assert too_long.status_code == 400
    assert "超过 20 个字" in too_long.get_data(as_text=True)
    missing = client.post("/supervision/risk-words", data={"words": "群体"})
    assert missing.status_code == 400  # no CSRF token
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "risk_word_remove")) == 0

    risky = _file(session, dt.datetime(2026, 11, 25, 9, 0), "qykb", "拖欠薪资", "公司拖欠薪资三个月，工人准备上访。")
    plain = _file(session, dt.datetime(2026, 11, 25, 9, 5), "qykb", "执照变更", "变更登记超时。")
    session.commit()
    assert session.get(TicketRisk, risky.id).words == "上访、欠薪"
    assert session.get(TicketRisk, plain.id) is None

    with as_of(dt.datetime(2026, 11, 25, 10, 0)):
        start = client.get("/supervision/").get_data(as_text=True)
    listed = start.split('id="risk-tickets"')[1].split("</table>")[0]
    assert risky.number in listed and "上访、欠薪" in listed and plain.number not in listed


def test_a_filing_that_fails_leaves_no_risk_flag(app, session):
    _content(session)
    save_risk_words(session, OPERATOR, "欠薪")
    session.commit()
    ticket = _file(session, dt.datetime(2026, 11, 25, 9, 0), "qykb", "欠薪", "欠薪三个月。")
    session.flush()
    assert session.get(TicketRisk, ticket.id) is not None
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TicketRisk)) == 0
    assert session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_the_risk_words_command_sets_and_lists_the_words(app, session, runner):
    session.execute(delete(RiskWord))  # whatever the migration put there
    session.commit()
    result = runner.invoke(args=["tickets", "risk-words", "--set", "群体,上访"])
    assert result.exit_code == 0, result.output
    assert "风险词：群体、上访" in result.output
    assert session.scalars(select(AuditEntry.username).where(AuditEntry.action == "risk_word_add")).all() == ["cli", "cli"]
    bad = runner.invoke(args=["tickets", "risk-words", "--set", "长" * 25])
    assert bad.exit_code == 1 and "超过 20 个字" in bad.output
    assert runner.invoke(args=["tickets", "risk-words"]).output.strip() == "风险词：群体、上访"


def test_a_ticket_counts_in_the_week_it_was_received_on_its_channel(app, session):
    _content(session)
    desk = Actor("staff", "市场监管局经办人", queries.bureau_by_code(session, "scjgj"))
    with as_of(dt.datetime(2026, 11, 23, 9, 0)):  # Monday of week 48: entered from Sunday's call
        data = TicketInput(type=TicketType.HELP, topic=queries.topic_by_code(session, "qykb"), guide=None,
                           subject="周日电话反映执照问题", description="电话中反映营业执照变更问题。", company_name="",
                           credit_code="", contact_name="张先生", phone="13800000000", email="", publish=False)
        services.file_ticket(session, data, desk, channel=Channel.PHONE,
                             received_at=dt.datetime(2026, 11, 22, 18, 0, tzinfo=COUNTY_TZ).astimezone(dt.timezone.utc))  # as intake gives it
    session.commit()
    week_47 = trends(session, dt.date(2026, 11, 16), dt.date(2026, 11, 25))
    assert week_47.totals[-1] == 1
    assert [(r.label, r.count) for r in week_47.rows["channel"]] == [("电话", 1)]
    assert trends(session, dt.date(2026, 11, 23), dt.date(2026, 11, 25)).totals[-1] == 0


def test_a_confidential_tickets_company_is_shown_to_the_office_only(app, session, office, client):
    _content(session)
    make_user(session, "admin", Role.ADMIN, None)
    for day in (17, 18, 19):
        with as_of(dt.datetime(2026, 11, day, 10, 0)):
            data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                               subject="不愿透露身份的投诉", description="担心被打击报复，申请保密。",
                               company_name="会宁县保密测试有限公司", credit_code="", contact_name="李女士",
                               phone="13700000000", email="", publish=False, confidential=True)
            services.file_ticket(session, data)
    session.commit()
    login(client, "dbz")
    seen = client.get("/supervision/trends?week=2026-W47").get_data(as_text=True)
    assert "会宁县保密测试有限公司" in seen.split('id="repeat-companies"')[1]
    assert "会宁县保密测试有限公司" in seen.split('id="by-company"')[1].split("</table>")[0]
    operator = app.test_client()
    login(operator, "admin")
    hidden = operator.get("/supervision/trends?week=2026-W47")
    assert hidden.status_code == 200
    assert "会宁县保密测试有限公司" not in hidden.get_data(as_text=True)
    assert 'id="repeat-companies"' not in hidden.get_data(as_text=True)
    workbook = operator.get("/supervision/trends?week=2026-W47&format=xlsx")
    names = [row[1] for row in load_workbook(io.BytesIO(workbook.data)).active.iter_rows(min_row=2, values_only=True)]
    assert "会宁县保密测试有限公司" not in names and "企业开办" in names


def test_a_filing_keeps_its_words_and_a_ticket_without_them_is_counted_alike_and_backfilled(history, runner):
    from portal.supervision.models import TicketWords
    from portal.supervision.trends import forget

    # every filing of the history kept its words in its own transaction, each word once
    power = history.scalars(select(TicketWords.words).join(TicketWords.ticket)
                            .where(TicketWords.ticket.has(subject=POWER[0])).limit(1)).one().split()
    assert "用电报装" in power and len(power) == len(set(power))
    assert all(len(word) > 1 for word in power)
    counted = {r.label: (r.count, r.history) for r in trends(history, SPIKE, dt.date(2026, 11, 25)).words}

    # as after an upgrade from before revision 0018: no words kept; the same figures, segmented on reading
    history.execute(delete(TicketWords))
    history.commit()
    forget()
    assert {r.label: (r.count, r.history) for r in trends(history, SPIKE, dt.date(2026, 11, 25)).words} == counted
    assert counted["用电报装"] == (11, [4] * 8)

    result = runner.invoke(args=["figures", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "补记工单词语 131 件" in result.output  # ten ordinary weeks of 11, and week 47's 21
    assert history.scalar(select(func.count()).select_from(TicketWords)) == 131
    assert "补记工单词语 0 件" in runner.invoke(args=["figures", "rebuild"]).output
    forget()
    assert {r.label: (r.count, r.history) for r in trends(history, SPIKE, dt.date(2026, 11, 25)).words} == counted


def test_a_company_filing_very_often_shows_its_count_and_its_latest_numbers(app, session):
    _content(session)
    numbers = [_file(session, dt.datetime(2026, 11, 2, 9, 0) + dt.timedelta(days=day), "qykb", "又一次反映",
                     "问题仍未解决。", company="会宁县示例常客有限公司").number for day in range(14)]
    _file(session, dt.datetime(2026, 11, 18, 9, 0), "qykb", "反映", "一次。", company="会宁县示例偶尔有限公司")
    session.commit()
    result = trends(session, SPIKE, dt.date(2026, 11, 25))
    assert [(r.name, r.count, r.numbers) for r in result.repeats] == [
        ("会宁县示例常客有限公司", 14, tuple(numbers[4:]))]  # the latest ten, oldest first


def test_a_surge_written_by_the_generator_is_flagged_on_the_page_and_in_the_digest_and_a_normal_week_not(
        app, session, office, client, runner, smtp):
    """`demo tickets --surge hddl:2026-W47:3`: nine weeks of the demo's mix through the services (three
    topics here: about 11 tickets of each a week), with three times the usual complaints about 获得电力
    in week 47."""
    _content(session)
    with as_of(dt.datetime(2026, 11, 25, 10, 0)):
        result = runner.invoke(args=["demo", "tickets", "--count", "300", "--days", "63", "--surge", "hddl:2026-W47:3"])
    assert result.exit_code == 0, result.output
    login(client, "dbz")
    with as_of(dt.datetime(2026, 11, 25, 10, 0)):
        surge = client.get("/supervision/trends?week=2026-W47").get_data(as_text=True)
        normal = client.get("/supervision/trends?week=2026-W46").get_data(as_text=True)
    flagged = surge.split('id="flagged-list"')[1].split("</ul>")[0]
    assert "领域：获得电力</strong>" in flagged, surge.split('id="by-topic"')[1][:2000]
    assert "领域：企业开办</strong>" not in flagged and "领域：办理建筑许可</strong>" not in flagged
    assert "领域：获得电力</strong>" not in normal.split('id="flagged"')[1].split('id="by-topic"')[0]

    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        with as_of(dt.datetime(2026, 11, 16, 8, 30)):  # the Monday after the normal week 46
            assert "2026-W46 的周报已发送" in runner.invoke(args=["tickets", "digest"]).output
        with as_of(dt.datetime(2026, 11, 23, 8, 30)):
            assert "2026-W47 的周报已发送" in runner.invoke(args=["tickets", "digest"]).output
        inbox.wait_for(2)
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert "领域“获得电力”" not in inbox.messages[0].get_content()
    assert "- 领域“获得电力”：本周" in inbox.messages[1].get_content()


def test_a_surge_the_generator_cannot_write_is_refused_before_anything_is_written(app, session, runner):
    _content(session)
    for surge, message in (("hddl:2026-W47:1", "格式为 领域代码:ISO周:倍数"), ("hddl:2026-47:3", "格式为"),
                           ("nosuch:2026-W47:3", "没有代码为 nosuch 的领域"),
                           ("hddl:2025-W01:3", "激增的那一周不在写入的日期范围内")):
        with as_of(dt.datetime(2026, 11, 25, 10, 0)):
            result = runner.invoke(args=["demo", "tickets", "--count", "5", "--days", "30", "--surge", surge])
        assert result.exit_code != 0 and message in result.output, (surge, result.output)
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
