"""A backup is a folder: the database (PostgreSQL: ``pg_dump`` custom format; SQLite: a copy by
the online backup API), the uploads folder under ``uploads/``, and ``manifest.json`` with the
application's version, the migration revision and the SHA-256 of every file. The manifest is
written last, so a folder without one is an unfinished backup.

The uploads are copied once before the database is dumped and once after (only what appeared in
between): a file that a row in the dump names was written before its row committed, so it is in
the backup unless it was added and deleted again while the backup ran."""

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from flask_babel import lazy_gettext as _l

from microventure.core.errors import DomainError
from microventure.core.files import upload_root
from microventure.extensions import db
from microventure.ops import database, schema

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    revision: str
    files: int  # uploaded files
    head: str  # this code's newest revision


def app_version() -> str:
    try:
        return version("microventure")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _uploaded_files(root: Path):
    """Every stored file under ``root`` as (relative posix path, path); half-written temporary
    files (``.upload-*.tmp``, see core/files.py) are not part of the data."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(".upload-"):
            yield path.relative_to(root).as_posix(), path


def _copy_uploads(source: Path, target: Path, checksums: dict[str, str]) -> None:
    """Copy what ``checksums`` does not have yet, recording each copy's SHA-256."""
    for relative, path in _uploaded_files(source):
        key = f"{UPLOADS}/{relative}"
        if key in checksums:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, destination)
        except FileNotFoundError:  # deleted since the listing (a replaced attachment)
            continue
        checksums[key] = sha256_of(destination)


def backup(target: Path) -> Outcome:
    """Write a backup into ``target``, a folder that must not exist yet or be empty."""
    target = Path(target)
    if not _is_empty(target):
        raise DomainError(
            _l("%(folder)s is not empty: back up into a new folder.", folder=str(target))
        )
    dialect = db.engine.dialect.name
    with db.engine.connect() as connection:
        revision = schema.revision_of(connection)
    if revision is None:
        raise DomainError(_l("The database has no schema yet: there is nothing to back up."))
    target.mkdir(parents=True, exist_ok=True)
    checksums: dict[str, str] = {}
    uploads = upload_root()
    _copy_uploads(uploads, target / UPLOADS, checksums)
    dump = database.dump(db.engine, target)
    _copy_uploads(uploads, target / UPLOADS, checksums)
    checksums[dump.name] = sha256_of(dump)
    manifest = {
        "format": FORMAT,
        "app_version": app_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"dialect": dialect, "file": dump.name, "revision": revision},
        "files": dict(sorted(checksums.items())),
    }
    temporary = target / (MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    temporary.replace(target / MANIFEST)
    return Outcome(revision=revision, files=len(checksums) - 1, head=schema.head())


def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DomainError(
            _l(
                "%(folder)s has no manifest.json: it is not a backup, or an unfinished one.",
                folder=str(source),
            )
        ) from None
    except (ValueError, OSError) as exc:
        raise DomainError(_l("manifest.json cannot be read: %(error)s", error=str(exc))) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DomainError(_l("manifest.json is not in a format this version can restore."))
    return manifest


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise DomainError(_l("manifest.json names a file outside the backup: %(name)s", name=name))
    return path


def verify(source: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with its checksum."""
    for name, checksum in manifest["files"].items():
        path = Path(source) / _safe_relative(name)
        if not path.is_file():
            raise DomainError(_l("The backup lacks %(name)s.", name=name))
        if sha256_of(path) != checksum:
            raise DomainError(
                _l("%(name)s is damaged: its checksum differs from the manifest's.", name=name)
            )


def check_restorable(manifest: dict) -> None:
    """The backup fits this code and this database, which must be empty."""
    recorded = manifest["database"]
    dialect = db.engine.dialect.name
    if recorded["dialect"] != dialect:
        raise DomainError(
            _l(
                "This is a %(backup)s backup; the configured database is %(target)s.",
                backup=recorded["dialect"],
                target=dialect,
            )
        )
    if not schema.is_known(recorded["revision"]):
        raise DomainError(
            _l(
                "The backup's database is at migration %(revision)s, which this version of the "
                "application does not know (a newer version made it): install that version or a "
                "later one, then restore.",
                revision=recorded["revision"],
            )
        )
    with db.engine.connect() as connection:
        tables = schema.table_names(connection)
    if tables:
        raise DomainError(
            _l(
                "The database is not empty (%(count)s tables): restore only into a new, empty "
                "database.",
                count=len(tables),
            )
        )
    if not _is_empty(upload_root()):
        raise DomainError(
            _l(
                "The uploads folder %(folder)s is not empty: restore only into an empty one.",
                folder=str(upload_root()),
            )
        )


def restore(source: Path) -> Outcome:
    """Rebuild the empty database and uploads folder from the backup in ``source``."""
    source = Path(source)
    manifest = read_manifest(source)
    verify(source, manifest)
    check_restorable(manifest)
    recorded = manifest["database"]
    database.load(db.engine, source / _safe_relative(recorded["file"]))
    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    uploads = [n for n in manifest["files"] if n.startswith(UPLOADS + "/")]
    for name in uploads:
        destination = root / _safe_relative(name.removeprefix(UPLOADS + "/"))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination)
    return Outcome(revision=recorded["revision"], files=len(uploads), head=schema.head())
