"""Content files: upsert by code/slug, all or nothing, exact errors, round trips."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from portal.catalog.content import ContentError, export_content, import_content
from portal.catalog.models import Bureau, Guide, Policy, PolicyStatus, Topic
from tests import factories as f


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def good_file() -> list[str]:
    return f.lines(
        f.bureau(),
        f.bureau("gaj", "县公安局"),
        f.topic(co=["gaj"]),
        f.topic("bhzxtzz", "保护中小投资者", lead=None),
        f.guide(),
        f.policy(),
        f.policy("yshj-2022-m02", "措施2：优化企业开办流程", status="consultation", doc_number=None,
                 part_of="huining-yshj-2022", measure_no=2),
        f.policy("huining-yshj-2022", "会宁县优化营商环境升级行动工作方案（征求意见稿）", status="consultation",
                 doc_number=None),
        {"kind": "synonym", "term": "开公司", "means": ["企业开办"]},
    )


def test_good_file_imports_every_kind(session):
    report = import_content(session, good_file())
    session.commit()
    assert report.created == {"bureau": 2, "topic": 2, "guide": 1, "policy": 3, "synonym": 1}
    topic = session.scalars(select(Topic).where(Topic.code == "qykb")).one()
    assert topic.lead.code == "scjgj" and [b.code for b in topic.co_bureaus] == ["gaj"]
    assert session.scalars(select(Topic).where(Topic.code == "bhzxtzz")).one().lead is None
    part = session.scalars(select(Policy).where(Policy.slug == "yshj-2022-m02")).one()
    assert part.part_of.slug == "huining-yshj-2022"  # parent given after its part in the file


def test_import_is_an_upsert_by_key(session):
    import_content(session, good_file())
    session.commit()
    report = import_content(session, f.lines(f.bureau(name="会宁县市场监督管理局"), f.guide(title="公章刻制")))
    session.commit()
    assert report.updated == {"bureau": 1, "guide": 1} and not report.created
    assert count(session, Bureau) == 2
    assert session.scalars(select(Guide.title)).one() == "公章刻制"


def test_fields_not_given_take_their_defaults(session):
    import_content(session, f.lines(f.bureau(), {"kind": "guide", "slug": "x", "title": "某事项", "bureau": "scjgj"}))
    guide = session.scalars(select(Guide)).one()
    assert guide.materials == [] and guide.fee == "不收费" and guide.case_type.value == "promised"
    assert guide.fully_online is False and guide.updated_on is not None


def _errors(session, lines) -> list[tuple[int, str, str]]:
    with pytest.raises(ContentError) as caught:
        import_content(session, lines)
    session.rollback()
    return [(e.line, e.field, e.message) for e in caught.value.lines]


BAD_LINES = {
    "bad json": ('{"kind": "bureau", "code": ', 2, ""),
    "unknown kind": (f.line(kind="office", code="x"), 2, "kind"),
    "unknown bureau": (f.line(**f.guide(bureau="nosuch")), 2, "bureau"),
    "unknown topic": (f.line(**f.guide(topics=["nosuch"])), 2, "topics"),
    "bad date": (f.line(**f.policy(published_on="2022-02-30")), 2, "published_on"),
    "date in another format": (f.line(**f.policy(published_on="2022/09/15")), 2, "published_on"),
    "bad status": (f.line(**f.policy(status="active")), 2, "status"),
    "bad slug": (f.line(**f.guide(slug="Gong Zhang")), 2, "slug"),
    "unknown field": (f.line(**f.guide(colour="red")), 2, "colour"),
    "missing required": (f.line(kind="guide", slug="x", bureau="scjgj"), 2, "title"),
    "wrong type": (f.line(**f.guide(visits="two")), 2, "visits"),
    "bad material": (f.line(**f.guide(materials=[{"name": "营业执照", "form": "扫描件"}])), 2, "materials"),
    "unknown parent policy": (f.line(**f.policy(part_of="nosuch")), 2, "part_of"),
    "not an object": ("[1, 2]", 2, ""),
    "kind that is a list": ('{"kind": ["bureau"], "code": "x"}', 2, "kind"),
    "deeply nested json": ('{"kind": "bureau", "code": "x", "name": ' + "[" * 100000 + "]" * 100000 + "}", 2, ""),
    "control character in text": (f.line(**f.guide(summary="新\x00办")), 2, "summary"),
    "code too long": (f.line(**f.bureau(code="b" * 33, name="另一个局")), 2, "code"),
    "slug with a trailing newline": (f.line(**f.guide(slug="gongzhang\n")), 2, "slug"),
    "script link": (f.line(**f.guide(online_url="javascript:alert(1)")), 2, "online_url"),
    "script link in a material": (f.line(**f.guide(materials=[{"name": "表", "form_url": "javascript:x"}])), 2,
                                  "materials"),
    "bureau name already used": (f.line(**f.bureau(code="other", name="县市场监管局")), 2, "name"),
}


@pytest.mark.parametrize("case", BAD_LINES, ids=list(BAD_LINES))
def test_bad_line_rejects_the_file_with_its_line_and_field(session, case):
    bad, line_no, field = BAD_LINES[case]
    errors = _errors(session, [f.line(**f.bureau()), bad, f.line(**f.topic())])
    assert [(line, fld) for line, fld, _ in errors] == [(line_no, field)]
    assert count(session, Bureau) == 0 and count(session, Topic) == 0


def test_policies_whose_parents_go_round_in_a_circle_are_refused(session):
    errors = _errors(session, f.lines(f.bureau(), f.topic(), f.policy(slug="circle-a", part_of="circle-b"),
                                      f.policy(slug="circle-b", title="另一件", part_of="circle-a")))
    assert [(line, fld) for line, fld, _ in errors] == [(3, "part_of"), (4, "part_of")]
    assert count(session, Policy) == 0


def test_duplicate_slug_in_one_file_is_reported_with_both_lines(session):
    errors = _errors(session, f.lines(f.bureau(), f.topic(), f.guide(), f.guide(title="再来一次")))
    assert errors == [(4, "slug", "gongzhang-kezhi 在第 3 行已出现")]
    assert count(session, Guide) == 0


def test_every_error_of_a_file_is_reported_at_once(session):
    errors = _errors(session, f.lines(f.bureau(), f.policy(status="active", published_on="x")))
    assert sorted(field for _, field, _ in errors) == ["published_on", "status"]


def test_failed_import_leaves_existing_content_untouched(session):
    import_content(session, good_file())
    session.commit()
    before = export_content(session)
    _errors(session, f.lines(f.bureau(name="改名"), f.guide(bureau="nosuch")))
    assert export_content(session) == before


def test_export_then_import_round_trips_exactly(session, app, tmp_path):
    import_content(session, good_file())
    session.commit()
    exported = export_content(session)
    assert all(json.loads(line)["kind"] for line in exported)
    report = import_content(session, exported)
    session.commit()
    assert not report.created
    assert export_content(session) == exported


def test_round_trip_into_an_empty_database_gives_the_same_file(session, runner, tmp_path):
    import_content(session, good_file())
    session.commit()
    path = tmp_path / "export.jsonl"
    assert runner.invoke(args=["content", "export", str(path)]).exit_code == 0
    first = path.read_text(encoding="utf-8")
    from portal.database import Base

    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()
    session.expunge_all()
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["content", "export", str(path)]).exit_code == 0
    assert path.read_text(encoding="utf-8") == first


def test_cli_import_failure_exits_1_with_line_numbers(session, runner, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(f.lines(f.bureau(), f.guide(bureau="nosuch"))) + "\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code == 1
    assert "第 2 行" in result.output and "bureau" in result.output and "nosuch" in result.output
    assert count(session, Bureau) == 0


def test_cli_rejects_a_file_that_is_not_utf8(session, runner, tmp_path):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(f.line(**f.bureau()).encode("gbk"))
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code == 1 and "UTF-8" in result.output


def test_renaming_a_bureau_keeps_its_code_and_may_reuse_no_other_name(session):
    import_content(session, f.lines(f.bureau(), f.bureau("gaj", "县公安局")))
    session.commit()
    import_content(session, f.lines(f.bureau(name="会宁县市场监督管理局"), f.bureau("gaj", "县市场监管局")))
    session.commit()
    assert sorted(session.scalars(select(Bureau.name))) == ["会宁县市场监督管理局", "县市场监管局"]


def test_a_status_changed_by_import_is_recorded(session):
    from portal.catalog.models import PolicyStatusChange

    import_content(session, f.lines(f.bureau(), f.topic(), f.policy()))
    session.commit()
    import_content(session, f.lines(f.policy(status="repealed")))
    session.commit()
    [change] = session.scalars(select(PolicyStatusChange)).all()
    assert (change.from_status, change.to_status, change.actor) == (PolicyStatus.IN_FORCE, PolicyStatus.REPEALED,
                                                                     "内容导入")


def test_policy_status_is_stored_by_value(session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.policy(status="repealed")))
    session.commit()
    assert session.execute(text("SELECT status FROM policies")).scalar_one() == "repealed"
    assert session.scalars(select(Policy)).one().status is PolicyStatus.REPEALED
