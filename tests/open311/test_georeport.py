"""Open311 GeoReport v2 against a live server: the stock `georeport` client from PyPI lists the services,
reads a definition and reads the tickets, in JSON and in XML; POSTs and errors in plain HTTP as the spec
writes them (form-encoded; JSON too), in both formats."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree as ET

import pytest
from georeport import GeoReport
from sqlalchemy import select

from portal.tickets.models import Channel, Ticket
from tests.forms import post as form_post
from tests.open311.conftest import FILING, make_key


def post(base: str, path: str, fields: dict, as_json: bool = False) -> tuple[int, bytes, dict]:
    if as_json:
        data, kind = json.dumps(fields, ensure_ascii=False).encode(), "application/json"
    else:
        data, kind = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(base + path, data=data, method="POST", headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def get(base: str, path: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def xml_errors(body: bytes) -> list[tuple[str, str]]:
    root = ET.fromstring(body)
    assert root.tag == "errors"
    return [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_stock_client_lists_the_services_and_reads_a_definition(live, fmt):
    client = GeoReport(live + "/open311/v2", output_format=fmt)
    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert list(by_code) == ["qykb", "jzxk", "bhzxtzz"]
    expected_metadata = True if fmt == "json" else "true"  # XML carries text, as the spec writes it
    assert by_code["qykb"]["service_name"] == "企业开办"
    assert by_code["qykb"]["metadata"] == expected_metadata and by_code["qykb"]["type"] == "realtime"
    assert by_code["qykb"]["group"] == "（一）打造“办事更高效”的政务环境"
    assert by_code["bhzxtzz"]["group"] == "关键指标"
    assert by_code["qykb"]["description"] == "企业登记、公章刻制。（承办：县市场监管局）"

    definition = client.get_service_definition("qykb")
    assert definition["service_code"] == "qykb"
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    codes = [a["code"] for a in attributes]
    assert codes == ["type", "subject", "company_name", "credit_code", "consent", "publish", "guide", "confidential"]
    kind = attributes[0]
    values = kind["values"] if fmt == "json" else kind["values"]["value"]
    assert [(v["key"], v["name"]) for v in values] == [
        ("consultation", "咨询"), ("help", "求助"), ("complaint", "投诉"), ("suggestion", "建议")]
    required = {a["code"]: a["required"] for a in attributes}
    yes, no = (True, False) if fmt == "json" else ("true", "false")
    assert required == {"type": yes, "subject": yes, "company_name": no, "credit_code": no, "consent": yes,
                        "publish": no, "guide": no, "confidential": no}
    assert attributes[4]["datatype"] == "singlevaluelist" and "必须为 true" in attributes[4]["description"]


def test_discovery_names_the_endpoint_and_both_formats(live):
    status, body, headers = get(live, "/open311/v2/discovery.json")
    found = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert found["endpoints"][0]["url"] == live + "/open311/v2"
    assert found["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    status, body, headers = get(live, "/open311/v2/discovery.xml")
    root = ET.fromstring(body)
    assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
    assert [f.text for f in root.find("endpoints").find("endpoint").find("formats").findall("format")] == [
        "application/json", "text/xml"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_with_a_good_key_gives_a_number_and_code_that_open_the_ticket(live, runner, app, session, fmt):
    key = make_key(runner, "hotline-12345", "hotline")
    status, body, headers = post(live, f"/open311/v2/requests.{fmt}", {**FILING, "api_key": key})
    assert status == 201, body.decode()
    assert headers["Cache-Control"] == "no-store"
    if fmt == "json":
        (answer,) = json.loads(body)
    else:
        root = ET.fromstring(body)
        assert root.tag == "service_requests"
        answer = {child.tag: child.text for child in root.find("request")}
    assert set(answer) == {"service_request_id", "service_notice", "retrieval_code"}
    assert answer["service_request_id"] == "20261125-0001"
    assert answer["service_notice"] == ("已交县市场监管局办理，签收期限 2026年11月26日，答复期限 2026年12月9日"
                                        "（均为工作日计算，至当日24时）。")
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.channel, ticket.contact_name, ticket.subject) == (Channel.HOTLINE, "王先生", "营业执照办理超时")

    client = app.test_client()  # the business follows it on the tracking page with the number and code
    response = form_post(client, "/tickets/track", {"number": answer["service_request_id"],
                                                    "code": answer["retrieval_code"]})
    assert response.status_code == 303 and response.headers["Location"] == "/tickets/20261125-0001"
    page = client.get("/tickets/20261125-0001").get_data(as_text=True)
    assert "营业执照办理超时" in page and "12345转办" in page


def test_a_json_body_with_an_attribute_object_files_too(live, runner, session):
    key = make_key(runner, "wechat-app", "wechat")
    body = {k: v for k, v in FILING.items() if not k.startswith("attribute[")}
    body.update(api_key=key, attribute={"type": "help", "subject": "营业执照办理超时", "consent": True,
                                        "confidential": "true"})
    status, answer, _ = post(live, "/open311/v2/requests.json", body, as_json=True)
    assert status == 201, answer.decode()
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.channel, ticket.type.value, ticket.confidential) == (Channel.WECHAT, "help", True)


def test_the_stock_client_reads_published_and_own_tickets_without_personal_data(live, runner, session):
    key = make_key(runner, "partner")
    post(live, "/open311/v2/requests.json", {**FILING, "api_key": key, "attribute[publish]": "true"})
    post(live, "/open311/v2/requests.json", {**FILING, "api_key": key, "attribute[subject]": "未公开的诉求"})
    for fmt in ("json", "xml"):
        client = GeoReport(live + "/open311/v2", output_format=fmt)
        listed = client.get_service_requests()  # no key: published tickets only
        if fmt == "xml":  # xmltodict gives one <request> as a mapping, not a list
            listed = [listed] if isinstance(listed, dict) else listed
        assert [r["service_request_id"] for r in listed] == ["20261125-0001"]
        one = client.get_service_request("20261125-0001")
        assert one["status"] == "open" and one["service_code"] == "qykb" and one["service_name"] == "企业开办"
        assert one["description"] == "营业执照办理超时"
        assert one["agency_responsible"] == "县市场监管局" and one["status_notes"] == "待签收"
        assert one["requested_datetime"] == "2026-11-25T10:00:00+08:00"
        assert one["expected_datetime"] == "2026-12-09T23:59:59+08:00"
        text = json.dumps(one, ensure_ascii=False)
        for personal in ("王先生", "13800000000", "会宁县某某商贸有限公司", "91110000600037341L", "至今未办结"):
            assert personal not in text
    # the key that filed the unpublished one reads it too; a GET without the key does not
    status, body, _ = get(live, f"/open311/v2/requests.json?api_key={key}")
    assert [r["service_request_id"] for r in json.loads(body)] == ["20261125-0002", "20261125-0001"]
    status, body, _ = get(live, "/open311/v2/requests/20261125-0002.json")
    assert status == 404 and json.loads(body)[0]["code"] == 404


def test_status_notes_carry_the_reply_and_closed_once_answered(live, runner, session):
    from portal.actors import Actor
    from portal.catalog import queries
    from portal.tickets import services

    key = make_key(runner, "partner")
    post(live, "/open311/v2/requests.json", {**FILING, "api_key": key})
    ticket = session.scalars(select(Ticket)).one()
    staff = Actor("staff", "王经办", queries.bureau_by_code(session, "scjgj"))
    services.sign(session, ticket, staff)
    services.reply(session, ticket, staff, "经核查，营业执照已于今日办结，请到政务服务中心领取。")
    session.commit()
    status, body, _ = get(live, f"/open311/v2/requests/20261125-0001.json?api_key={key}&status=closed")
    (record,) = json.loads(body)
    assert record["status"] == "closed"
    assert record["status_notes"] == "已答复；答复（县市场监管局）：经核查，营业执照已于今日办结，请到政务服务中心领取。"
    status, body, _ = get(live, f"/open311/v2/requests.json?api_key={key}&status=open")
    assert json.loads(body) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_revoked_key_a_wrong_service_and_a_missing_attribute_get_the_specs_errors(live, runner, session, fmt):
    key = make_key(runner, "partner")
    path = f"/open311/v2/requests.{fmt}"

    def refused(fields: dict) -> tuple[int, list[tuple[str, str]]]:
        status, body, headers = post(live, path, fields)
        if fmt == "json":
            return status, [(str(e["code"]), e["description"]) for e in json.loads(body)]
        assert headers["Content-Type"] == "text/xml; charset=utf-8"
        return status, xml_errors(body)

    assert refused({**FILING, "service_code": "nosuch", "api_key": key}) == (
        404, [("404", "service_code：没有代码为 nosuch 的服务（service_code）。")])
    missing = {k: v for k, v in FILING.items() if k != "attribute[subject]"}
    assert refused({**missing, "api_key": key}) == (400, [("400", "attribute[subject]：标题应为 4 至 100 个字。")])
    assert refused({**FILING, "attribute[consent]": "false", "phone": "123", "api_key": key}) == (400, [
        ("400", "phone：请填写 11 位手机号码，或带区号的固定电话（如 0943-3212345）。"),
        ("400", "attribute[consent]：请阅读并同意个人信息使用说明后再提交。")])
    assert refused(FILING) == (403, [("403", "缺少 api_key。")])
    assert refused({**FILING, "api_key": "hn311_" + "x" * 43}) == (403, [("403", "api_key 无效。")])
    assert session.scalars(select(Ticket)).all() == []  # nothing was stored by any of them

    assert post(live, path, {**FILING, "api_key": key})[0] == 201
    revoked = runner.invoke(args=["apikeys", "revoke", "partner"])
    assert revoked.exit_code == 0 and "已吊销 API key partner" in revoked.output
    assert refused({**FILING, "api_key": key}) == (403, [("403", "api_key 已被吊销。")])  # at once
    status, body, _ = get(live, f"/open311/v2/requests.{fmt}?api_key={key}")
    assert status == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_services_requests_and_paths_are_404_in_the_specs_shape(live, fmt):
    for path in (f"/open311/v2/services/nosuch.{fmt}", f"/open311/v2/requests/20261125-9999.{fmt}",
                 f"/open311/v2/tickets.{fmt}"):
        status, body, _ = get(live, path)
        codes = [c for c, _ in xml_errors(body)] if fmt == "xml" else [str(e["code"]) for e in json.loads(body)]
        assert (status, codes) == (404, ["404"]), path
    status, body, _ = get(live, f"/open311/v2/requests.{fmt}?start_date=yesterday")
    assert status == 400


def test_a_body_over_64_kb_is_refused_before_it_is_read(live, runner):
    key = make_key(runner, "partner")
    status, body, _ = post(live, "/open311/v2/requests.json", {**FILING, "api_key": key,
                                                               "description": "很长" * 40000})
    assert status == 413 and json.loads(body)[0]["code"] == 413


def test_apikeys_list_shows_names_and_channels_never_the_key(runner):
    key = make_key(runner, "hotline-12345", "hotline")
    result = runner.invoke(args=["apikeys", "list"])
    assert result.exit_code == 0 and "hotline-12345\thotline\t" + key[:10] + "…" in result.output
    assert key not in result.output and "共 1 个。" in result.output
    again = runner.invoke(args=["apikeys", "create", "hotline-12345"])
    assert again.exit_code == 1 and "已有名为 hotline-12345 的 API key" in again.output
    assert runner.invoke(args=["apikeys", "create", "x", "--channel", "phone"]).exit_code == 2  # click's choice


def test_rate_limits_count_per_key(limited_app, runner, open311_catalog):
    first, second = make_key(runner, "first"), make_key(runner, "second")
    limited_app.config["OPEN311_LIMIT"] = "2 per minute"
    client = limited_app.test_client()
    codes = [client.get(f"/open311/v2/requests.json?api_key={first}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get(f"/open311/v2/requests.json?api_key={first}")
    assert json.loads(response.data)[0]["code"] == 429
    assert client.get(f"/open311/v2/requests.json?api_key={second}").status_code == 200  # its own count
