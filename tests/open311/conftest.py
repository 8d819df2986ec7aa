"""A live portal for Open311 clients: the test app served by werkzeug on a free port (the pinned clock
kept), its catalog with a topic led by 县市场监管局, one without a lead and one of 县住建局, and keys made
with the real `apikeys` command."""
from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from portal.catalog.content import import_content
from tests import factories as f
from tests.servers import pinned_wsgi


@pytest.fixture
def open311_catalog(session):
    """Bureaus scjgj, zjj and fgj (the supervising office); topics qykb (lead scjgj, measure 2), jzxk (lead
    zjj, measure 3) and bhzxtzz (no lead, a key indicator without a measure); the guide gongzhang-kezhi."""
    import_content(session, f.lines(
        f.bureau(), f.bureau("fgj", "县发改局", supervisor=True), f.bureau("zjj", "县住建局"),
        f.topic(key_indicator=True, measures=[2], description="企业登记、公章刻制。"),
        f.topic("jzxk", "办理建筑许可", lead="zjj", key_indicator=True, measures=[3]),
        f.topic("bhzxtzz", "保护中小投资者", lead=None, key_indicator=True),
        f.guide(),
    ))
    session.commit()


@pytest.fixture
def live(app, open311_catalog):
    """The base URL of the app served live, in threads that keep the pinned clock."""
    server = make_server("127.0.0.1", 0, pinned_wsgi(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def make_key(runner, name: str, channel: str = "open311") -> str:
    """A key made by `flask --app portal apikeys create`, read off the last line it prints."""
    result = runner.invoke(args=["apikeys", "create", name, "--channel", channel])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"hn311_[A-Za-z0-9_-]{43}", last), result.output
    return last


FILING = {  # a good GeoReport POST, form-encoded as the spec has it
    "service_code": "qykb", "description": "我公司于上月在政务服务中心申请营业执照，至今未办结，窗口未说明原因。",
    "last_name": "王", "first_name": "先生", "phone": "13800000000",
    "attribute[type]": "complaint", "attribute[subject]": "营业执照办理超时", "attribute[consent]": "true",
    "attribute[company_name]": "会宁县某某商贸有限公司", "attribute[credit_code]": "91110000600037341L",
}
