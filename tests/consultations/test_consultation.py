"""A consultation's whole life in time: before it opens, open, closed (late comments refused), the
bureau's moderation and decisions, the adoption report, kept when the policy comes into force."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.catalog.content import import_content
from portal.clock import as_of
from portal.consultations.models import AdoptionReport, Comment, Decision, Visibility
from tests import factories as f
from tests.forms import csrf_token, post
from tests.staff import login, make_user

DRAFT = "/policies/yshj-draft"
OPENS, CLOSES = "2026-03-01T09:00+08:00", "2026-03-31T18:00+08:00"
BEFORE, DURING, AFTER = (dt.datetime(2026, 2, 28, 12), dt.datetime(2026, 3, 15, 10), dt.datetime(2026, 3, 31, 18, 0, 1))


def draft(**changes) -> dict:
    fields = dict(slug="yshj-draft", title="会宁县优化营商环境若干措施（征求意见稿）", bureau="fgj", doc_number=None,
                  status="consultation", body="第一条 总则。\n\n第二条 企业开办一日办结。\n\n第三条 附则。",
                  consultation_opens=OPENS, consultation_closes=CLOSES, consultation_contact="fgj")
    fields.update(changes)
    return f.policy(**fields)


@pytest.fixture
def draft_for_comment(session):
    import_content(session, f.lines(f.bureau(), f.bureau("fgj", "县发改局", supervisor=True), f.topic(), draft()))
    session.commit()
    make_user(session, "gao", Role.STAFF, "fgj", "高经办")
    make_user(session, "wang", Role.STAFF, "scjgj", "王经办")
    make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")


def comment_form(**changes) -> dict:
    data = {"article": "第二条", "body": "建议将企业开办时限明确为半个工作日，并公布办理进度查询方式。",
            "company": "会宁县示例商贸有限公司", "contact_name": "李女士", "phone": "13800000000", "email": "",
            "consent": "true"}
    data.update(changes)
    return data


def send_comment(client, **changes):
    return client.post(f"{DRAFT}/comments",
                       data={**comment_form(**changes), "csrf_token": csrf_token(client, "/tickets/track")})


def stored(session) -> list[Comment]:
    session.expire_all()
    return list(session.scalars(select(Comment).order_by(Comment.id)))


def test_a_consultation_takes_comments_only_inside_its_window(app, session, draft_for_comment):
    client = app.test_client()
    with as_of(BEFORE):
        early = send_comment(client)
        assert early.status_code == 400 and "将于 2026年3月1日 09:00 开始" in early.get_data(as_text=True)
        assert "提出意见" not in client.get(DRAFT).get_data(as_text=True)
    with as_of(DURING):
        assert "提出意见" in client.get(DRAFT).get_data(as_text=True)
        done = send_comment(client)
        assert done.status_code == 303 and done.headers["Location"].endswith(f"{DRAFT}#comment-sent")
        assert "意见已提交" in client.get(done.headers["Location"]).get_data(as_text=True)
    with as_of(AFTER):
        late = send_comment(client, body="截止之后才想到的意见，请务必考虑。")
        page = late.get_data(as_text=True)
        assert late.status_code == 400 and "已于 2026年3月31日 18:00 截止" in page and "逾期未报视为无意见" in page
        assert "意见征集已结束" in client.get(DRAFT).get_data(as_text=True)
    assert [c.body for c in stored(session)] == [comment_form()["body"]]


def test_a_bad_comment_is_a_400_beside_its_fields_and_stores_nothing(app, session, draft_for_comment):
    client = app.test_client()
    with as_of(DURING):
        response = send_comment(client, body="太短", contact_name="", phone="12345", consent="", article="第九条")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("意见内容至少 10 个字", "请填写联系人", "请填写 11 位手机号码", "请阅读并同意", "请选择意见针对的条款"):
        assert message in page
    assert 'aria-invalid="true"' in page and "太短" in page
    assert stored(session) == []
    assert app.test_client().post(f"{DRAFT}/comments", data=comment_form()).status_code == 400  # no CSRF token


def test_comments_are_rate_limited(limited_app, draft_for_comment):
    client = limited_app.test_client()
    with as_of(DURING):
        codes = [send_comment(client, body=f"第 {i} 条意见，内容足够十个字。").status_code for i in range(6)]
    assert codes == [303] * 5 + [429]


def test_moderation_decides_what_the_public_sees_and_keeps_the_reason(app, session, draft_for_comment):
    business = app.test_client()
    with as_of(DURING):
        send_comment(business)
        send_comment(business, body="与本文件无关的广告内容，请联系我们购买。", company="某某广告公司")
    first, spam = stored(session)
    assert first.body not in business.get(DRAFT).get_data(as_text=True)  # pending: not public yet
    staff = app.test_client()
    login(staff, "gao")
    manage = "/staff/consultations/yshj-draft"
    page = staff.get(manage).get_data(as_text=True)
    assert "李女士" in page and "13800000000" in page  # the contact bureau sees who commented
    assert post(staff, f"{manage}/comments/{first.id}/moderate", {"visibility": "published"}, page=manage).status_code == 303
    no_reason = post(staff, f"{manage}/comments/{spam.id}/moderate", {"visibility": "hidden"}, page=manage)
    assert no_reason.status_code == 400 and "请写明不公开的理由" in no_reason.get_data(as_text=True)
    assert post(staff, f"{manage}/comments/{spam.id}/moderate", {"visibility": "hidden", "reason": "与本文件无关的广告"},
                page=manage).status_code == 303
    public = business.get(DRAFT).get_data(as_text=True)
    assert first.body in public and "会宁县****公司" in public
    assert spam.body not in public and "李女士" not in public and "13800000000" not in public
    first, spam = stored(session)
    assert (spam.visibility, spam.moderation_reason, spam.moderated_by) == (Visibility.HIDDEN, "与本文件无关的广告", "高经办")


def test_the_adoption_report_follows_the_close_and_stays_when_the_policy_comes_into_force(
        app, session, draft_for_comment):
    business = app.test_client()
    with as_of(DURING):
        send_comment(business)
        send_comment(business, article="全文", body="建议增加对个体工商户的专门条款。")
    first, second = stored(session)
    staff = app.test_client()
    login(staff, "gao")
    manage = "/staff/consultations/yshj-draft"
    with as_of(DURING):
        early = post(staff, f"{manage}/report", {"summary": "总体说明"}, page=manage)
        assert early.status_code == 400 and "意见征集结束后才能发布" in early.get_data(as_text=True)
        assert post(staff, f"{manage}/comments/{first.id}/decide", {"decision": "adopted", "reason": "已改为半个工作日"},
                    page=manage).status_code == 303
    with as_of(AFTER):
        unmoderated = post(staff, f"{manage}/report", {"summary": "总体说明"}, page=manage)
        assert unmoderated.status_code == 400 and "还有 2 条意见未审核" in unmoderated.get_data(as_text=True)
        for item in (first, second):
            assert post(staff, f"{manage}/comments/{item.id}/moderate", {"visibility": "published"},
                        page=manage).status_code == 303
        undecided = post(staff, f"{manage}/report", {"summary": "总体说明"}, page=manage)
        assert undecided.status_code == 400 and "还有 1 条意见未作采纳决定" in undecided.get_data(as_text=True)
        no_reason = post(staff, f"{manage}/comments/{second.id}/decide", {"decision": "not_adopted"}, page=manage)
        assert no_reason.status_code == 400
        assert post(staff, f"{manage}/comments/{second.id}/decide",
                    {"decision": "not_adopted", "reason": "个体工商户另有专项政策"}, page=manage).status_code == 303
        assert post(staff, f"{manage}/report", {"summary": "共收到两条意见，已逐条研究。"}, page=manage).status_code == 303
        again = post(staff, f"{manage}/comments/{first.id}/decide", {"decision": "partly", "reason": "改"}, page=manage)
        assert again.status_code == 400 and "不能再修改" in again.get_data(as_text=True)
        hide = post(staff, f"{manage}/comments/{first.id}/moderate", {"visibility": "hidden", "reason": "撤回"}, page=manage)
        assert hide.status_code == 400 and "不能再修改审核结果" in hide.get_data(as_text=True)
    page = business.get(DRAFT).get_data(as_text=True)
    assert "意见采纳情况说明" in page and "共收到意见 2 条" in page and "采纳 1 条" in page and "不采纳 1 条" in page
    assert "已改为半个工作日" in page and "个体工商户另有专项政策" in page and "李女士" not in page

    import_content(session, f.lines(draft(status="in_force", title="会宁县优化营商环境若干措施",
                                          doc_number="会政办发〔2026〕3号")))
    session.commit()
    kept = business.get(DRAFT).get_data(as_text=True)
    assert "意见采纳情况说明" in kept and "已改为半个工作日" in kept and "提出意见" not in kept
    assert session.scalar(select(func.count()).select_from(AdoptionReport)) == 1


def test_only_the_contact_bureau_manages_its_consultation(app, session, draft_for_comment):
    with as_of(DURING):
        send_comment(app.test_client())
    [item] = stored(session)
    manage = "/staff/consultations/yshj-draft"
    other = app.test_client()
    login(other, "wang")
    assert other.get(manage).status_code == 404
    assert post(other, f"{manage}/comments/{item.id}/decide", {"decision": "adopted", "reason": "x"},
                page="/staff/").status_code == 404
    assert "yshj-draft" not in other.get("/staff/consultations").get_data(as_text=True)
    supervisor = app.test_client()
    login(supervisor, "dbz")
    assert supervisor.get(manage).status_code == 403
    assert app.test_client().get(manage).status_code == 302
    assert stored(session)[0].decision is None


def test_a_decision_needs_a_known_choice(app, session, draft_for_comment):
    with as_of(DURING):
        send_comment(app.test_client())
    [item] = stored(session)
    staff = app.test_client()
    login(staff, "gao")
    manage = "/staff/consultations/yshj-draft"
    response = post(staff, f"{manage}/comments/{item.id}/decide", {"decision": "maybe", "reason": "x"}, page=manage)
    assert response.status_code == 400 and "请选择采纳、部分采纳或不采纳" in response.get_data(as_text=True)
    assert stored(session)[0].decision is None and Decision.ADOPTED.label == "采纳"
