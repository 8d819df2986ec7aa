"""Alembic environment: the portal's models are the target; the URL comes from the caller."""
from __future__ import annotations

from alembic import context

import portal.accounts.models  # noqa: F401  (registers the tables)
import portal.catalog.models  # noqa: F401
import portal.consultations.models  # noqa: F401
import portal.mail  # noqa: F401
import portal.open311.models  # noqa: F401
import portal.search.models  # noqa: F401
import portal.subscriptions.models  # noqa: F401
import portal.supervision.callbacks  # noqa: F401
import portal.supervision.models  # noqa: F401
import portal.tickets.appeals  # noqa: F401
import portal.tickets.cohandling  # noqa: F401
import portal.tickets.models  # noqa: F401
from portal.database import Base
from portal.extensions import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
