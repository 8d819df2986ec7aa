"""The demo content loads through the import path, and loading it again changes nothing."""
from __future__ import annotations

import re

from portal.catalog.content import export_content


def test_seed_demo_loads_the_plan_and_is_repeatable(runner, session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "办事指南 新增" in first.output
    exported = export_content(session)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "未重复导入" in again.output
    second = runner.invoke(args=["seed-demo", "--force"])
    assert second.exit_code == 0, second.output
    assert re.findall(r"新增 (\d+) 条", second.output) == ["0"] * 5  # bureaus, topics, guides, policies, synonyms
    session.expire_all()
    assert export_content(session) == exported
