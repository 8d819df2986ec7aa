"""Attachment files and their rows agree (issue 19, finding 9): a file gets its name only once its
filing has committed, a rolled-back filing leaves no file, and the daily job settles what a killed
process left behind."""
from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.boundary import transaction
from portal.tickets.attachments import Upload, attach, partial
from portal.tickets.models import Attachment, Ticket
from tests.tickets.conftest import PDF, PNG, file_through_form


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def test_a_filed_attachment_has_its_name_and_no_temporary_file_remains(app, client, session, routing_catalog):
    response = file_through_form(client, attachments=[(io.BytesIO(PDF), "材料.pdf")])
    assert response.status_code == 200
    [row] = session.scalars(select(Attachment)).all()
    assert files(Path(app.config["ATTACHMENT_DIR"])) == [row.stored_name]


def test_a_filing_that_rolls_back_leaves_no_file(app, session, routing_catalog, client):
    assert file_through_form(client).status_code == 200
    ticket = session.scalars(select(Ticket)).one()
    directory = Path(app.config["ATTACHMENT_DIR"])
    with pytest.raises(RuntimeError):
        with transaction():
            attach(session, ticket, [Upload("照片.png", "image/png", PNG)], directory)
            assert len(files(directory)) == 1 and files(directory)[0].endswith(".part")  # written, not named
            raise RuntimeError("the process fails before its commit")
    assert files(directory) == []


def test_the_daily_job_names_what_a_killed_filing_committed_and_removes_day_old_orphans(app, session, routing_catalog,
                                                                                      client, runner):
    assert file_through_form(client).status_code == 200
    ticket = session.scalars(select(Ticket)).one()
    directory = Path(app.config["ATTACHMENT_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    ticket.attachments.append(Attachment(stored_name="committed.pdf", original_name="a.pdf",
                                         content_type="application/pdf", size=len(PDF)))
    session.commit()
    partial(directory, "committed.pdf").write_bytes(PDF)  # killed between the commit and the rename
    day_old = time.time() - 25 * 3600
    for name in ("orphan.pdf", ".lost.png.part"):  # killed before the commit, a day ago
        (directory / name).write_bytes(PDF)
        os.utime(directory / name, (day_old, day_old))
    (directory / "fresh.pdf").write_bytes(PDF)  # a filing may still be on its way to its commit
    result = runner.invoke(args=["tickets", "attachments-clean"])
    assert result.exit_code == 0 and "补全 1 个，删除无对应工单的文件 2 个" in result.output
    assert files(directory) == ["committed.pdf", "fresh.pdf"]
    assert "补全 0 个，删除无对应工单的文件 0 个" in runner.invoke(args=["tickets", "attachments-clean"]).output
