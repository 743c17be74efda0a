"""Uploaded attachments: type by content, size limit, storage outside the web root, safe keys."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from microventure.core import files
from microventure.core.errors import DomainError
from microventure.core.files import (
    FileKind,
    delete_stored,
    detect_kind,
    display_name,
    open_stored,
    send_stored,
    store_upload,
)
from microventure.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def office_zip(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for member in members:
            archive.writestr(member, "<x/>")
    return buffer.getvalue()


DOCX = office_zip("word/document.xml")
XLSX = office_zip("xl/workbook.xml")


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    with app.test_request_context():
        yield tmp_path / "uploads"


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (PDF, "plan.pdf", FileKind.PDF),
        (JPEG, "photo.JPG", FileKind.IMAGE_JPEG),
        (JPEG, "photo.jpeg", FileKind.IMAGE_JPEG),
        (png(), "photo.png", FileKind.IMAGE_PNG),
        (DOCX, "plan.docx", FileKind.WORD),
        (XLSX, "budget.xlsx", FileKind.EXCEL),
        (OLE2, "plan.doc", FileKind.WORD),
        (OLE2, "budget.xls", FileKind.EXCEL),
    ],
)
def test_valid_files_are_stored_under_the_upload_folder(app, folder, data, name, kind):
    stored = store_upload(upload(data, name))
    assert stored.kind is kind
    assert stored.original_name == name
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    path = open_stored(stored.storage_key)
    assert path.read_bytes() == data
    assert path.is_relative_to(folder.resolve())
    assert not path.is_relative_to(Path(app.static_folder).resolve())
    # The stored name is random: nothing the user typed is in the path.
    assert Path(name).stem not in stored.storage_key
    year, month, filename = stored.storage_key.split("/")
    assert len(year) == 4 and len(month) == 2 and len(filename.split(".")[0]) == 32
    assert not list(path.parent.glob(".upload-*"))  # no temp file left behind


def test_chinese_names_survive_for_display(folder):
    stored = store_upload(upload(PDF, "项目计划书.pdf"))
    assert stored.original_name == "项目计划书.pdf"
    assert "项目计划书" not in stored.storage_key


def test_display_name_drops_directories_and_control_characters():
    assert display_name("C:\\Users\\张三\\预算表.xlsx") == "预算表.xlsx"
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("evil\u202egpj.pdf") == "evilgpj.pdf"
    assert display_name("a\x00b\n.pdf") == "ab.pdf"
    assert display_name("") == display_name(None) == display_name("..") == "file"
    long = display_name("长" * 500 + ".docx")
    assert len(long) == 200 and long.endswith(".docx")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"just some text, not a PDF", "report.pdf"),
        (png(), "x.pdf"),
        (PDF, "x.png"),
        (office_zip("other/stuff.xml"), "x.docx"),
        (XLSX, "x.docx"),
        (b"PK\x03\x04 truncated archive", "x.xlsx"),
        (OLE2, "x.pdf"),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(folder, data, name):
    with pytest.raises(DomainError) as exc:
        store_upload(upload(data, name), field="attachment")
    assert name in str(exc.value)
    assert exc.value.field == "attachment"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


@pytest.mark.parametrize("name", ["notes.txt", "script.exe", "noextension", "x.pdf.html"])
def test_unknown_types_are_refused(folder, name):
    with pytest.raises(DomainError) as exc:
        store_upload(upload(PDF, name))
    assert name in str(exc.value)
    assert exc.value.field == "file"


def test_empty_file_is_refused(folder):
    with pytest.raises(DomainError) as exc:
        store_upload(upload(b"", "empty.pdf"))
    assert "empty.pdf" in str(exc.value)


def test_oversize_file_is_refused_with_the_limit_in_mb(app, folder, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    big = PDF + b"0" * (1024 * 1024 + 500 * 1024)
    with pytest.raises(DomainError) as exc:
        store_upload(upload(big, "big.pdf"))
    message = str(exc.value)
    assert "big.pdf" in message and "1.5" in message and "1 MB" in message
    exactly = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert store_upload(upload(exactly, "exact.pdf")).size == 1024 * 1024


def test_detect_kind_uses_the_name_only_for_legacy_office():
    assert detect_kind(PDF, "anything.xls") is FileKind.PDF
    assert detect_kind(OLE2, "plan.DOC") is FileKind.WORD
    assert detect_kind(OLE2, "plan.txt") is None
    assert detect_kind(b"hello") is None


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "/etc/passwd", "..", "", "2024/01/missing.pdf", "2024"]
)
def test_open_stored_refuses_escapes_and_missing_files(folder, key):
    (folder / "2024").mkdir(parents=True)
    with pytest.raises(FileNotFoundError):
        open_stored(key)


def test_delete_stored(folder):
    stored = store_upload(upload(PDF, "plan.pdf"))
    delete_stored(stored.storage_key)
    with pytest.raises(FileNotFoundError):
        open_stored(stored.storage_key)
    delete_stored(stored.storage_key)  # already gone: nothing happens
    delete_stored("../../etc/passwd")  # outside the folder: nothing happens


def test_default_folder_is_in_the_instance_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", None)
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    with app.test_request_context():
        stored = store_upload(upload(PDF, "plan.pdf"))
        assert open_stored(stored.storage_key).is_relative_to(tmp_path / "instance" / "uploads")


@pytest.mark.parametrize(
    ("data", "name", "kind", "mimetype", "attachment"),
    [
        (PDF, "项目计划书.pdf", FileKind.PDF, "application/pdf", False),
        (png(), "photo.png", FileKind.IMAGE_PNG, "image/png", False),
        (JPEG, "photo.jpg", FileKind.IMAGE_JPEG, "image/jpeg", False),
        (OLE2, "plan.doc", FileKind.WORD, "application/msword", True),
        (
            DOCX,
            "plan.docx",
            FileKind.WORD,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            True,
        ),
        (OLE2, "budget.xls", FileKind.EXCEL, "application/vnd.ms-excel", True),
        (
            XLSX,
            "预算.xlsx",
            FileKind.EXCEL,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            True,
        ),
    ],
)
def test_send_stored(folder, data, name, kind, mimetype, attachment):
    stored = store_upload(upload(data, name))
    response = send_stored(stored.storage_key, download_name=stored.original_name, kind=kind)
    response.direct_passthrough = False
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment" if attachment else "inline")
    assert "filename*=UTF-8''" in disposition or name in disposition
    assert response.get_data() == data
    assert response.cache_control.max_age == 0
    response.close()


def test_a_file_written_in_a_transaction_that_rolls_back_is_deleted(folder):
    """A refused request or a failed commit leaves no file that no row names."""
    kept = files.store_upload(upload(PDF, "kept.pdf"))
    db.session.commit()
    dropped = files.store_upload(upload(PDF, "dropped.pdf"))
    assert (folder / dropped.storage_key).is_file()
    db.session.rollback()
    assert not (folder / dropped.storage_key).exists()
    assert (folder / kept.storage_key).is_file()


def test_a_discarded_file_goes_only_when_its_transaction_commits(folder):
    stored = files.store_upload(upload(PDF, "photo.pdf"))
    db.session.commit()
    files.discard_after_commit(stored.storage_key, None)
    db.session.rollback()  # the removal did not happen: the file stays
    assert (folder / stored.storage_key).is_file()
    files.discard_after_commit(stored.storage_key)
    db.session.commit()
    assert not (folder / stored.storage_key).exists()
