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
