"""Rate limits hold per client across every gunicorn worker: the counts live in Redis, and production
refuses to start with per-process counts (issue 19, finding 1)."""
from __future__ import annotations

from tests.hosts import gunicorn, portal_env

NUMBER = "20261201-0001"  # no such ticket: a wrong code and an unknown number get the same answer


def test_wrong_code_guesses_are_counted_across_workers_in_redis(tmp_path, redis_url):
    env = portal_env(tmp_path, PORTAL_RATELIMIT_STORAGE=redis_url, PORTAL_WORKERS="3")
    with gunicorn(env) as host:
        statuses = [host.get(f"/api/v1/tickets/{NUMBER}?code=WRONGCODE{i:03d}")[0] for i in range(15)]
        assert statuses == [404] * 10 + [429] * 5  # TRACKING_LIMIT: 10 a minute, whichever worker answers
        assert "rate limits counted in redis://" in host.output()


def test_make_run_says_its_counts_are_per_process(tmp_path):
    env = portal_env(tmp_path, PORTAL_WORKERS="2")
    with gunicorn(env) as host:
        assert host.get("/healthz")[0] == 200
    assert "rate limits counted in memory:// (each worker alone; production needs redis://)" in host.output()


def test_a_rate_limit_store_that_cannot_be_reached_gets_a_503_not_a_500(app, tmp_path):
    """Redis down (or unreachable): the pages that count (tracking, here by the API and the form) are
    answered 503 with a Chinese message and a Retry-After, as a busy database is."""
    from tests.conftest import make_app
    from tests.forms import csrf_token
    from tests.servers import free_port

    cut_off = make_app(app.config["DATABASE_URL"], tmp_path / "index", RATELIMIT_ENABLED=True,
                       RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    client = cut_off.test_client()
    form = {"number": NUMBER, "code": "WRONGCODE000", "csrf_token": csrf_token(client, "/tickets/track")}
    for response in (client.get(f"/api/v1/tickets/{NUMBER}?code=WRONGCODE000"), client.post("/tickets/track", data=form)):
        assert response.status_code == 503, response.status_code
        assert response.headers["Retry-After"] == "30"
    page = client.post("/tickets/track", data=form).get_data(as_text=True)
    assert "服务暂不可用" in page and "访问计数服务暂时无法连接" in page
    answer = client.get(f"/api/v1/tickets/{NUMBER}?code=WRONGCODE000").get_json()
    assert answer["error"] == "服务暂不可用"
