"""Account fixtures: two bureaus and a topic, and the staff account wang of 县市场监管局."""
from __future__ import annotations

import pytest

from portal.accounts.models import Role, User
from portal.catalog.content import import_content
from tests import factories as f
from tests.staff import make_user


@pytest.fixture
def bureaus(session):
    """县市场监管局 (scjgj) and 县住建局 (zjj), and the topic qykb led by the first."""
    import_content(session, f.lines(f.bureau(), f.bureau("zjj", "县住建局"), f.topic()))
    session.commit()


@pytest.fixture
def wang(session, bureaus) -> User:
    """The staff account wang (王经办) of 县市场监管局, password tests.staff.PASSWORD."""
    return make_user(session, "wang", Role.STAFF, "scjgj", "王经办")
