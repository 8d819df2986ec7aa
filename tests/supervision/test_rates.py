"""The three rates (响应率, 解决率, 满意率) and the ratings-only 评价满意率, computed by hand for two bureaus
around 劳动节 2027 and read off the scoreboard, its Excel and CSV exports and the public /performance
page. 2027 is a year chinesecalendar does not know, so its statutory holidays count: 1–2 May (Saturday
and Sunday) with 3–4 May as their 补假, so 1–4 May are days off. Working days: Mon 26 – Fri 30 April,
Wed 5 – Fri 7 May, Mon 10 – Fri 14 May. "Today" is Friday 14 May 2027; the period 26 April – 14 May.

甲 = 县市场监管局 (leads 企业开办), 乙 = 县住建局 (leads 办理建筑许可); complaints: sign in 1, reply in 10
working days.

T1 甲 filed Mon 26 Apr: sign due 27 Apr, signed 26 Apr (on time). 甲 asks 乙 to co-handle on 27 Apr (due
   30 Apr); 乙 answers 5 May, after the holiday: late. Replied 6 May (due 12 May): on time. Rated 满意 on
   7 May. Callback 10 May: reached, 已解决, 非常满意.
T2 甲 filed Thu 29 Apr: sign due 30 Apr, signed 5 May: late. Replied 10 May (due 17 May). Rated 不满意 on
   11 May (reopened); 甲 appeals on 12 May, the office upholds it on 13 May: out of 甲's figures.
T3 甲 filed Fri 30 Apr: sign due Wed 5 May (the four days off between), signed 5 May: on time. Replied
   7 May (due 18 May). Rated 非常不满意 on 10 May (reopened); 甲 appeals on 11 May, dismissed on 12 May.
T4 甲 filed Tue 4 May, a day off: sign due 5 May, signed 6 May: late. Replied 7 May (due 18 May), not
   rated. Callback 10 May: not reached; 11 May: reached, 部分解决, 基本满意.
T5 乙 filed Wed 5 May: sign due 6 May, signed and replied 6 May. Callback 7 May: reached, 未解决, 不满意
   (reopened).
T6 乙 filed Thu 13 May: sign due 14 May, today: not yet judged.
T7 乙 filed Mon 10 May: sign due 11 May, never signed: late.

By hand:
甲: received 4; 响应率 2 of 4 = 50.0%; answered on time 4 of 4 = 100.0%; 解决率 (1 + ½) of 2 = 75.0%;
    满意率 (T1 满意, T3 非常不满意; callbacks 非常满意, 基本满意) 3 of 4 = 75.0%; 评价满意率 1 of 2 = 50.0%
    (T2's upheld rating left out); 差评 1; 申诉核减 1; reopened 2.
乙: received 3; 响应率 1 of 2 = 50.0%; answered on time 1 of 1 = 100.0%; 解决率 0 of 1 = 0.0%; 满意率 0 of
    1 = 0.0%; 评价满意率 none; 协办 1 received, 0 on time, 1 late; overdue now 1 (T7).
全县: received 7; 响应率 3 of 6 = 50.0%; 解决率 3 halves of 6 = 50.0%; 满意率 3 of 5 = 60.0%;
      评价满意率 1 of 2 = 50.0%; answered on time 5 of 5 = 100.0%.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from portal.accounts.models import Role
from portal.actors import Actor
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import as_of
from portal.supervision.callbacks import Resolution, record_callback
from portal.supervision.scoreboard import scoreboard, total
from portal.tickets import appeals, cohandling, services
from portal.tickets.models import Score, TicketType
from portal.tickets.services import TicketInput
from tests import factories as f
from tests.staff import login, make_user

TODAY = dt.date(2027, 5, 14)
PERIOD = "from=2027-04-26&to=2027-05-14"
RATES = ["受理件数", "响应率", "按时答复率", "解决率", "满意率", "评价满意率", "差评", "协办件数", "协办按时答复", "协办超时",
         "申诉核减", "当前逾期"]
EXPECTED = {  # by hand, see above; "—" where nothing was judged
    "县市场监管局": ["4", "50.0%", "100.0%", "75.0%", "75.0%", "50.0%", "1", "0", "0", "0", "1", "0"],
    "县住建局": ["3", "50.0%", "100.0%", "0.0%", "0.0%", "—", "0", "1", "0", "1", "0", "1"],
    "全县": ["7", "50.0%", "100.0%", "50.0%", "60.0%", "50.0%", "1", "1", "0", "1", "1", "1"],
}


def at(day: str, hour: int = 10):
    return as_of(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


@pytest.fixture
def around_labour_day(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("zjj", "县住建局"), f.bureau("fgj", "县发改局", supervisor=True),
        f.topic(), f.topic("jzxk", "办理建筑许可", lead="zjj")))
    session.commit()
    make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")
    a = Actor("staff", "甲局经办", queries.bureau_by_code(session, "scjgj"))
    b = Actor("staff", "乙局经办", queries.bureau_by_code(session, "zjj"))
    office = Actor("supervisor", "督办员")

    def filed(day: str, topic: str, subject: str, hour: int = 10):
        with at(day, hour):
            data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, topic), guide=None,
                               subject=subject, description="用于三率口径的手算样例。", company_name="", credit_code="",
                               contact_name="张先生", phone="13800000000", email="", publish=False)
            return services.file_ticket(session, data)[0]

    def step(day: str, action, *args):
        with at(day):
            action(session, *args)

    t1 = filed("2027-04-26", "qykb", "一号")
    step("2027-04-26", services.sign, t1, a)
    step("2027-04-27", lambda s, t: cohandling.ask(s, t, a, [queries.bureau_by_code(s, "zjj")], "请核实规划许可。"), t1)
    step("2027-05-05", cohandling.give_opinion, t1, b, "规划许可已核发，符合要求。")
    step("2027-05-06", services.reply, t1, a, "经核查，问题已解决，请知悉。")
    step("2027-05-07", lambda s, t: services.rate(s, t, Score.SATISFIED, ""), t1)
    step("2027-05-10", record_callback, t1, office, True, Resolution.RESOLVED, Score.VERY_SATISFIED, "")

    t2 = filed("2027-04-29", "qykb", "二号")
    step("2027-05-05", services.sign, t2, a)
    step("2027-05-10", services.reply, t2, a, "经核查，已按规定办理，请知悉。")
    step("2027-05-11", lambda s, t: services.rate(s, t, Score.DISSATISFIED, "乱打的"), t2)
    step("2027-05-12", lambda s, t: appeals.appeal(s, t, a, "评价内容与诉求无关。", TODAY), t2)
    step("2027-05-13", appeals.decide, t2, office, True, "评价与诉求无关，认定为恶意差评。")

    t3 = filed("2027-04-30", "qykb", "三号", hour=16)
    step("2027-05-05", services.sign, t3, a)
    step("2027-05-07", services.reply, t3, a, "经核查，已按规定办理，请知悉。")
    step("2027-05-10", lambda s, t: services.rate(s, t, Score.VERY_DISSATISFIED, "没解决"), t3)
    step("2027-05-11", lambda s, t: appeals.appeal(s, t, a, "企业诉求超出法定范围。", TODAY), t3)
    step("2027-05-12", appeals.decide, t3, office, False, "答复确未解决企业问题。")

    t4 = filed("2027-05-04", "qykb", "四号")
    step("2027-05-06", services.sign, t4, a)
    step("2027-05-07", services.reply, t4, a, "经核查，部分事项已办结，请知悉。")
    step("2027-05-10", record_callback, t4, office, False, None, None, "无人接听")
    step("2027-05-11", record_callback, t4, office, True, Resolution.PARTLY, Score.BASIC, "")

    t5 = filed("2027-05-05", "jzxk", "五号")
    step("2027-05-06", services.sign, t5, b)
    step("2027-05-06", services.reply, t5, b, "经核查，已按规定办理，请知悉。")
    step("2027-05-07", record_callback, t5, office, True, Resolution.UNRESOLVED, Score.DISSATISFIED, "")

    t6 = filed("2027-05-13", "jzxk", "六号")
    t7 = filed("2027-05-10", "jzxk", "七号")
    session.commit()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6, "t7": t7}


def test_the_deadlines_skip_the_labour_day_holiday(around_labour_day):
    t = around_labour_day
    assert (t["t1"].sign_due, t["t2"].sign_due, t["t3"].sign_due, t["t4"].sign_due) == (
        dt.date(2027, 4, 27), dt.date(2027, 4, 30), dt.date(2027, 5, 5), dt.date(2027, 5, 5))
    assert t["t1"].cohandling_tasks[0].due == dt.date(2027, 4, 30)
    assert (t["t6"].sign_due, t["t7"].sign_due) == (dt.date(2027, 5, 14), dt.date(2027, 5, 11))
    assert (t["t2"].state.value, t["t3"].state.value, t["t5"].state.value) == ("reopened", "reopened", "reopened")


def test_the_rates_match_the_hand_computed_ones(session, around_labour_day):
    rows = {b.code: fig for b, fig in scoreboard(session, dt.date(2027, 4, 26), TODAY, TODAY)}
    a, b = rows["scjgj"], rows["zjj"]
    assert (a.received, a.response_rate, a.answer_rate, a.resolution_rate, a.combined_satisfaction, a.satisfaction) == (
        4, 50.0, 100.0, 75.0, 75.0, 50.0)
    assert (a.rated, a.bad, a.appeals_upheld, a.reached, a.resolved_halves, a.reopened) == (2, 1, 1, 2, 3, 2)
    assert (b.received, b.response_rate, b.answer_rate, b.resolution_rate, b.combined_satisfaction, b.satisfaction) == (
        3, 50.0, 100.0, 0.0, 0.0, None)
    assert (b.cohandle_received, b.cohandle_on_time, b.cohandle_late, b.overdue_now, b.reopened) == (1, 0, 1, 1, 1)
    county = total(list(rows.items()))
    assert (county.received, county.response_rate, county.resolution_rate, county.combined_satisfaction,
            county.satisfaction, county.answer_rate) == (7, 50.0, 50.0, 60.0, 50.0, 100.0)


def shown(headers: list[str], rows: list[list[str]]) -> dict[str, list[str]]:
    """Each row's cells under RATES, by its first cell (the bureau, or 全县)."""
    at_ = [headers.index(name) for name in RATES]
    return {row[0]: [row[i] for i in at_] for row in rows}


def html_rows(page: str, table: str) -> tuple[list[str], list[list[str]]]:
    body = re.search(rf'<table[^>]*id="{table}"[^>]*>(.*?)</table>', page, re.S).group(1)
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return rows[0], rows[1:]


def test_the_scoreboard_page_and_both_exports_show_the_hand_computed_rates(app, session, around_labour_day):
    client = app.test_client()
    with at("2027-05-14", 17):
        login(client, "dbz")
        page = client.get(f"/supervision/scoreboard?{PERIOD}").get_data(as_text=True)
        text = client.get(f"/supervision/scoreboard?{PERIOD}&format=csv").data.decode("utf-8-sig")
        sheet = load_workbook(io.BytesIO(client.get(f"/supervision/scoreboard?{PERIOD}&format=xlsx").data)).active
    headers, rows = html_rows(page, "scoreboard")
    assert shown(headers, rows) == EXPECTED
    assert "解决率：期间内县营商环境办回访接通的工单中" in page and "“部分解决”按半件计" in page  # 口径说明

    lines = list(csv.reader(io.StringIO(text)))
    exported = {row[0]: [row[lines[0].index(name)] for name in RATES] for row in lines[1:]}
    assert exported == {  # the same figures, as numbers; empty where nothing was judged; the county's row last
        "县市场监管局": ["4", "50.0", "100.0", "75.0", "75.0", "50.0", "1", "0", "0", "0", "1", "0"],
        "县住建局": ["3", "50.0", "100.0", "0.0", "0.0", "", "0", "1", "0", "1", "0", "1"],
        "全县": ["7", "50.0", "100.0", "50.0", "60.0", "50.0", "1", "1", "0", "1", "1", "1"]}
    assert lines[-1][0] == "全县"
    values = list(sheet.iter_rows(values_only=True))
    cells = {row[0]: [row[values[0].index(name)] for name in RATES] for row in values[1:]}
    assert cells == {
        "县市场监管局": [4, 50, 100, 75, 75, 50, 1, 0, 0, 0, 1, 0],
        "县住建局": [3, 50, 100, 0, 0, None, 0, 1, 0, 1, 0, 1],
        "全县": [7, 50, 100, 50, 60, 50, 1, 1, 0, 1, 1, 1]}
    assert values[-1][0] == "全县"


def test_the_public_performance_page_shows_the_same_rates_per_bureau_and_for_the_county(app, around_labour_day):
    with at("2027-05-14", 17):
        page = app.test_client().get("/performance?year=2027").get_data(as_text=True)
    headers, rows = html_rows(page, "performance")
    assert headers == ["部门", "受理件数", "响应率", "按时答复率", "平均答复工作日", "解决率", "满意率", "评价数", "评价满意率"]
    figures = {row[0]: [row[1], row[2], row[3], row[5], row[6], row[7], row[8]] for row in rows}
    assert figures == {
        "县市场监管局": ["4", "50.0%", "100.0%", "75.0%", "75.0%", "2", "50.0%"],
        "县住建局": ["3", "50.0%", "100.0%", "0.0%", "0.0%", "0", "—"],
        "全县": ["7", "50.0%", "100.0%", "50.0%", "60.0%", "2", "50.0%"]}
    assert "“部分解决”按半件计" in page
    for private in ("13800000000", "张先生", "甲局经办", "督办员", "乱打的", "申诉"):
        assert private not in page
