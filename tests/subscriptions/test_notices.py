"""Notices are recorded with the change itself: policies published, opened for comment or put in
force; guides whose time limits, fees or materials change. Drafts and other edits record nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.catalog.content import import_content
from portal.clock import as_of
from portal.subscriptions.models import Notice
from tests import factories as f
from tests.subscriptions.conftest import publish, send


def notices(session) -> list[tuple[str, str, str]]:
    session.expire_all()
    return [(n.kind, n.slug, n.what) for n in session.scalars(select(Notice).order_by(Notice.id))]


def test_a_new_policy_in_force_records_a_notice_with_what_matching_needs(session, catalog_without_policies):
    publish(session, beneficiaries=["小微企业", "个体工商户"])
    notice = session.scalars(select(Notice)).one()
    assert (notice.kind, notice.slug, notice.what, notice.title) == (
        "policy", "xiaowei-jianmian", "新发布", "小微企业房租减免办法")
    assert notice.bureau == "gxj" and notice.topics == ["hqzc"] and notice.beneficiaries == ["小微企业", "个体工商户"]


def test_drafts_record_no_notice(session, catalog_without_policies):
    publish(session, status="draft")
    publish(session, status="draft", title="小微企业房租减免办法（修改稿）")
    assert notices(session) == []


def test_a_draft_put_out_for_comment_and_then_in_force_records_each_step(session, catalog_without_policies):
    publish(session, status="draft")
    publish(session, status="consultation")
    publish(session, status="in_force")
    publish(session, status="in_force", summary="只改了摘要。")
    publish(session, status="expired")
    assert notices(session) == [("policy", "xiaowei-jianmian", "公开征求意见"),
                                ("policy", "xiaowei-jianmian", "正式施行")]


def test_a_new_policy_open_for_comment_records_a_notice(session, catalog_without_policies):
    publish(session, status="consultation")
    assert notices(session) == [("policy", "xiaowei-jianmian", "公开征求意见")]


def test_a_rolled_back_change_leaves_no_notice(session, catalog_without_policies):
    import_content(session, f.lines(f.policy("xiaowei-jianmian", "小微企业房租减免办法", bureau="gxj", topics=["hqzc"])))
    session.rollback()
    assert notices(session) == []


def test_a_guide_fee_change_records_a_notice(session, catalog_without_policies):
    import_content(session, f.lines(f.guide(fee="工本费 20 元")))
    session.commit()
    notice = session.scalars(select(Notice)).one()
    assert (notice.kind, notice.slug, notice.what) == ("guide", "gongzhang-kezhi", "收费调整")
    assert notice.bureau == "scjgj" and notice.topics == ["qykb"] and notice.beneficiaries == []


def test_several_guide_changes_make_one_notice(session, catalog_without_policies):
    materials = [{"name": "营业执照", "form": "原件", "copies": 1, "required": True, "note": ""},
                 {"name": "法定代表人身份证", "form": "复印件", "copies": 1, "required": True, "note": ""}]
    import_content(session, f.lines(f.guide(promised_days=2, statutory_days=5, materials=materials)))
    session.commit()
    assert notices(session) == [("guide", "gongzhang-kezhi", "办理时限调整、申请材料调整")]


def test_other_guide_edits_and_new_guides_record_nothing(session, catalog_without_policies):
    import_content(session, f.lines(f.guide(summary="新的摘要。", hours="工作日 9:00-17:00"),
                                    f.guide("yingye-zhizhao", "营业执照办理")))
    session.commit()
    assert notices(session) == []


def test_the_send_job_records_comes_into_force_once_on_its_day(session, runner, catalog_without_policies):
    publish(session, published_on="2030-03-01", effective_from="2030-04-01")
    with as_of(dt.datetime(2030, 3, 31, 9)):
        send(runner)
    with as_of(dt.datetime(2030, 4, 1, 7, 30)):
        assert "今日起施行通知 1 条" in send(runner)
        assert "今日起施行通知 0 条" in send(runner)
    with as_of(dt.datetime(2030, 4, 2, 7, 30)):
        send(runner)
    assert notices(session) == [("policy", "xiaowei-jianmian", "新发布"), ("policy", "xiaowei-jianmian", "今日起施行")]


def test_a_policy_effective_on_its_publication_day_gets_no_second_notice(session, runner, catalog_without_policies):
    with as_of(dt.datetime(2030, 4, 1, 10)):
        publish(session, published_on="2030-04-01", effective_from="2030-04-01")
        send(runner)
    with as_of(dt.datetime(2030, 5, 1, 10)):
        publish(session, "jiuwen", "旧文新录", published_on="2030-04-20", effective_from="2030-05-01")
        send(runner)  # imported on the day it takes effect: 新发布 already says so
    assert notices(session) == [("policy", "xiaowei-jianmian", "新发布"), ("policy", "jiuwen", "新发布")]
