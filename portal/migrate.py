"""Alembic, driven from the portal's own configuration."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


MIGRATION_LOCK = 71310003  # PostgreSQL advisory lock: one host upgrades, the others wait and find it done


def upgrade(database_url: str) -> None:
    """Create or upgrade the schema to the newest migration; safe on an existing database, and on
    PostgreSQL safe when several hosts start at once (each waits for the one upgrading)."""
    if not database_url.startswith("postgresql"):
        command.upgrade(alembic_config(database_url), "head")
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()
            try:
                command.upgrade(alembic_config(database_url), "head")
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
    finally:
        engine.dispose()
