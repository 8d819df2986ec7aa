"""Notices of changes subscribers care about, recorded in the same transaction as the change."""
from __future__ import annotations


def install() -> None:
    """Listen for policy and guide changes on every session (once per process)."""
