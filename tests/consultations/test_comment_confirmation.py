"""After a comment the business lands on its confirmation, beside the form it used, not at the top
of a page many screens long."""
from __future__ import annotations

import re

from portal.catalog.content import import_content
from portal.clock import as_of
from tests import factories as f
from tests.consultations.test_consultation import DRAFT, DURING, draft, send_comment


def test_the_confirmation_is_where_the_comment_was_sent_from(app, session):
    import_content(session, f.lines(f.bureau(), f.bureau("fgj", "县发改局", supervisor=True), f.topic(), draft()))
    session.commit()
    client = app.test_client()
    with as_of(DURING):
        done = send_comment(client)
        assert done.status_code == 303 and done.headers["Location"].endswith(f"{DRAFT}#comment-sent")
        page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert page.count("意见已提交") == 1  # once, and not in the messages at the top of the page
    section = re.search(r'<section class="consultation" id="consultation".*', page, re.S).group(0)
    notice = re.search(r'<p[^>]*id="comment-sent"[^>]*>(.*?)</p>', section, re.S)
    assert notice and "意见已提交" in notice.group(1)
    assert section.index('id="comment-sent"') < section.index("<form")
