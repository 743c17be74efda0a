"""Uploaded attachments (PDF, JPEG/PNG, Word, Excel): checked by content, stored outside the web
root under random names, and served back only through ``send_stored``."""

import contextlib
import hashlib
import io
import math
import os
import tempfile
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from microventure.core.errors import DomainError
from microventure.core.models import LabelledEnum, labels
from microventure.core.timeutil import local_today
from microventure.extensions import db

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
_CHUNK = 64 * 1024
_NAME_LIMIT = 200


class FileKind(LabelledEnum):
    PDF = "pdf"
    IMAGE_JPEG = "jpeg"
    IMAGE_PNG = "png"
    WORD = "word"
    EXCEL = "excel"


labels(
    FileKind,
    {
        FileKind.PDF: _l("PDF document"),
        FileKind.IMAGE_JPEG: _l("JPEG image"),
        FileKind.IMAGE_PNG: _l("PNG image"),
        FileKind.WORD: _l("Word document"),
        FileKind.EXCEL: _l("Excel workbook"),
    },
)

EXTENSIONS: dict[FileKind, frozenset[str]] = {
    FileKind.PDF: frozenset({".pdf"}),
    FileKind.IMAGE_JPEG: frozenset({".jpg", ".jpeg"}),
    FileKind.IMAGE_PNG: frozenset({".png"}),
    FileKind.WORD: frozenset({".doc", ".docx"}),
    FileKind.EXCEL: frozenset({".xls", ".xlsx"}),
}
_KIND_BY_EXTENSION = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}

MIMETYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class StoredFile:
    storage_key: str  # posix path relative to the upload folder
    original_name: str  # sanitised, for display and as the download name
    kind: FileKind
    size: int
    sha256: str


def extension(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower()


def detect_kind(data: bytes, filename: str = "") -> FileKind | None:
    """The kind the bytes really are. The name is only a hint for legacy Office files, whose OLE2
    container looks the same for Word and Excel."""
    if data.startswith(b"%PDF-"):
        return FileKind.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.IMAGE_PNG
    if data.startswith(b"\xff\xd8\xff"):
        return FileKind.IMAGE_JPEG
    if data.startswith(_OLE2):
        return {".doc": FileKind.WORD, ".xls": FileKind.EXCEL}.get(extension(filename))
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "word/document.xml" in names:
            return FileKind.WORD
        if "xl/workbook.xml" in names:
            return FileKind.EXCEL
    return None


def display_name(filename: str | None) -> str:
    """Keep the user's name (Chinese included) but drop directories and control/format characters
    (which could fake an extension, e.g. right-to-left overrides)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip()
    if len(name) > _NAME_LIMIT:
        suffix = PurePosixPath(name).suffix[:16]
        name = name[: _NAME_LIMIT - len(suffix)] + suffix
    return name if name not in ("", ".", "..") else "file"


def upload_root() -> Path:
    configured = current_app.config.get("UPLOAD_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _mb(size: int, *, round_up: bool = False) -> str:
    # One decimal; an over-size file rounds up so it never reads as equal to the limit.
    tenths = math.ceil(size * 10 / MB) if round_up else round(size * 10 / MB)
    return f"{tenths / 10:.1f}".removesuffix(".0")


def _read_capped(upload: FileStorage, limit: int) -> tuple[bytes, int]:
    """Up to ``limit`` bytes, and the true size (counted, not kept, past the limit)."""
    kept, size = bytearray(), 0
    while chunk := upload.stream.read(_CHUNK):
        size += len(chunk)
        if size <= limit:
            kept += chunk
    return bytes(kept), size


def store_upload(upload: FileStorage, *, field: str = "file") -> StoredFile:
    """Check an uploaded file and store it; any refusal raises DomainError(message, field=field)."""
    name = display_name(upload.filename)
    limit = max_bytes()
    data, size = _read_capped(upload, limit)
    if size == 0:
        raise DomainError(_l("%(name)s is empty.", name=name), field=field)
    if size > limit:
        message = _l(
            "%(name)s is %(size)s MB; the limit is %(limit)s MB.",
            name=name,
            size=_mb(size, round_up=True),
            limit=_mb(limit),
        )
        raise DomainError(message, field=field)
    ext = extension(name)
    claimed = _KIND_BY_EXTENSION.get(ext)
    if claimed is None:
        message = _l("%(name)s is not a PDF, image, Word or Excel file.", name=name)
        raise DomainError(message, field=field)
    if detect_kind(data, name) is not claimed:
        message = _l(
            "%(name)s is not a real %(claimed)s; upload the document itself.",
            name=name,
            claimed=claimed.title,
        )
        raise DomainError(message, field=field)

    today = local_today()
    # Only constants go into the path: the date, a random name and a whitelisted extension.
    key = f"{today.year:04d}/{today.month:02d}/{uuid.uuid4().hex}{ext}"
    write_stored(key, data)
    return StoredFile(key, name, claimed, size, hashlib.sha256(data).hexdigest())


def write_stored(storage_key: str, data: bytes) -> None:
    """Write a file under the upload root, tied to the current database transaction: if that
    rolls back (a refused request, a failed commit), the file is deleted again, so no file is
    left that no row names."""
    db.session.connection()  # the transaction has begun, so its rollback is an event
    _write_atomically(upload_root() / storage_key, data)
    db.session.info.setdefault(_WRITTEN, []).append(storage_key)


def discard_after_commit(*storage_keys: str | None) -> None:
    """Delete these stored files once the current transaction commits (their rows were marked
    removed in it); nothing happens if it rolls back."""
    db.session.info.setdefault(_DISCARDED, []).extend(k for k in storage_keys if k)


_WRITTEN, _DISCARDED = "files_written", "files_discarded"


@event.listens_for(Session, "after_commit")
def _settle_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for key in session.info.pop(_DISCARDED, []):
        delete_stored(key)


@event.listens_for(Session, "after_soft_rollback")
def _undo_files(session: Session, previous_transaction) -> None:
    # every rollback of the session's transaction, even one with no SQL sent yet; a SAVEPOINT
    # rolling back leaves the outer transaction's files to its own end
    if previous_transaction.nested:
        return
    session.info.pop(_DISCARDED, None)
    for key in session.info.pop(_WRITTEN, []):
        delete_stored(key)


def _write_atomically(target: Path, data: bytes) -> None:
    # A reader never sees half a file: write beside the target, then rename over it.
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def open_stored(storage_key: str) -> Path:
    """The file's path; FileNotFoundError for a missing file or a key leading outside the folder."""
    root = upload_root().resolve()
    path = (root / storage_key).resolve()
    if not path.is_relative_to(root) or path == root or not path.is_file():
        raise FileNotFoundError(storage_key)
    return path


def delete_stored(storage_key: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        open_stored(storage_key).unlink(missing_ok=True)


def send_stored(stored_key: str, *, download_name: str, kind: FileKind) -> Response:
    """Serve a stored file: PDFs and images inline, Office files as downloads (browsers cannot
    show them). Raises FileNotFoundError like ``open_stored``."""
    ext = extension(download_name)
    if ext not in EXTENSIONS[kind]:
        ext = max(EXTENSIONS[kind])  # the modern format (.docx, .xlsx) when the name does not say
    return send_file(
        open_stored(stored_key),
        mimetype=MIMETYPES[ext],
        as_attachment=kind in (FileKind.WORD, FileKind.EXCEL),
        download_name=download_name,
        max_age=0,
    )
