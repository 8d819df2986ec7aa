"""The furniture every page carries: the PORTAL_SITE_* values (footer, contact), the inspection meta
tags (《政府网站发展指引》: SiteName, SiteDomain, SiteIDCode, ColumnName, ColumnType, and on article
pages ArticleTitle, PubDate, ContentSource) and the column each page belongs to, named once per
blueprint (or per view where a blueprint holds several columns)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask, current_app, has_request_context, request

ICP_URL = "https://beian.miit.gov.cn/"  # 工信部's register: where an ICP number is looked up
PSB_URL = "https://beian.mps.gov.cn/#/query/webSearch?code="  # 公安部's register, followed by the record's digits


@dataclass(frozen=True)
class Column:
    """The column (栏目) a page belongs to, for the ColumnName and ColumnType meta tags; `public`
    columns are walked by the sitemap and the tests."""

    name: str
    type: str
    public: bool = True


COLUMNS: dict[str, Column] = {}
OTHER = Column("网站服务", "其他", public=False)


def column(where: str, name: str, type_: str, public: bool = True) -> None:
    """Name the column of a blueprint's pages ('catalog') or of one view's ('catalog.guide_list')."""
    COLUMNS[where] = Column(name, type_, public)


def column_of(endpoint: str | None) -> Column:
    """The view's own column, else its blueprint's, else 网站服务."""
    endpoint = endpoint or ""
    return COLUMNS.get(endpoint) or COLUMNS.get(endpoint.rpartition(".")[0]) or OTHER


def is_public(endpoint: str) -> bool:
    return column_of(endpoint).public


def settings() -> dict:
    """The PORTAL_SITE_* values of the running app."""
    return current_app.config["SITE"]


def domain() -> str:
    """SiteDomain: the setting, else the host of PORTAL_BASE_URL, else (development) the request's host."""
    return settings().get("domain") or request.host


def psb_url(number: str) -> str:
    """The 公安备案 register's page of a record number such as 甘公网安备62042202000001号."""
    digits = "".join(re.findall(r"\d", number))
    return PSB_URL + digits if digits else ""


def init_app(app: Flask) -> None:
    """`site` (values, placeholders, links) and `page_column` in every template."""

    @app.context_processor
    def _site():
        values = app.config["SITE"]
        return {
            "site": values,
            "site_placeholders": app.config["SITE_PLACEHOLDERS"],
            "site_links": {"icp": ICP_URL if values.get("icp") else "", "psb": psb_url(values.get("psb", ""))},
            "site_domain": domain,
            "page_column": column_of(request.endpoint) if has_request_context() else OTHER,
        }
