"""A bureau cannot add a measure to another bureau's plan on its own (issue 19, finding 10): the plan's
bureau (or the admin) agrees first; a link already published stays editable."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role
from portal.catalog.content import import_content
from portal.catalog.models import Policy
from portal.editing.models import Revision
from tests import factories as f
from tests.forms import post
from tests.staff import login, make_user

NEW_POLICY = "/staff/content/policies/new"


def part_form(action="publish", **changes) -> dict:
    form = {"action": action, "slug": "scjg-cuoshi", "title": "市场监管局的措施", "bureau": "scjgj",
            "topics": "qykb", "doc_number": "", "published_on": "2026-11-01", "status": "in_force",
            "part_of": "huining-yshj-2022", "summary": "措施摘要。", "body": "措施正文。", "note": ""}
    form.update(changes)
    return form


def plan_parts(session) -> list[str]:
    session.expire_all()
    plan = session.scalars(select(Policy).where(Policy.slug == "huining-yshj-2022")).one()
    return [p.slug for p in plan.parts]


def test_another_bureaus_plan_gets_a_part_only_with_its_consent(app, session):
    import_content(session, f.lines(f.bureau(), f.bureau("fgj", "县发改局"), f.topic(),
                                    f.policy("huining-yshj-2022", "会宁县优化营商环境升级行动工作方案", bureau="fgj")))
    session.commit()
    make_user(session, "scjg", Role.STAFF, "scjgj")
    make_user(session, "fgj", Role.STAFF, "fgj")
    child, parent = app.test_client(), app.test_client()
    login(child, "scjg")
    login(parent, "fgj")

    refused = post(child, NEW_POLICY, part_form())
    assert refused.status_code == 409 and "须经县发改局同意" in refused.get_data(as_text=True)
    assert plan_parts(session) == []
    assert post(child, NEW_POLICY, part_form("draft")).status_code == 303
    listing = parent.get("/staff/content/").get_data(as_text=True)
    assert "市场监管局的措施" in listing and "其他部门申请列为本部门文件的措施" in listing
    draft = session.scalars(select(Revision).where(Revision.slug == "scjg-cuoshi")).one()
    url = f"/staff/content/policies/scjg-cuoshi/revisions/{draft.id}"
    assert f'{url}/approve-part"' in listing
    assert post(child, url + "/publish", page=url).status_code == 409  # not yet agreed
    assert post(child, url + "/approve-part", page="/staff/content/").status_code == 404  # not the plan's bureau
    assert post(parent, url + "/approve-part", page="/staff/content/").status_code == 303
    assert post(child, url + "/publish", page=url).status_code == 303
    assert plan_parts(session) == ["scjg-cuoshi"]
    # editing the published measure later needs no second consent
    assert post(child, "/staff/content/policies/scjg-cuoshi/edit", part_form(title="市场监管局的措施（修订）"),
                page="/staff/content/policies/scjg-cuoshi/edit").status_code == 303
