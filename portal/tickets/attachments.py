"""Attachments: JPEG, PNG or PDF by their content (not their name), at most 3 of 5 MB each,
stored outside static/ under random names and handed out only as downloads."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from portal.boundary import on_rollback
from portal.tickets.models import Attachment, Ticket

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
        return [], [f"最多上传 {MAX_FILES} 个附件（您选择了 {len(files)} 个）。"]
    uploads = []
    for name, data in files:
        shown = _clean_name(name)
        if len(data) > MAX_BYTES:
            errors.append(f"“{shown}”超过 5 MB。")
        elif not data:
            errors.append(f"“{shown}”是空文件。")
        elif (kind := sniff(data)) is None:
            errors.append(f"“{shown}”不是 JPEG、PNG 或 PDF 文件（按文件内容识别，与扩展名无关）。")
        else:
            extension = next(ext for _, k, ext in SIGNATURES if k == kind)
            stem = shown.rsplit(".", 1)[0] if "." in shown else shown
            uploads.append(Upload(stem + extension, kind, data))  # the name follows what the file is
    return (uploads if not errors else []), errors


def _clean_name(name: str) -> str:
    """The given file name without folders or control characters, at most 60 characters."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return (name or "附件")[-60:]


def store(upload: Upload, directory: Path) -> str:
    """Write the file under a random name; the name the business gave is kept only in the database."""
    directory.mkdir(parents=True, exist_ok=True)
    extension = next(ext for _, kind, ext in SIGNATURES if kind == upload.content_type)
    stored = secrets.token_hex(16) + extension
    (directory / stored).write_bytes(upload.data)
    return stored


def attach(session: Session, ticket: Ticket, uploads: list[Upload], directory: Path) -> None:
    """Store the files with the ticket; if its transaction rolls back, the files go too."""
    for upload in uploads:
        name = store(upload, directory)
        on_rollback(session, lambda path=directory / name: path.unlink(missing_ok=True))
        ticket.attachments.append(Attachment(stored_name=name, original_name=upload.name,
                                             content_type=upload.content_type, size=len(upload.data)))
