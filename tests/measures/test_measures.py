"""The plan's measures tracked: the public pages (/measures, /measures/8) with progress, the plan's own
targets, the timeline and the related tickets' counts (no personal data, nothing of confidential
tickets); reports and links by the lead bureau only, audited, milestones append-only; measures not
reported on for 30 days on the supervisor's start page. The demo content and the demo reports,
written at Wednesday 2026-11-25 10:00 county time."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.actors import Actor
from portal.audit import AppendOnly, AuditEntry
from portal.catalog import queries as catalog
from portal.catalog.content import import_content
from portal.cli import DEMO_CONTENT
from portal.clock import as_of
from portal.demo.measures import seed_measures
from portal.measures import queries
from portal.measures.models import MeasureTicket, Milestone
from portal.tickets import appeals, services
from portal.tickets.models import Score, Ticket, TicketType
from portal.tickets.services import TicketInput
from tests.forms import csrf_token
from tests.staff import login, make_user

WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0)
PLAN = "huining-yshj-2022"


def at(moment: dt.datetime = WEDNESDAY):
    return as_of(moment)


def _file(session, moment, topic, subject, company="会宁县示例机械有限公司", contact="王建国", phone="13912345678"):
    with at(moment):
        data = TicketInput(type=TicketType.COMPLAINT, topic=catalog.topic_by_code(session, topic), guide=None,
                           subject=subject, description=f"{subject}，请尽快处理。", company_name=company,
                           credit_code="", contact_name=contact, phone=phone, email="", publish=False)
        return services.file_ticket(session, data)[0]


@pytest.fixture
def plan(app, session):
    """The demo content and the demo reports; three power tickets (one answered and rated, one open,
    one rejected) and an accounts of the power company, the tax bureau and the office."""
    with DEMO_CONTENT.open(encoding="utf-8") as handle:
        import_content(session, handle)
    session.commit()
    make_user(session, "gdgs", Role.STAFF, "gdgs", display_name="供电公司经办人")
    make_user(session, "swj", Role.STAFF, "swj", display_name="税务局经办人")
    make_user(session, "dbz", Role.SUPERVISOR, None, display_name="督办员")
    with at():
        assert seed_measures(session, PLAN) == 49
    power = Actor("staff", "供电公司经办人", catalog.bureau_by_code(session, "gdgs"))
    answered = _file(session, dt.datetime(2026, 11, 2, 9, 0), "hddl", "厂房用电报装迟迟未接电")
    with at(dt.datetime(2026, 11, 3, 9, 0)):
        services.sign(session, answered, power)
    with at(dt.datetime(2026, 11, 4, 9, 0)):
        services.reply(session, answered, power, "经核查，贵公司报装已完成配套工程，已于今日送电。")
    with at(dt.datetime(2026, 11, 5, 9, 0)):
        services.rate(session, answered, Score.SATISFIED, "")
    _file(session, dt.datetime(2026, 11, 20, 9, 0), "hddl", "高压双电源报装超时")
    rejected = _file(session, dt.datetime(2026, 11, 18, 9, 0), "hddl", "电费纠纷已起诉")
    with at(dt.datetime(2026, 11, 19, 9, 0)):
        services.reject(session, rejected, power, "该事项已进入诉讼程序，依法不予受理。")
    session.commit()
    return session


def test_measure_8_shows_its_progress_targets_timeline_and_related_tickets(plan, client):
    with at():
        page = client.get("/measures/8")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>措施8：提升办电效率</h1>" in html
    assert "国网会宁供电公司" in html and "各乡镇、县直相关部门" in html  # lead and co-operating bureaus
    assert "推进中</span>" in html and 'value="70"' in html
    targets = html.split('id="targets"')[1].split("</ul>")[0]
    assert ("2022年底前，实现低压居民、低压小微企业全流程办理时间分别不超过5个、15个工作日，"
            "高压单、双电源供电公司合计办理时限分别不超过22个、32个工作日。") in targets
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    days = [part.split('"')[0] for part in timeline.split('datetime="')[1:]]
    assert days == ["2026-11-17", "2026-10-28", "2026-10-01", "2026-09-01"]  # 8, 28, 55 and 85 days before
    assert "高压单电源项目平均24个工作日" in timeline and "（演示数据）" in timeline
    assert "最近报送</dt><dd>2026年11月17日（8 天前）" in html
    assert 'id="n-related">3<' in html
    assert 'id="n-answered">1<' in html and 'id="n-running">1<' in html and 'id="n-rejected">1<' in html
    assert 'id="n-satisfaction">100.0%<' in html
    for personal in ("王建国", "13912345678", "会宁县示例机械有限公司", "厂房用电报装迟迟未接电"):
        assert personal not in html


def test_the_list_shows_all_37_measures_with_their_state(plan, client):
    with at():
        html = client.get("/measures").get_data(as_text=True)
    rows = html.split('id="measures"')[1].split("</table>")[0].count("<tr data-no=")
    assert rows == 37
    assert 'id="n-done">1<' in html  # measure 2
    assert 'id="n-behind">2<' in html  # measures 3 and 9
    assert 'id="n-not_started">3<' in html  # 15 reported so; 12 and 21 never reported
    assert client.get("/measures/38").status_code == 404
    assert client.get("/measures/x").status_code == 404


def test_the_lead_bureau_reports_and_its_report_is_appended_and_audited(plan, client):
    login(client, "gdgs")
    token = csrf_token(client, "/staff/measures/8")
    with at():
        saved = client.post("/staff/measures/8/report", data={
            "csrf_token": token, "status": "in_progress", "percent": "80", "day": "2026-11-24",
            "note": "高压单电源项目平均21个工作日，达到22个工作日目标。"})
    assert saved.status_code == 303
    item = queries.measure(plan, PLAN, 8)
    assert (item.status.label, item.percent) == ("推进中", 80)
    notes = [m.note for m in queries.milestones(plan, item)]
    assert notes[0] == "高压单电源项目平均21个工作日，达到22个工作日目标。" and len(notes) == 5
    entry = plan.scalars(select(AuditEntry).where(AuditEntry.action == "measure_report")
                         .order_by(AuditEntry.id.desc())).first()
    assert (entry.username, entry.target, entry.detail) == ("gdgs", "措施8", "推进中 80%：高压单电源项目平均21个工作日，达到22个工作日目标。")
    with at():
        public = client.get("/measures/8").get_data(as_text=True)
    assert "达到22个工作日目标" in public


@pytest.mark.parametrize("fields, field, message", [
    ({"percent": "101"}, "percent", "完成进度应为 0 到 100 之间的整数。"),
    ({"percent": "五十"}, "percent", "完成进度应为 0 到 100 之间的整数。"),
    ({"status": "done", "percent": "90"}, "percent", "状态为“已完成”时，完成进度应为 100。"),
    ({"status": "finished"}, "status", "请选择推进状态。"),
    ({"day": "2026-11-26"}, "day", "进展日期不能晚于今天。"),
    ({"day": "昨天"}, "day", "请填写进展日期（年-月-日）。"),
    ({"note": "   "}, "note", "请写明本次进展。"),
    ({"note": "x" * 2001}, "note", "进展说明最多 2000 字，现有 2001 字。"),
])
def test_a_bad_report_is_refused_beside_its_field_and_writes_nothing(plan, client, fields, field, message):
    login(client, "gdgs")
    data = {"csrf_token": csrf_token(client, "/staff/measures/8"), "status": "in_progress", "percent": "75",
            "day": "2026-11-24", "note": "推进中。", **fields}
    before = plan.scalar(select(func.count()).select_from(Milestone))
    with at():
        refused = client.post("/staff/measures/8/report", data=data)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f'id="{field}-error">{message}</p>' in html
    assert plan.scalar(select(func.count()).select_from(Milestone)) == before
    assert queries.measure(plan, PLAN, 8).percent == 70


def test_only_the_lead_bureau_reports_on_its_measure(plan, client, app):
    login(client, "swj")  # the tax bureau leads measure 4, not 8
    assert client.get("/staff/measures/8").status_code == 403
    token = csrf_token(client, "/staff/measures/4")
    refused = client.post("/staff/measures/8/report", data={"csrf_token": token, "status": "done", "percent": "100",
                                                            "day": "2026-11-24", "note": "越权"})
    assert refused.status_code == 403
    assert client.post("/staff/measures/4/report", data={"status": "done", "percent": "100", "day": "2026-11-24",
                                                         "note": "无令牌"}).status_code == 400  # CSRF
    own = client.get("/staff/measures").get_data(as_text=True)
    assert "提高纳税便利化水平" in own and "提升办电效率" not in own
    office = app.test_client()
    login(office, "dbz")
    assert office.get("/staff/measures/8").status_code == 403  # the office follows up, it does not report


def test_milestones_are_never_changed(plan):
    milestone = plan.scalars(select(Milestone).order_by(Milestone.id)).first()
    milestone.note = "改写历史"
    with pytest.raises(AppendOnly):
        plan.flush()
    plan.rollback()
    plan.delete(plan.scalars(select(Milestone).order_by(Milestone.id)).first())
    with pytest.raises(AppendOnly):
        plan.flush()
    plan.rollback()


def test_the_lead_bureau_links_a_ticket_of_another_topic(plan, client):
    other = _file(plan, dt.datetime(2026, 11, 23, 9, 0), "qykb", "新办企业申请用电要先办执照吗")
    plan.commit()
    login(client, "gdgs")
    token = csrf_token(client, "/staff/measures/8")
    assert client.post("/staff/measures/8/link", data={"csrf_token": token, "number": other.number}).status_code == 303
    again = client.post("/staff/measures/8/link", data={"csrf_token": token, "number": other.number})
    assert again.status_code == 409 and "已关联到措施8" in again.get_data(as_text=True)
    unknown = client.post("/staff/measures/8/link", data={"csrf_token": token, "number": "20261125-9999"})
    assert unknown.status_code == 400 and "没有这个流水号的工单" in unknown.get_data(as_text=True)
    assert plan.scalar(select(func.count()).select_from(MeasureTicket)) == 1
    page = client.get("/staff/measures/8").get_data(as_text=True)
    related = page.split('id="related-tickets"')[1]
    assert other.number in related and "人工关联" in related and "厂房用电报装迟迟未接电" in related
    with at():
        public = client.get("/measures/8").get_data(as_text=True)
    assert 'id="n-related">4<' in public
    assert plan.scalars(select(AuditEntry.target).where(AuditEntry.action == "measure_link")).all() == ["措施8"]


def test_the_start_page_lists_measures_not_reported_for_30_days(plan, client):
    login(client, "dbz")
    with at():
        html = client.get("/supervision/").get_data(as_text=True)
    stale = html.split('id="stale"')[1].split("</table>")[0]
    numbers = [int(part.split('"')[0]) for part in stale.split('data-no="')[1:]]
    # never reported first, then the oldest report first (days before 2026-11-25)
    assert numbers == [12, 21, 24, 10, 22, 31, 11, 26, 16, 34, 15, 29, 37]
    assert "从未报送" in stale and "66 天前" in stale and "30 天前" in stale
    row_8 = [part for part in html.split('data-no="') if part.startswith("8\"")]
    assert row_8 == []  # reported 8 days ago


def test_seed_demo_writes_the_demo_progress_once(runner, session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "演示措施进展 49 条" in first.output
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "演示措施进展" not in again.output
    assert session.scalar(select(func.count()).select_from(Milestone)) == 49
    notes = session.scalars(select(Milestone.note)).all()
    assert all(note.endswith("（演示数据）") for note in notes)


def test_the_published_comments_about_a_measure_are_counted_with_their_adoption(plan, client):
    from portal.consultations.models import Comment, Decision, Visibility

    from portal.catalog.models import Policy

    whole = plan.scalars(select(Policy).where(Policy.slug == PLAN)).one()
    measure_8 = plan.scalars(select(Policy).where(Policy.slug == "yshj-2022-m08")).one()
    moment = dt.datetime(2022, 9, 14, 10, 0, tzinfo=dt.timezone.utc)

    def comment(policy, article, visibility, decision=None):
        plan.add(Comment(policy=policy, company="会宁县示例机械有限公司", contact_name="王建国", phone="13912345678",
                         article=article, body="建议公布高压办电各环节时限。", consented_at=moment, created_at=moment,
                         visibility=visibility, decision=decision))

    comment(whole, "措施8：提升办电效率", Visibility.PUBLISHED, Decision.ADOPTED)
    comment(measure_8, "全文", Visibility.PUBLISHED, Decision.NOT_ADOPTED)
    comment(whole, "措施8：提升办电效率", Visibility.PENDING)  # not yet public: not counted
    comment(whole, "措施9：提升供水供气效率", Visibility.PUBLISHED, Decision.ADOPTED)  # another measure
    plan.commit()
    with at():
        html = client.get("/measures/8").get_data(as_text=True)
    assert '公开意见 <span id="n-comments">2</span> 条，采纳 1 条、部分采纳 0 条、不采纳 1 条。' in html
    assert "王建国" not in html and "13912345678" not in html


def test_confidential_tickets_are_left_out_of_the_measure_pages(plan, client):
    with at(dt.datetime(2026, 11, 24, 9, 0)):
        data = TicketInput(type=TicketType.COMPLAINT, topic=catalog.topic_by_code(plan, "hddl"), guide=None,
                           subject="保密：供电所索要好处费", description="申请保密处理。", company_name="会宁县保密测试有限公司",
                           credit_code="", contact_name="李女士", phone="13700000000", email="", publish=False,
                           confidential=True)
        services.file_ticket(plan, data)
    plan.commit()
    with at():
        public = client.get("/measures/8").get_data(as_text=True)
    assert 'id="n-related">3<' in public and 'id="n-running">1<' in public
    login(client, "gdgs")
    staff = client.get("/staff/measures/8").get_data(as_text=True)
    assert "供电所索要好处费" not in staff and "会宁县保密测试有限公司" not in staff


def test_the_figures_of_many_measures_at_once_count_each_ticket_once(plan):
    """The start page counts every stale measure's tickets in a few grouped queries: a ticket of the
    measure's topics that staff also linked counts once; a linked ticket of another topic counts; each
    rating given (the scoreboard's 评价满意率); a confidential ticket never; another measure's links not."""
    from portal.measures.queries import answered_each

    def counts(answered):
        return (answered.total, answered.answered, answered.running, answered.rejected, answered.merged,
                answered.by_type, answered.ratings.rated, answered.ratings.satisfied, answered.ratings.bad)

    power = catalog.topic_by_code(plan, "hddl")
    hddl_open = next(t for t in power_tickets(plan) if t.subject == "高压双电源报装超时")
    other = _file(plan, dt.datetime(2026, 11, 23, 9, 0), "qykb", "新办企业申请用电要先办执照吗")
    licence = catalog.bureau_by_code(plan, "scjgj")
    desk = Actor("staff", "市场监管局经办人", licence)
    with at(dt.datetime(2026, 11, 23, 10, 0)):
        services.sign(plan, other, desk)
        services.reply(plan, other, desk, "无需先办执照，可凭身份证明申请临时用电。")
    with at(dt.datetime(2026, 11, 23, 11, 0)):
        services.rate(plan, other, Score.VERY_DISSATISFIED, "")  # reopened
    with at(dt.datetime(2026, 11, 24, 9, 0)):
        services.reply(plan, other, desk, "已再次电话向贵公司说明办理流程。")
    with at(dt.datetime(2026, 11, 24, 10, 0)):
        services.rate(plan, other, Score.SATISFIED, "")  # its last rating
    secret = _file(plan, dt.datetime(2026, 11, 24, 9, 0), "qykb", "保密事项")
    secret.confidential = True
    eight, twelve = queries.measure(plan, PLAN, 8), queries.measure(plan, PLAN, 12)
    for ticket, item in ((hddl_open, eight), (other, eight), (secret, eight), (other, twelve)):
        plan.add(MeasureTicket(policy_id=item.policy.id, ticket_id=ticket.id, linked_by="test"))
    plan.commit()
    assert power.id in eight.topic_ids and power.id not in twelve.topic_ids

    found = answered_each(plan, [eight, twelve])
    # measure 8: the three power tickets (answered and rated 满意, open, rejected) and the linked licence
    # question (answered; rated 非常不满意, then 满意 after its second answer): 3 ratings, 2 satisfied
    assert counts(found[eight.policy.id]) == (4, 2, 1, 1, 0, {"投诉": 4}, 3, 2, 1)
    assert counts(found[eight.policy.id]) == counts(queries.answered(plan, eight))
    assert not {power.id, other.topic_id} & set(twelve.topic_ids)  # measure 12: only its link counts
    assert counts(found[twelve.policy.id]) == (1, 1, 0, 0, 0, {"投诉": 1}, 2, 1, 1)


def power_tickets(session):
    return session.scalars(select(Ticket).where(Ticket.topic_id == catalog.topic_by_code(session, "hddl").id))


def test_a_bad_rating_whose_appeal_was_upheld_does_not_count_against_the_measure(plan, client):
    """The measure's satisfaction is the scoreboard's 评价满意率: a bad rating the office took out on
    appeal (申诉核减) counts in neither part; one whose appeal was dismissed still counts."""
    power = Actor("staff", "供电公司经办人", catalog.bureau_by_code(plan, "gdgs"))
    office = Actor("supervisor", "督办员")
    for subject, score, upheld in (("变压器增容申请无人受理", Score.DISSATISFIED, True),
                                   ("临时用电报装材料反复退回", Score.VERY_DISSATISFIED, False)):
        ticket = _file(plan, dt.datetime(2026, 11, 6, 9, 0), "hddl", subject, company="会宁县申诉测试有限公司",
                       contact="赵申诉", phone="13611112222")
        with at(dt.datetime(2026, 11, 9, 9, 0)):
            services.sign(plan, ticket, power)
        with at(dt.datetime(2026, 11, 10, 9, 0)):
            services.reply(plan, ticket, power, "经核查，已按规定办理完毕，请知悉。")
        with at(dt.datetime(2026, 11, 11, 9, 0)):
            services.rate(plan, ticket, score, "")
        with at(dt.datetime(2026, 11, 12, 9, 0)):
            appeals.appeal(plan, ticket, power, "评价所指事项与本诉求无关", dt.date(2026, 11, 12))
        with at(dt.datetime(2026, 11, 13, 9, 0)):
            appeals.decide(plan, ticket, office, upheld, "复核意见")
        plan.commit()
    with at():
        html = client.get("/measures/8").get_data(as_text=True)
    # the first ticket's 满意 counts, the upheld 不满意 does not, the dismissed 非常不满意 does: 1 of 2
    assert 'id="n-satisfaction">50.0%<' in html and "（2 件评价）" in html
    for personal in ("赵申诉", "13611112222", "会宁县申诉测试有限公司", "变压器增容申请无人受理", "评价所指事项"):
        assert personal not in html
