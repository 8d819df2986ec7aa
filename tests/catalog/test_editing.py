"""Staff edit their own bureau's guides and policies: drafts, preview, publish, revisions, through the app."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.catalog.content import import_content
from portal.catalog.models import Guide, Policy, PolicyStatus, PolicyStatusChange, Topic
from portal.clock import today
from portal.editing import services as editing
from portal.editing.models import Revision
from portal.search.models import IndexTask
from portal.search.service import SearchRequest, search
from tests import factories as f
from tests.forms import csrf_token, post
from tests.staff import login, make_user

EDIT = "/staff/content/guides/gongzhang-kezhi/edit"
POLICY_EDIT = "/staff/content/policies/liudi-tuishui/edit"
NEW_GUIDE = "/staff/content/guides/new"


@pytest.fixture
def bureaus_and_editors(session):
    """Two bureaus with a guide each, a policy of 县市场监管局, and their staff."""
    import_content(session, f.lines(
        f.bureau(), f.bureau("zjj", "县住建局"),
        f.topic(), f.topic("jzxk", "办理建筑许可", lead="zjj"),
        f.guide(), f.guide("shigong-xuke", "建筑工程施工许可", bureau="zjj", topics=["jzxk"]),
        f.policy(),
    ))
    session.commit()
    make_user(session, "wang", Role.STAFF, "scjgj", display_name="王经办")
    make_user(session, "chen", Role.BUREAU_ADMIN, "scjgj", display_name="陈科长")
    make_user(session, "lisi", Role.STAFF, "zjj", display_name="李四")
    make_user(session, "zhao", Role.SUPERVISOR, None, display_name="赵督办")
    make_user(session, "root", Role.ADMIN, None, display_name="管理员")


def guide_form(action: str = "draft", **changes) -> dict:
    """The edit form of the factory guide as a browser posts it, with `changes` applied."""
    data = {
        "title": "公章刻制备案", "code": "HN-GAJ-001", "topics": ["qykb"], "summary": "新开办企业刻制公章。",
        "body": "办理说明。", "applicants": "新开办企业", "conditions": "已领取营业执照",
        "materials-0-name": "营业执照", "materials-0-form": "复印件", "materials-0-copies": "1",
        "materials-0-required": "1", "materials-0-note": "", "materials-0-form_url": "",
        "materials-1-name": "", "materials-1-form": "原件", "materials-1-copies": "1", "materials-1-required": "1",
        "materials-1-note": "", "materials-1-form_url": "",
        "steps": "申请\r\n刻制\r\n领取", "case_type": "immediate", "statutory_days": "", "promised_days": "0",
        "visits": "0", "fee": "不收费", "fee_basis": "", "location": "会宁县政务服务中心", "hours": "工作日",
        "phone": "0943-0000104", "complaint_phone": "12345", "online_url": "", "fully_online": "1",
        "legal_basis": "《印铸刻字业暨印章管理办法》", "faq-0-q": "要钱吗？", "faq-0-a": "不收费。",
        "faq-1-q": "", "faq-1-a": "", "note": "", "action": action,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def policy_form(action: str = "draft", **changes) -> dict:
    data = {
        "title": "关于进一步加大增值税期末留抵退税政策实施力度的公告", "doc_number": "财政部 税务总局公告2022年第14号",
        "topics": ["qykb"], "published_on": "2022-03-21", "effective_from": "2022-04-01", "expires_on": "",
        "status": "in_force", "beneficiaries": "小微企业", "summary": "留抵退税。", "body": "正文。",
        "interpretation": "解读。", "part_of": "", "measure_no": "", "note": "", "action": action,
    }
    data.update(changes)
    return data


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(session, model) -> int:
    session.rollback()  # a fresh read: the requests committed on their own connections
    return session.scalar(select(func.count()).select_from(model))


def the_guide(session, slug: str = "gongzhang-kezhi") -> Guide | None:
    session.rollback()
    return session.scalars(select(Guide).where(Guide.slug == slug)).one_or_none()


def revisions(session) -> list[Revision]:
    session.rollback()
    return list(session.scalars(select(Revision).order_by(Revision.id)))


# ---- drafts, publishing, history


def test_a_draft_leaves_the_public_page_until_it_is_published_and_history_shows_who_and_when(
        bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, EDIT, guide_form(title="公章刻制备案（新版）", note="改名称"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/content/guides/gongzhang-kezhi/revisions")
    assert "公章刻制备案（新版）" not in page(client.get("/guides/gongzhang-kezhi"))
    [draft] = revisions(session)
    assert (draft.author_name, draft.published_at, draft.note) == ("王经办", None, "改名称")
    assert draft.record["title"] == "公章刻制备案（新版）" and "kind" not in draft.record
    history = page(client.get("/staff/content/guides/gongzhang-kezhi/revisions"))
    assert "王经办" in history and "草稿" in history and "改名称" in history

    url = f"/staff/content/guides/gongzhang-kezhi/revisions/{draft.id}"
    response = post(client, url + "/publish", page=url)
    assert response.status_code == 303
    public = page(client.get("/guides/gongzhang-kezhi"))
    assert "公章刻制备案（新版）" in public
    guide = the_guide(session)
    assert guide.title == "公章刻制备案（新版）" and guide.updated_on == today()
    [published] = revisions(session)
    assert published.published_by == "王经办" and published.published_at is not None
    history = page(client.get("/staff/content/guides/gongzhang-kezhi/revisions"))
    assert "已发布" in history and re.search(r"发布：<span class=\"revision-publisher\">王经办</span>，<time>\d{4}年", history)


def test_publish_on_the_form_saves_a_revision_and_publishes_it_at_once(bureaus_and_editors, client, session):
    login(client, "chen")  # a bureau admin edits like staff
    response = post(client, EDIT, guide_form("publish", summary="新开办企业免费刻制首套公章。"))
    assert response.status_code == 303
    assert the_guide(session).summary == "新开办企业免费刻制首套公章。"
    [revision] = revisions(session)
    assert revision.author_name == revision.published_by == "陈科长"


def test_edit_form_shows_every_element_of_the_guide(bureaus_and_editors, client):
    login(client, "wang")
    form = page(client.get(EDIT))
    for shown in ('value="公章刻制备案"', 'value="HN-GAJ-001"', 'value="营业执照"', "申请\n刻制\n领取",
                  'value="要钱吗？"', "不收费。", 'value="会宁县政务服务中心"', "《印铸刻字业暨印章管理办法》",
                  'name="materials-3-name"', 'name="faq-2-q"'):  # one row each, plus three and two blank ones
        assert shown in form, shown
    assert 'name="materials-4-name"' not in form and 'name="slug"' not in form


def test_blank_material_and_question_rows_are_ignored(bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, EDIT, guide_form("publish", **{
        "materials-2-name": "法定代表人身份证", "materials-2-form": "原件和复印件", "materials-2-copies": "2",
        "materials-2-note": "核验后退还", "materials-2-form_url": "https://zwfw.gansu.gov.cn/form.pdf"}))
    assert response.status_code == 303
    guide = the_guide(session)
    assert [m["name"] for m in guide.materials] == ["营业执照", "法定代表人身份证"]
    assert guide.materials[1] == {"name": "法定代表人身份证", "form": "原件和复印件", "copies": 2, "required": False,
                                  "note": "核验后退还", "form_url": "https://zwfw.gansu.gov.cn/form.pdf"}
    assert guide.faq == [{"q": "要钱吗？", "a": "不收费。"}] and guide.steps == ["申请", "刻制", "领取"]


def test_the_editor_keeps_the_english_fields(bureaus_and_editors, client, session):
    """Staff write the optional English beside the Chinese; what they leave empty stays out."""
    login(client, "wang")
    response = post(client, EDIT, guide_form("publish", **{
        "title_en": "Filing of a company seal", "summary_en": "Businesses file their seals.",
        "steps_en": "Apply\r\nSeal made\r\n\r\nCollect", "materials-0-name_en": "Business licence",
        "faq-0-q_en": "Does it cost anything?", "faq-0-a_en": "No."}))
    assert response.status_code == 303
    guide = the_guide(session)
    assert (guide.title_en, guide.summary_en, guide.body_en) == ("Filing of a company seal", "Businesses file their seals.", "")
    assert guide.steps_en == ["Apply", "Seal made", "Collect"]
    assert guide.materials[0]["name_en"] == "Business licence" and "note_en" not in guide.materials[0]
    assert guide.faq == [{"q": "要钱吗？", "a": "不收费。", "q_en": "Does it cost anything?", "a_en": "No."}]
    form = page(client.get(EDIT))
    assert 'value="Filing of a company seal"' in form and 'value="Business licence"' in form
    assert post(client, POLICY_EDIT, policy_form("publish", title_en="Tax refunds")).status_code == 303
    assert session.scalar(select(Policy.title_en)) == "Tax refunds"


def test_a_new_guide_exists_only_as_a_draft_until_published_and_then_search_finds_it(
        bureaus_and_editors, client, session, index, app):
    login(client, "wang")
    response = post(client, NEW_GUIDE, guide_form(slug="yingye-zhizhao-biangeng", title="营业执照变更登记",
                                                  summary="企业变更名称、住所、经营范围。"))
    assert response.status_code == 303
    assert the_guide(session, "yingye-zhizhao-biangeng") is None
    assert client.get("/guides/yingye-zhizhao-biangeng").status_code == 404
    listing = page(client.get("/staff/content/"))
    assert "营业执照变更登记" in listing and "未发布（新建）" in listing

    [draft] = revisions(session)
    url = f"/staff/content/guides/yingye-zhizhao-biangeng/revisions/{draft.id}"
    assert post(client, url + "/publish", page=url).status_code == 303
    assert client.get("/guides/yingye-zhizhao-biangeng").status_code == 200
    guide = the_guide(session, "yingye-zhizhao-biangeng")
    assert guide.bureau.code == "scjgj"

    assert index.drain() >= 1
    found = search(app.extensions["search"].snapshot(), SearchRequest(q="营业执照变更登记"), today())
    assert [hit.slug for hit in found.hits] == ["yingye-zhizhao-biangeng"]


def test_a_draft_that_no_longer_passes_the_checks_is_not_published(bureaus_and_editors, client, session):
    login(client, "wang")
    post(client, EDIT, guide_form(topics=["qykb", "jzxk"]))
    [draft] = revisions(session)
    session.delete(session.scalars(select(Topic).where(Topic.code == "jzxk")).one())
    session.commit()
    url = f"/staff/content/guides/gongzhang-kezhi/revisions/{draft.id}"
    response = post(client, url + "/publish", page=url)
    assert response.status_code == 400 and "领域 'jzxk' 不存在" in page(response)
    assert revisions(session)[0].published_at is None


def test_a_published_revision_is_not_published_again(bureaus_and_editors, client, session):
    login(client, "wang")
    post(client, EDIT, guide_form("publish"))
    [revision] = revisions(session)
    url = f"/staff/content/guides/gongzhang-kezhi/revisions/{revision.id}"
    response = client.post(url + "/publish", data={"csrf_token": csrf_token(client, EDIT)})
    assert response.status_code == 400 and "已于" in page(response)


def test_a_pending_draft_is_marked_on_the_list_and_offered_on_the_form(bureaus_and_editors, client, session):
    login(client, "wang")
    post(client, EDIT, guide_form(title="公章刻制（草稿）"))
    [draft] = revisions(session)
    assert "有未发布的草稿" in page(client.get("/staff/content/"))
    form = page(client.get(EDIT))
    assert 'value="公章刻制备案"' in form and f"from={draft.id}" in form  # the public text, and a way to the draft
    assert 'value="公章刻制（草稿）"' in page(client.get(f"{EDIT}?from={draft.id}"))


def test_the_list_shows_the_bureaus_own_items_only(bureaus_and_editors, client):
    login(client, "wang")
    listing = page(client.get("/staff/content/"))
    assert "公章刻制备案" in listing and "留抵退税" in listing and "建筑工程施工许可" not in listing


def test_a_policy_status_changed_by_publishing_records_the_staff_members_name_not_the_internal_note(
        bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, POLICY_EDIT, policy_form("publish", status="repealed", note="已被新公告替代"))
    assert response.status_code == 303
    session.rollback()
    [change] = session.scalars(select(PolicyStatusChange)).all()
    assert (change.from_status, change.to_status, change.actor) == (PolicyStatus.IN_FORCE, PolicyStatus.REPEALED,
                                                                     "王经办")
    assert change.reason.startswith("发布修订 #") and "已被新公告替代" not in change.reason  # shown publicly


def test_a_new_policy_can_be_part_of_another_bureaus_plan(bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, "/staff/content/policies/new", policy_form(
        "publish", slug="yshj-m02", title="措施2：优化企业开办流程", doc_number="", part_of="liudi-tuishui",
        measure_no="2", beneficiaries="新开办企业\r\n个体工商户"))
    assert response.status_code == 303
    session.rollback()
    policy = session.scalars(select(Policy).where(Policy.slug == "yshj-m02")).one()
    assert policy.part_of.slug == "liudi-tuishui" and policy.measure_no == 2
    assert policy.beneficiaries == ["新开办企业", "个体工商户"] and policy.doc_number is None


# ---- who may edit what


def test_another_bureaus_staff_get_404_on_every_page_and_action(bureaus_and_editors, client, session):
    login(client, "wang")
    post(client, EDIT, guide_form())
    post(client, NEW_GUIDE, guide_form(slug="xin-shixiang", title="新事项"))
    first, second = revisions(session)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/staff/content/")})

    login(client, "lisi")
    csrf = csrf_token(client, "/staff/content/")
    for slug, revision in (("gongzhang-kezhi", first), ("xin-shixiang", second)):
        base = f"/staff/content/guides/{slug}"
        for url in (f"{base}/edit", f"{base}/revisions", f"{base}/revisions/{revision.id}"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"{base}/edit", data={**guide_form("publish"), "csrf_token": csrf}).status_code == 404
        assert client.post(f"{base}/revisions/{revision.id}/publish", data={"csrf_token": csrf}).status_code == 404
    assert client.get("/staff/content/policies/liudi-tuishui/edit").status_code == 404
    # a revision id of another item is no way in either
    assert client.get(f"/staff/content/guides/shigong-xuke/revisions/{first.id}").status_code == 404
    assert [r.published_at for r in revisions(session)] == [None, None]
    assert "公章刻制备案" not in page(client.get("/staff/content/"))


def test_staff_cannot_create_an_item_for_another_bureau(bureaus_and_editors, client, session):
    login(client, "lisi")
    response = post(client, NEW_GUIDE, guide_form("publish", slug="zhuzhai-yanshou", title="住宅竣工验收",
                                                  bureau="scjgj", topics=["jzxk"]))
    assert response.status_code == 303
    assert the_guide(session, "zhuzhai-yanshou").bureau.code == "zjj"  # the posted bureau is ignored
    with pytest.raises(editing.EditingError) as refused:  # and the service refuses it outright
        editing.save_draft(session, session.merge(_user(session, "lisi")).as_actor(), "guide",
                           dict(revisions(session)[0].record, slug="other", bureau="scjgj"))
    assert "bureau" in refused.value.errors


def _user(session, username):
    from portal.accounts.services import user_by_username

    return user_by_username(session, username)


def test_a_slug_used_by_another_bureaus_item_is_refused(bureaus_and_editors, client, session):
    login(client, "lisi")
    response = post(client, NEW_GUIDE, guide_form(slug="gongzhang-kezhi", title="公章"))
    assert response.status_code == 400
    assert "标识 gongzhang-kezhi 已被县市场监管局的办事指南使用" in page(response)
    assert count(session, Revision) == 0
    # a slug only drafted by another bureau is taken as well
    client.post("/logout", data={"csrf_token": csrf_token(client, "/staff/content/")})
    login(client, "wang")
    post(client, NEW_GUIDE, guide_form(slug="xin-shixiang", title="新事项"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/staff/content/")})
    login(client, "lisi")
    response = post(client, NEW_GUIDE, guide_form(slug="xin-shixiang", title="另一个新事项", topics=["jzxk"]))
    assert response.status_code == 400 and "已被县市场监管局的办事指南使用" in page(response)


def test_own_bureaus_slug_points_to_the_existing_item(bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, NEW_GUIDE, guide_form("publish", slug="gongzhang-kezhi", title="另一个公章事项"))
    assert response.status_code == 400 and "已有办事指南" in page(response)
    assert the_guide(session).title == "公章刻制备案"


def test_the_supervisor_gets_403(bureaus_and_editors, client, session):
    login(client, "zhao")
    for url in ("/staff/content/", NEW_GUIDE, EDIT, "/staff/content/guides/gongzhang-kezhi/revisions"):
        assert client.get(url).status_code == 403, url
    csrf = csrf_token(client, "/account/password")
    assert client.post(EDIT, data={**guide_form("publish"), "csrf_token": csrf}).status_code == 403
    assert count(session, Revision) == 0
    assert not editing.may_edit(_user(session, "zhao").as_actor(), the_guide(session).bureau)


def test_the_admin_edits_every_bureau_and_chooses_the_bureau(bureaus_and_editors, client, session):
    login(client, "root")
    listing = page(client.get("/staff/content/"))
    assert "公章刻制备案" in listing and "建筑工程施工许可" in listing
    narrowed = page(client.get("/staff/content/?bureau=zjj"))
    assert "建筑工程施工许可" in narrowed and "公章刻制备案" not in narrowed
    response = post(client, NEW_GUIDE, guide_form("publish", slug="zhuzhai-yanshou", title="住宅竣工验收",
                                                  bureau="zjj", topics=["jzxk"]))
    assert response.status_code == 303
    assert the_guide(session, "zhuzhai-yanshou").bureau.code == "zjj"
    response = post(client, NEW_GUIDE, guide_form(slug="wu-bumen", title="无部门", bureau="nosuch"))
    assert response.status_code == 400 and "部门 'nosuch' 不存在" in page(response)
    response = post(client, NEW_GUIDE, guide_form(slug="", title="无部门", bureau=""))
    assert response.status_code == 400 and "请选择部门" in page(response) and "请填写标识" in page(response)
    assert count(session, Revision) == 1


def test_anonymous_visitors_are_sent_to_login(bureaus_and_editors, client):
    response = client.get("/staff/content/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- bad input


def test_a_post_without_csrf_token_is_400_and_writes_nothing(bureaus_and_editors, client, session):
    login(client, "wang")
    response = client.post(EDIT, data=guide_form("publish", title="无校验码"))
    assert response.status_code == 400
    assert count(session, Revision) == 0 and the_guide(session).title == "公章刻制备案"


BAD_FIELDS = {
    "script link": ({"online_url": "javascript:alert(1)"}, "online_url", "应为 http:// 或 https:// 开头的网址"),
    "control character": ({"summary": "新开办\x01企业"}, "summary", "含有不可见的控制字符"),
    "nul byte": ({"title": "公章\x00刻制"}, "title", "含有不可见的控制字符"),
    "unknown topic": ({"topics": ["qykb", "nosuch"]}, "topics", "领域 'nosuch' 不存在"),
    "empty title": ({"title": "  "}, "title", "不能为空"),
    "visits not a number": ({"visits": "两次"}, "visits", "到现场次数应填写整数"),
    "days out of range": ({"promised_days": "99999"}, "promised_days", "应在 0 到 3650 之间"),
    "unknown case type": ({"case_type": "later"}, "case_type", "应为 immediate、promised 之一"),
    "script link in a material": ({"materials-0-form_url": "javascript:x"}, "materials-0",
                                  "第 1 行：表格下载地址应为 http:// 或 https:// 开头的网址"),
    "material without a name": ({"materials-1-note": "只有说明"}, "materials-1", "第 2 行：材料名称不能为空"),
    "copies not a number": ({"materials-0-copies": "一份"}, "materials-0", "第 1 行：份数应填写整数"),
    "question without answer": ({"faq-1-q": "多久办完？"}, "faq-1", "第 2 问：回答不能为空"),
    "note too long": ({"note": "长" * 201}, "note", "修改说明过长"),
}


@pytest.mark.parametrize("case", BAD_FIELDS, ids=list(BAD_FIELDS))
@pytest.mark.parametrize("action", ["draft", "publish"])
def test_a_bad_field_answers_400_with_its_message_keeps_the_form_and_writes_nothing(
        bureaus_and_editors, client, session, case, action):
    changes, field, message = BAD_FIELDS[case]
    login(client, "wang")
    session.rollback()
    tasks_before = count(session, IndexTask)
    response = post(client, EDIT, guide_form(action, **{"title": "改过的标题", **changes}))
    assert response.status_code == 400
    body = page(response)
    assert message in body
    assert f'id="{field}-error"' in body and f'aria-describedby="{field}-error"' in body
    assert 'aria-invalid="true"' in body
    for typed in [v for v in changes.values() if isinstance(v, str) and v.strip()]:
        assert typed in body  # the form comes back as typed
    if "title" not in changes:
        assert 'value="改过的标题"' in body
    assert count(session, Revision) == 0 and count(session, AuditEntry) == _logins(session)
    assert count(session, IndexTask) == tasks_before and the_guide(session).title == "公章刻制备案"


def _logins(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login"))


def test_every_error_is_reported_at_once(bureaus_and_editors, client):
    login(client, "wang")
    body = page(post(client, EDIT, guide_form(visits="x", online_url="ftp://x", summary="\x02", title="")))
    for message in ("到现场次数应填写整数", "应为 http:// 或 https:// 开头的网址", "含有不可见的控制字符", "不能为空"):
        assert message in body, message


def test_a_bad_policy_date_answers_400_with_its_message(bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, POLICY_EDIT, policy_form(published_on="2022-02-30", expires_on="2022-01-01"))
    assert response.status_code == 400
    assert "不是有效日期" in page(response)
    response = post(client, POLICY_EDIT, policy_form(expires_on="2022-01-01"))
    assert response.status_code == 400 and "失效日期早于施行日期" in page(response)
    response = post(client, POLICY_EDIT, policy_form(published_on=""))
    assert response.status_code == 400 and "发布日期不能为空" in page(response)
    assert count(session, Revision) == 0


def test_an_unknown_action_is_400(bureaus_and_editors, client, session):
    login(client, "wang")
    assert post(client, EDIT, guide_form("delete")).status_code == 400
    assert count(session, Revision) == 0


def test_windows_line_endings_in_text_areas_are_accepted(bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, EDIT, guide_form("publish", body="## 说明\r\n\r\n第一段\r\n第二段", conditions="- 甲\r\n- 乙"))
    assert response.status_code == 303
    guide = the_guide(session)
    assert guide.body == "## 说明\n\n第一段\n第二段" and guide.conditions == "- 甲\n- 乙"


# ---- preview and the catch-all warning


def test_preview_renders_the_markdown_and_writes_nothing(bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, EDIT, guide_form("preview", body="## 注意事项\n\n**当场办结**<script>alert(1)</script>"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    preview = body.split('<section class="edit-preview"')[1].split("</section>")[0]
    assert "<h2>注意事项</h2>" in preview and "<strong>当场办结</strong>" in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview and "<script" not in preview  # shown as text
    assert count(session, Revision) == 0 and count(session, AuditEntry) == _logins(session)
    assert the_guide(session).body == "办理说明。"


def test_preview_of_a_policy_renders_body_and_interpretation(bureaus_and_editors, client):
    login(client, "wang")
    response = post(client, POLICY_EDIT, policy_form("preview", body="- 第一条", interpretation="*解读要点*"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<li>第一条</li>" in body and "<em>解读要点</em>" in body


def test_the_catch_all_warning_is_shown_on_preview_list_and_revision(bureaus_and_editors, client, session):
    login(client, "wang")
    changes = {"materials-1-name": "其他材料", "conditions": "- 已领取营业执照\n- 法律法规规定的其他条件"}
    body = page(post(client, EDIT, guide_form("preview", **changes)))
    assert "兜底性表述" in body and "法律法规规定的其他条件；其他材料" in body and "一次告知" in body
    assert "含兜底表述" not in page(client.get("/staff/content/"))
    post(client, EDIT, guide_form(**changes))
    [draft] = revisions(session)
    assert "其他材料" in page(client.get(f"/staff/content/guides/gongzhang-kezhi/revisions/{draft.id}"))
    post(client, EDIT, guide_form("publish", **changes))
    listing = page(client.get("/staff/content/"))
    assert "含兜底表述" in listing and "兜底性表述：法律法规规定的其他条件；其他材料" in listing
    assert "兜底性表述" in page(client.get(EDIT))


def test_a_revision_page_names_the_fields_it_changes(bureaus_and_editors, client, session):
    login(client, "wang")
    post(client, EDIT, guide_form(title="公章刻制", fee="免费"))
    [draft] = revisions(session)
    body = page(client.get(f"/staff/content/guides/gongzhang-kezhi/revisions/{draft.id}"))
    changed = body.split("修改了：")[1].split("</p>")[0]
    assert "事项名称" in changed and "收费" in changed and "申请材料" not in changed


# ---- the audit log


def test_drafts_and_publications_are_audited(bureaus_and_editors, client, session):
    login(client, "wang")
    post(client, EDIT, guide_form(note="草稿一"))
    [draft] = revisions(session)
    url = f"/staff/content/guides/gongzhang-kezhi/revisions/{draft.id}"
    post(client, url + "/publish", page=url)
    post(client, POLICY_EDIT, policy_form())
    post(client, POLICY_EDIT, policy_form("publish"))
    session.rollback()
    lines = session.scalars(select(AuditEntry).where(AuditEntry.action != "login").order_by(AuditEntry.id)).all()
    assert [(e.action, e.target, e.username) for e in lines] == [
        ("guide_draft", "gongzhang-kezhi", "wang"), ("guide_publish", "gongzhang-kezhi", "wang"),
        ("policy_draft", "liudi-tuishui", "wang"), ("policy_publish", "liudi-tuishui", "wang")]
    assert f"修订 #{draft.id}：草稿一" == lines[0].detail


def test_a_policy_cannot_become_a_part_of_its_own_part(bureaus_and_editors, client, session):
    login(client, "wang")
    assert post(client, "/staff/content/policies/new", policy_form(
        "publish", slug="child-x", title="下级文件", doc_number="", part_of="liudi-tuishui")).status_code == 303
    response = post(client, POLICY_EDIT, policy_form("publish", part_of="child-x"))
    assert response.status_code == 400 and "不能互为上下级" in page(response)
    session.rollback()
    assert session.scalars(select(Policy).where(Policy.slug == "liudi-tuishui")).one().part_of is None


def test_another_bureaus_draft_under_a_colliding_slug_stays_hidden(bureaus_and_editors, client, session):
    login(client, "wang")
    assert post(client, NEW_GUIDE, guide_form("draft", slug="secret-x", title="未发布的草稿指南")).status_code == 303
    [draft] = revisions(session)
    import_content(session, f.lines(f.guide("secret-x", "住建局的同名指南", bureau="zjj", topics=["jzxk"])))
    session.commit()
    other = client.application.test_client()
    login(other, "lisi")
    assert other.get(f"/staff/content/guides/secret-x/revisions/{draft.id}").status_code == 404
    assert "未发布的草稿指南" not in page(other.get("/staff/content/guides/secret-x/revisions"))


def test_the_consultation_window_is_edited_with_the_policy_and_kept_by_other_edits(
        bureaus_and_editors, client, session):
    login(client, "wang")
    response = post(client, POLICY_EDIT, policy_form("publish", status="consultation", doc_number="",
                                                     consultation_opens="2026-03-01T09:00",
                                                     consultation_closes="2026-03-31T18:00", consultation_contact="zjj"))
    assert response.status_code == 303
    session.rollback()
    policy = session.scalars(select(Policy).where(Policy.slug == "liudi-tuishui")).one()
    assert policy.consultation_bureau.code == "zjj"
    form = page(client.get(POLICY_EDIT))
    assert 'value="2026-03-01T09:00"' in form and 'value="2026-03-31T18:00"' in form
    backwards = post(client, POLICY_EDIT, policy_form("publish", status="consultation", doc_number="",
                                                      consultation_opens="2026-03-31T18:00",
                                                      consultation_closes="2026-03-01T09:00"))
    assert backwards.status_code == 400 and "截止时间须晚于开始时间" in page(backwards)
