"""A periodic job that the same timer starts on every host runs once at a time (issue 18): the second
run finds the lock taken, says so and does nothing."""
from __future__ import annotations

from portal.boundary import job_lock


def test_a_job_whose_lock_is_taken_elsewhere_is_skipped_and_runs_once_it_is_free(app, runner):
    with app.app_context(), job_lock("tickets autoclose") as ours:
        assert ours
        busy = runner.invoke(args=["tickets", "autoclose"])
        assert busy.exit_code == 0 and "正在其他主机或进程上运行，本次跳过" in busy.output
        assert "自动办结" not in busy.output
        other = runner.invoke(args=["policies", "expire"])  # another job is not held up
        assert "共 0 件政策文件标记为已失效" in other.output
    free = runner.invoke(args=["tickets", "autoclose"])
    assert free.exit_code == 0 and "自动办结 0 件" in free.output
