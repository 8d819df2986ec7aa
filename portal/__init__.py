"""会宁县营商环境服务平台: the application factory."""
from __future__ import annotations

import logging

from flask import Flask

from portal.config import ROOT, load_config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI and error handlers."""
    from portal.boundary import Portal

    app = Portal(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config())
    if test_config:
        app.config.update(test_config)
    app.logger.setLevel(logging.INFO)  # mail logged in development, index and mail warnings in production

    from portal.extensions import csrf, db, limiter

    db.init_app(app)
    csrf.init_app(app)
    enabled = app.config["RATELIMIT_ENABLED"]
    app.config["RATELIMIT_ENABLED"] = True  # one Limiter serves every app: each route asks its own app
    limiter.init_app(app)
    app.config["RATELIMIT_ENABLED"] = enabled
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=app.config["PROXY_HOPS"])

    from portal import cli, errors, health, i18n, pagecache, preferences, site, templating, web
    from portal.about.views import bp as about_bp
    from portal.accounts.access import login_manager
    from portal.accounts.views import bp as accounts_bp
    from portal.answers.views import api as answers_api_bp
    from portal.answers.views import bp as answers_bp
    from portal.catalog.feeds import bp as feeds_bp
    from portal.catalog.views import bp as catalog_bp
    from portal.consultations.views import bp as consultations_bp
    from portal.editing.views import bp as editing_bp
    from portal.measures.views import bp as measures_bp
    from portal.search import outbox
    from portal.search.index import IndexStore
    from portal.search.reader import SearchReader
    from portal.search.views import api as search_api_bp
    from portal.search.views import bp as search_bp
    from portal.search.views import staff as search_staff_bp
    from portal.subscriptions import notices
    from portal.subscriptions.views import bp as subscriptions_bp
    from portal.supervision import figures
    from portal.supervision.views import bp as supervision_bp
    from portal.supervision.views import public as performance_bp
    from portal.tickets.api import api as tickets_api_bp
    from portal.open311.views import bp as open311_bp
    from portal.tickets.citations import cite
    from portal.tickets.desk import bp as desk_bp
    from portal.tickets import similar
    from portal.tickets.views import bp as tickets_bp
    from portal.tickets.workspace import api as workspace_api_bp
    from portal.tickets.workspace import bp as workspace_bp

    similar.install()  # first: its own flush writes what is pending before the others' last steps
    notices.install()
    figures.install()
    outbox.install()  # after the notices: it numbers the transaction's index tasks as the last step of a commit
    app.extensions["search"] = reader = SearchReader(IndexStore(app.config["INDEX_DIR"], app.config["HOST_ID"]))
    if reader.store.exists():
        # opened here, before gunicorn forks, so workers share its pages (and what a first search loads:
        # field lengths, facet sets, the vocabulary of pinyin and typo lookups), until the index changes
        from portal.clock import today
        from portal.search.service import warm_up

        warm_up(reader.snapshot(), today())

    login_manager.init_app(app)
    csrf.exempt(tickets_api_bp)  # JSON clients send no form token; they are rate-limited instead
    csrf.exempt(open311_bp)  # partners authenticate with their API key, and are rate-limited per key
    for blueprint in (tickets_bp, tickets_api_bp, accounts_bp, workspace_bp, workspace_api_bp, editing_bp,
                      supervision_bp, performance_bp, measures_bp, consultations_bp, subscriptions_bp, feeds_bp, catalog_bp,
                      search_bp, search_api_bp, search_staff_bp, answers_bp, answers_api_bp, about_bp,
                      health.bp, desk_bp, open311_bp):
        app.register_blueprint(blueprint)
    pagecache.depends_on(outbox.last_number)  # moves with every change to a guide, a policy or the synonyms
    pagecache.init_app(app)  # after the blueprints: what they do before a request also happens on a kept page
    i18n.init_app(app)
    templating.init_app(app, cite=cite)
    site.init_app(app)
    preferences.init_app(app)
    web.init_app(app)
    errors.register_error_handlers(app)
    cli.init_app(app)
    return app
