"""Subscribing through the form: CSRF, per-field messages with status 400 and nothing written, the
same answer whether the address was known or not, a rate limit, and the whole double opt-in journey
on the demo content: form → mailed confirm link → a demo policy published → one mail."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from portal.catalog.content import import_content, policy_line
from portal.catalog.models import Policy
from portal.cli import DEMO_CONTENT
from portal.clock import as_of, now
from portal.editing import services as editing
from portal.mail import MailMessage
from portal.subscriptions.models import Subscriber
from tests.forms import csrf_token
from tests.staff import make_user
from tests.subscriptions.conftest import click, links, send


def subscribe_through_form(client, **fields):
    """POST the subscription form: boss@example.com for 惠企政策兑现 unless `fields` say otherwise (None leaves one out)."""
    data = {"email": "boss@example.com", "topics": ["hqzc"], "consent": "true",
            "csrf_token": csrf_token(client, "/subscribe")}
    data.update(fields)
    return client.post("/subscribe", data={k: v for k, v in data.items() if v is not None})


def written(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Subscriber)),
            session.scalar(select(func.count()).select_from(MailMessage)))


def test_the_form_offers_topics_bureaus_and_beneficiary_types(session, client, catalog_without_policies):
    page = client.get("/subscribe?topic=hqzc").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert re.search(r'value="hqzc" checked', page) and 'value="qykb"' in page
    assert 'value="gxj"' in page and "县工信局" in page
    for name in ("小微企业", "个体工商户", "高新技术企业"):
        assert f'value="{name}"' in page
    assert 'value="全部市场主体"' not in page


def test_a_bad_email_gets_400_beside_the_field_the_form_kept_and_nothing_written(session, client,
                                                                                 catalog_without_policies):
    response = subscribe_through_form(client, email="not-an-address", beneficiaries=["小微企业"])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="email-error"' in page and "电子邮箱格式不正确" in page and 'aria-invalid="true"' in page
    assert 'value="not-an-address"' in page and re.search(r'value="hqzc" checked', page)
    assert re.search(r'value="小微企业" checked', page)
    assert written(session) == (0, 0)


def test_each_bad_field_is_refused_with_its_message(session, client, catalog_without_policies):
    cases = [
        ({"email": ""}, "email-error", "请填写接收推送的电子邮箱"),
        ({"topics": None}, "choices-error", "至少选择一个"),
        ({"topics": ["no-such-topic"]}, "topics-error", "所选领域不存在"),
        ({"bureaus": ["nope"]}, "bureaus-error", "所选部门不存在"),
        ({"beneficiaries": ["<script>"]}, "beneficiaries-error", "不在可选范围内"),
        ({"consent": None}, "consent-error", "请阅读并同意"),
        ({"email": "boss@example.com\u0000x"}, "email-error", "格式不正确"),
    ]
    for fields, anchor, message in cases:
        response = subscribe_through_form(client, **fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, fields
        assert f'id="{anchor}"' in page and message in page, fields
    assert written(session) == (0, 0)


def test_posting_without_the_csrf_token_is_refused(session, client, catalog_without_policies):
    response = client.post("/subscribe", data={"email": "boss@example.com", "topics": "hqzc", "consent": "true"})
    assert response.status_code == 400
    assert written(session) == (0, 0)


def test_a_known_and_an_unknown_address_get_the_same_answer(session, client, catalog_without_policies):
    first = subscribe_through_form(client)
    again = subscribe_through_form(client)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"] == "/subscribe/sent"
    page = client.get("/subscribe/sent").get_data(as_text=True)
    assert "确认邮件" in page and "boss@example.com" not in page


def test_confirmation_mails_to_one_address_are_capped_per_day(session, client, catalog_without_policies):
    for _ in range(5):
        assert subscribe_through_form(client, email="Victim@Example.com").status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Subscriber)) == 3
    assert {s.email for s in session.scalars(select(Subscriber))} == {"victim@example.com"}


def test_subscribing_is_rate_limited(limited_app, catalog_without_policies):
    client = limited_app.test_client()
    token = csrf_token(client, "/subscribe")
    codes = [client.post("/subscribe", data={"email": "bad", "csrf_token": token}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


def test_a_subscription_confirmed_through_the_mailed_link_yields_a_mail_when_a_demo_policy_is_published(
        session, client, runner, mail_to):
    with as_of(now() - dt.timedelta(hours=1)), DEMO_CONTENT.open(encoding="utf-8") as handle:  # before subscribing
        import_content(session, handle)
        session.commit()
    assert subscribe_through_form(client, topics=None, beneficiaries=["小微企业"]).status_code == 303
    mail_to.wait_for(1)
    confirmation = mail_to.messages[0]
    assert confirmation["To"] == "boss@example.com" and "确认" in confirmation["Subject"]
    assert "企业类型：小微企业" in confirmation.get_content()
    [confirm_link] = links(confirmation)
    assert "订阅已确认" in click(client, confirm_link).get_data(as_text=True)

    assert "推送邮件 0 封" in send(runner)  # nothing published since the confirmation
    plan = session.scalars(select(Policy).where(Policy.slug == "huining-yshj-2022")).one()
    record = {k: v for k, v in policy_line(plan).items() if k != "kind"}
    record.update(status="in_force", title="会宁县优化营商环境升级行动工作方案", effective_from=None)
    staff = make_user(session, "fgj-editor", "staff", bureau="fgj")
    document = editing.find_document(session, staff.as_actor(), "policy", plan.slug)
    editing.publish(session, staff.as_actor(), "policy", record, note="正式印发", document=document)
    session.commit()

    assert "推送邮件 1 封" in send(runner)
    mail_to.wait_for(2)
    pushed = mail_to.messages[1]
    assert pushed["Subject"] == "【政策推送】正式施行：会宁县优化营商环境升级行动工作方案"
    text = pushed.get_content()
    assert "/policies/huining-yshj-2022" in text and "全部市场主体" in text
    assert "推送邮件 0 封" in send(runner) and len(mail_to.messages) == 2
