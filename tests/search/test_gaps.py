"""What people searched: queries with no result for the staff (and a synonym from there in one step),
热搜 on the home page; no address and no personal data kept, one person counted once a day."""
from __future__ import annotations

import datetime as dt
import sys
import threading
import time

import pytest
from sqlalchemy import inspect, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.catalog.content import export_content, import_content
from portal.catalog.models import Synonym
from portal.extensions import limiter
from portal.search import gaps
from portal.search.models import SearchCount, SearchGap
from tests import factories as f
from tests.clock import TODAY
from tests.forms import post
from tests.servers import pinned_thread
from tests.staff import login, make_user


@pytest.fixture(autouse=True)
def _fresh_person_counts():
    limiter.storage.reset()  # who searched what today is kept in the limiter's storage, shared by the apps
    yield


@pytest.fixture
def content(session, index):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide(), f.guide(slug="diya-bandian", title="低压用电报装",
                                                                             code=None, summary="小微企业用电报装。")))
    session.commit()
    index.drain()


def search_from(client, q: str, address: str = "10.0.0.1", **params) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, **params}, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200
    return response.get_json()


def test_a_query_with_no_result_is_recorded_once_a_day_per_person_without_an_address(session, content, client):
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2"):
        assert search_from(client, "宇宙 飞船", address)["total"] == 0
    client.get("/search", query_string={"q": "宇宙 飞船"}, environ_base={"REMOTE_ADDR": "10.0.0.3"})
    gap = session.scalars(select(SearchGap)).one()
    assert (gap.text, gap.count) == ("宇宙 飞船", 3)
    assert gap.last_at >= gap.first_at
    columns = {c.key for c in inspect(SearchGap).columns} | {c.key for c in inspect(SearchCount).columns}
    assert columns == {"id", "text", "count", "first_at", "last_at", "day"}  # no address, no session


def test_filtered_later_pages_and_suggestions_are_not_counted(session, content, client):
    search_from(client, "宇宙飞船", kind="guide")
    search_from(client, "公章刻制", page=2)
    client.get("/api/v1/suggest", query_string={"q": "宇宙飞船"})
    assert session.scalars(select(SearchGap)).all() == [] and session.scalars(select(SearchCount)).all() == []


@pytest.mark.parametrize("query", ["13800000000", "我的电话 138-0000-0000", "zhang@example.cn",
                                   "91110000600037341L", "身份证 620422199001011234", "长" * 51])
def test_what_looks_like_personal_data_is_never_recorded(session, content, client, query):
    search_from(client, query)
    assert gaps.recordable(query) == ""
    assert session.scalars(select(SearchGap)).all() == [] and session.scalars(select(SearchCount)).all() == []


def test_hot_searches_need_several_people_within_seven_days(session, content, client):
    for address in ("10.0.1.1", "10.0.1.2", "10.0.1.3"):
        assert search_from(client, "公章刻制", address)["total"] == 1
    for _ in range(5):
        search_from(client, "用电报装", "10.0.1.9")  # one person, many times: counted once
    home = client.get("/").get_data(as_text=True)
    hot = home[home.index('<nav class="hot-searches"'):]
    hot = hot[:hot.index("</nav>")]
    assert "热搜" in hot and "公章刻制" in hot and "用电报装" not in hot
    # older than seven days: gone
    session.add(SearchCount(text="企业开办", day=TODAY - dt.timedelta(days=8), count=50))
    session.commit()
    assert gaps.hot_queries(session, TODAY) == ["公章刻制"]  # the county's day the searches were counted on


def test_no_hot_searches_no_section(session, content, client):
    assert "hot-searches" not in client.get("/").get_data(as_text=True)


def test_the_gap_list_is_for_admins_and_the_supervising_office(session, content, client, app):
    search_from(client, "盖个章")
    make_user(session, "admin1", Role.ADMIN, None)
    make_user(session, "dbz1", Role.SUPERVISOR, None)
    make_user(session, "staff1", Role.STAFF, "scjgj")
    assert client.get("/staff/search-gaps").status_code == 302  # to the login page
    for username, status in (("staff1", 403), ("dbz1", 200), ("admin1", 200)):
        other = app.test_client()
        login(other, username)
        response = other.get("/staff/search-gaps")
        assert response.status_code == status, username
        if status == 200:
            assert "盖个章" in response.get_data(as_text=True)


def test_a_synonym_is_added_from_a_gap_in_one_step(session, content, client, index):
    assert search_from(client, "盖个章")["total"] == 0
    make_user(session, "dbz1", Role.SUPERVISOR, None)
    login(client, "dbz1")
    gap = session.scalars(select(SearchGap)).one()
    response = post(client, f"/staff/search-gaps/{gap.id}/synonym", {"means": "公章刻制、刻制公章"},
                    page="/staff/search-gaps")
    assert response.status_code == 303
    session.expire_all()
    assert session.scalars(select(Synonym).where(Synonym.term == "盖个章")).one().means == ["公章刻制", "刻制公章"]
    assert session.scalars(select(SearchGap)).all() == []
    assert '{"kind": "synonym", "term": "盖个章", "means": ["公章刻制", "刻制公章"]}' in export_content(session)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "search_synonym")).one()
    assert entry.target == "盖个章" and entry.username == "dbz1"
    index.drain()
    assert [r["slug"] for r in search_from(client, "盖个章", "10.0.0.9")["results"]][0] == "gongzhang-kezhi"


def test_an_empty_or_bad_synonym_is_refused_with_a_message_and_nothing_is_written(session, content, client):
    search_from(client, "盖个章")
    make_user(session, "admin1", Role.ADMIN, None)
    login(client, "admin1")
    gap = session.scalars(select(SearchGap)).one()
    for means, message in (("", "请填写"), ("长" * 51, "过长")):
        response = post(client, f"/staff/search-gaps/{gap.id}/synonym", {"means": means}, page="/staff/search-gaps")
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Synonym)).all() == [] and session.scalars(select(SearchGap)).one().count == 1
    assert post(client, "/staff/search-gaps/99999/synonym", {"means": "公章刻制"},
                page="/staff/search-gaps").status_code == 404


def test_a_gap_can_be_dismissed(session, content, client):
    search_from(client, "宇宙飞船")
    make_user(session, "admin1", Role.ADMIN, None)
    login(client, "admin1")
    gap = session.scalars(select(SearchGap)).one()
    assert post(client, f"/staff/search-gaps/{gap.id}/dismiss", page="/staff/search-gaps").status_code == 303
    session.expire_all()
    assert session.scalars(select(SearchGap)).all() == []
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "search_gap_dismiss")).one()


def test_the_gaps_are_listed_on_the_command_line(session, content, client, runner):
    search_from(client, "宇宙飞船")
    search_from(client, "宇宙飞船", "10.0.0.2")
    result = runner.invoke(args=["search", "gaps"])
    assert result.exit_code == 0 and "    2  " in result.output and "宇宙飞船" in result.output
    assert "共 1 条没有结果的搜索" in result.output


def all_at_once(threads: list[threading.Thread]) -> None:
    """Run the threads to their end, taking turns as often as they can: a race shows in a few rounds."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)


def test_people_searching_at_the_same_moment_are_each_counted_once(app, session, content):
    """A threaded server (the development server, the browser tests' live server) answers several
    searches at once; each person's query is counted once a day, whatever the others do meanwhile, and
    no search fails for the counting. limits' memory storage, used from several threads, could reset a
    new key's count (the person counted twice) and start its expiry timer twice."""
    threads, rounds = 8, 100
    barrier = threading.Barrier(threads)
    answers: list[int] = []

    def searcher(n: int) -> None:
        client = app.test_client()
        for r in range(rounds):
            time.sleep(0.02)  # long enough for the storage's expiry timer to have run out
            barrier.wait()
            # one person asks the same query twice at once (two tabs, a double click): counted once
            query = "星际" + chr(0x4E00 + r * 16 + n // 2) + "旅行"
            response = client.get("/api/v1/search", query_string={"q": query},
                                  environ_base={"REMOTE_ADDR": f"10.0.3.{n // 2}"})
            answers.append(response.status_code)

    all_at_once([pinned_thread(searcher, n) for n in range(threads)])
    assert answers == [200] * (threads * rounds)
    counts = dict(session.execute(select(SearchGap.text, SearchGap.count)).all())
    assert len(counts) == rounds * threads // 2 and set(counts.values()) == {1}


def test_the_count_of_one_person_and_query_holds_under_threads(app):
    """The storage the searches are counted in, as the app configures it (memory://), used by several
    threads at once: each key counted exactly, never reset by another thread's read of a new key."""
    threads, rounds = 8, 200
    barrier = threading.Barrier(threads)
    storage = limiter.storage

    def counter(n: int) -> None:
        for r in range(rounds):
            time.sleep(0.012)  # the expiry timer has run out: the next increments all restart it
            barrier.wait()
            storage.incr(f"threads-{r}-{n // 2}", 60)

    all_at_once([pinned_thread(counter, n) for n in range(threads)])
    assert [storage.get(f"threads-{r}-{p}") for r in range(rounds) for p in range(threads // 2)] == [2] * (
        rounds * threads // 2)
