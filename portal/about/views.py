"""The pages every government site carries (《政府网站发展指引》): 网站地图 generated from the routes and
the catalog, 隐私政策, 使用帮助, 联系我们, 关于本站, 无障碍说明."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, url_for

from portal import pagecache, site
from portal.catalog import queries
from portal.catalog.models import Bureau
from portal.clock import today
from portal.extensions import db
from portal.tickets.services import DEFAULT_DAYS

bp = Blueprint("about", __name__)
pagecache.public(bp.name)
for _endpoint, _name in (("sitemap", "网站地图"), ("privacy", "隐私政策"), ("help", "使用帮助"), ("contact", "联系我们"),
                         ("about", "关于本站"), ("accessibility", "无障碍说明")):
    site.column(f"about.{_endpoint}", _name, "网站服务")


@dataclass(frozen=True)
class Link:
    title: str
    url: str


def site_columns() -> list[Link]:
    """Every public page without arguments that answers GET, named by its column, in the routes' order."""
    found, seen = [], set()
    for rule in current_app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.endpoint in seen:
            continue
        column = site.column_of(rule.endpoint)
        if not column.public:  # staff pages, APIs and feeds, a form's after-page
            continue
        seen.add(rule.endpoint)
        found.append(Link(column.name, url_for(rule.endpoint)))
    return sorted(found, key=lambda link: (link.url != "/", link.url))


def catalog_sections() -> list[tuple[str, list[Link]]]:
    """The catalog's pages: topics, bureaus, guides (each with its printable 告知书), public policies, answers."""
    session = db.session
    guides = list(session.scalars(queries.guides_query()))
    policies = list(session.scalars(queries.policies_query(today(), "all", include_parts=True)))
    return [
        ("领域指标", [Link(t.name, url_for("catalog.topic_show", code=t.code)) for t in queries.topics(session)]),
        ("部门", [Link(b.name, url_for("catalog.bureau_show", code=b.code)) for b in queries.bureaus(session)]),
        ("办事指南", [Link(g.title, url_for("catalog.guide_show", slug=g.slug)) for g in guides]),
        ("一次性告知书（打印）", [Link(g.title, url_for("catalog.guide_print", slug=g.slug)) for g in guides]),
        ("政策文件", [Link(p.title, url_for("catalog.policy_show", slug=p.slug)) for p in policies]),
        ("问答", [Link(a.question, url_for("answers.show", slug=a.slug)) for a in session.scalars(queries.answers_query())]),
    ]


@bp.get("/sitemap")
def sitemap():
    """Every column, then every topic, bureau, guide and policy, from the routes and the catalog."""
    return render_template("about/sitemap.html", columns=site_columns(), sections=catalog_sections())


@bp.get("/privacy")
def privacy():
    """What each form takes, why, who sees it, how long it is kept, and how to ask for deletion."""
    return render_template("about/privacy.html", operator=operator_bureau())


@bp.get("/help")
def help():
    """How to find a guide, file and track a request, print a 告知书 and report a mistake."""
    return render_template("about/help.html", reply_days=DEFAULT_DAYS["reply"],
                           correction_days=current_app.config["CORRECTION_REPLY_DAYS"])


@bp.get("/contact")
def contact():
    """The site's contacts (PORTAL_SITE_*) and each bureau's telephone."""
    return render_template("about/contact.html", bureaus=queries.bureaus(db.session), operator=operator_bureau())


@bp.get("/about")
def about():
    """What the portal is, who runs it, and the plan it serves."""
    return render_template("about/about.html", operator=operator_bureau())


@bp.get("/accessibility")
def accessibility():
    """What the portal does for readers with disabilities and older readers, and where to report a barrier."""
    return render_template("about/accessibility.html")


def operator_bureau() -> Bureau | None:
    """The site operator (PORTAL_SITE_OPERATOR), else the supervising office."""
    return queries.site_operator(db.session, site.settings().get("operator", ""))
