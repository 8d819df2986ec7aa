"""Attachments: JPEG, PNG or PDF by their content (not their name), at most 3 of 5 MB each,
stored outside static/ under random names and handed out only as downloads.

A file is written under a temporary name (`.NAME.part`) and given its name once the filing's
transaction has committed; a filing rolled back removes it. A process killed in between leaves a file
that `tickets attachments-clean` settles: a `.part` whose row exists is given its name, anything with
no row is removed once it is a day old (personal data is not kept without its ticket)."""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.boundary import after_commit, on_rollback
from portal.i18n import gettext as _
from portal.tickets.models import Attachment, Ticket

ORPHANS_KEPT = dt.timedelta(days=1)  # a file with no row is removed after this

MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, among those accepted."""
    return next((kind for magic, kind, _ in SIGNATURES if data.startswith(magic)), None)


def check_uploads(files: list[tuple[str, bytes]]) -> tuple[list[Upload], list[str]]:
    """Accept the files or say, for each refused one, why; empty file inputs are ignored."""
    files = [(name, data) for name, data in files if name or data]
    errors: list[str] = []
    if len(files) > MAX_FILES:
        return [], [_("最多上传 %(most)s 个附件（您选择了 %(chosen)s 个）。", most=MAX_FILES, chosen=len(files))]
    uploads = []
    for name, data in files:
        shown = _clean_name(name)
        if len(data) > MAX_BYTES:
            errors.append(_("“%(name)s”超过 5 MB。", name=shown))
        elif not data:
            errors.append(_("“%(name)s”是空文件。", name=shown))
        elif (kind := sniff(data)) is None:
            errors.append(_("“%(name)s”不是 JPEG、PNG 或 PDF 文件（按文件内容识别，与扩展名无关）。", name=shown))
        else:
            extension = next(ext for _, k, ext in SIGNATURES if k == kind)
            stem = shown.rsplit(".", 1)[0] if "." in shown else shown
            uploads.append(Upload(stem + extension, kind, data))  # the name follows what the file is
    return (uploads if not errors else []), errors


def _clean_name(name: str) -> str:
    """The given file name without folders or control characters, at most 60 characters."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return (name or "附件")[-60:]


def partial(directory: Path, name: str) -> Path:
    """Where a file waits for its filing's commit."""
    return directory / f".{name}.part"


def store(upload: Upload, directory: Path) -> str:
    """Write the file under a random temporary name; returns the name it will have. The name the
    business gave is kept only in the database."""
    directory.mkdir(parents=True, exist_ok=True)
    extension = next(ext for _, kind, ext in SIGNATURES if kind == upload.content_type)
    stored = secrets.token_hex(16) + extension
    partial(directory, stored).write_bytes(upload.data)
    return stored


def attach(session: Session, ticket: Ticket, uploads: list[Upload], directory: Path) -> None:
    """Store the files with the ticket: named once its transaction commits, removed if it rolls back."""
    for upload in uploads:
        name = store(upload, directory)
        waiting = partial(directory, name)
        after_commit(session, lambda waiting=waiting, name=name: os.replace(waiting, directory / name))
        on_rollback(session, lambda waiting=waiting: waiting.unlink(missing_ok=True))
        ticket.attachments.append(Attachment(stored_name=name, original_name=upload.name,
                                             content_type=upload.content_type, size=len(upload.data)))


def clean(session: Session, directory: Path) -> tuple[int, int]:
    """Settle what a killed process left: a `.part` file whose row exists gets its name; a file with no
    row is removed once it is ORPHANS_KEPT old. Returns (named, removed); safe to run again."""
    if not directory.is_dir():
        return 0, 0
    known = set(session.scalars(select(Attachment.stored_name)))
    cutoff = time.time() - ORPHANS_KEPT.total_seconds()
    named = removed = 0
    for path in directory.iterdir():
        if not path.is_file():
            continue
        name = path.name[1:-5] if path.name.startswith(".") and path.name.endswith(".part") else path.name
        if name in known:
            if name != path.name and not (directory / name).exists():
                os.replace(path, directory / name)
                named += 1
        elif path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return named, removed
