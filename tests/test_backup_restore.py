"""Backup and restore as docs/deploy.md runs them: the demo data backed up, the database and the
uploads lost, restored, and every table's rows and every file the same (SQLite here, PostgreSQL
when TEST_DATABASE_URL names one); and the refusals, in the operator's language."""

import json
import shutil

import pytest
from alembic.script import ScriptDirectory

from microventure import create_app
from microventure.accounts import services
from microventure.extensions import db
from microventure.ops import backup as backups
from tests.helpers_ops import ROOT, drop_site, file_snapshot, new_site, table_snapshot

HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()

pytestmark = pytest.mark.no_transaction


@pytest.fixture
def site(tmp_path):
    site = new_site(tmp_path, "backup")
    yield site
    drop_site(site)


@pytest.fixture
def demo_site(site):
    site.flask("db", "upgrade")
    site.flask("demo", "load")
    return site


@pytest.fixture
def small_site(site):
    """The schema and one uploaded file: enough for the refusals."""
    site.flask("db", "upgrade")
    (site.uploads / "2026").mkdir(parents=True)
    (site.uploads / "2026" / "a.pdf").write_bytes(b"%PDF-1.4 a")
    return site


def _serve(site):
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=site.url,
        UPLOAD_FOLDER=str(site.uploads),
        RATELIMIT_STORAGE_URI="memory://",
    )


def test_demo_data_survives_backup_loss_and_restore(demo_site, tmp_path):
    site, folder = demo_site, tmp_path / "backup-1"
    tables, files = table_snapshot(site), file_snapshot(site.uploads)
    assert tables["users"][0] > 10 and tables["alembic_version"][0] == 1
    assert len(files) > 5  # activity photos, report attachments

    done = site.flask("backup", str(folder), "--lang", "en")
    assert f"{len(files)} uploaded file(s)" in done.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["dialect"] == site.dialect
    assert manifest["database"]["revision"] == HEAD
    assert manifest["app_version"] == backups.app_version()
    assert {n.removeprefix("uploads/") for n in manifest["files"] if n.startswith("uploads/")} == (
        set(files)
    )

    site.wipe()
    assert not site.uploads.exists()
    done = site.flask("restore", str(folder), "--lang", "en")
    assert "Restored the database" in done.stdout and "db upgrade" not in done.stdout

    assert table_snapshot(site) == tables
    assert file_snapshot(site.uploads) == files
    _the_restored_site_works(site)


def _the_restored_site_works(site):
    app = _serve(site)
    with app.app_context():
        # new rows take new ids (PostgreSQL's sequences came back with the data)
        services.create_user(email="after-restore@test.local", name="恢复后", password="x" * 12)
        db.session.commit()
        db.engine.dispose()
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"email": "district@demo.local", "password": "demo-password"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/admin/users").status_code == 200


def test_restore_refuses_a_database_or_uploads_folder_that_is_not_empty(small_site, tmp_path):
    site, folder = small_site, tmp_path / "backup-2"
    site.flask("backup", str(folder))
    refused = site.flask("restore", str(folder), "--lang", "en", check=False)
    assert refused.returncode == 1
    assert "The database is not empty" in refused.stderr
    refused = site.flask("restore", str(folder), check=False)
    assert "数据库不是空的" in refused.stderr

    site.wipe()
    site.uploads.mkdir()
    (site.uploads / "left-over.pdf").write_bytes(b"%PDF-1.4")
    refused = site.flask("restore", str(folder), "--lang", "en", check=False)
    assert refused.returncode == 1 and "uploads folder" in refused.stderr
    assert table_snapshot(site) == {}  # nothing was restored


def test_restore_refuses_a_newer_schema_and_a_damaged_backup(small_site, tmp_path):
    site, folder = small_site, tmp_path / "backup-3"
    site.flask("backup", str(folder))
    site.wipe()
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())

    newer = manifest | {"database": manifest["database"] | {"revision": "f00dfeedbeef"}}
    manifest_path.write_text(json.dumps(newer))
    refused = site.flask("restore", str(folder), "--lang", "en", check=False)
    assert refused.returncode == 1
    assert "migration f00dfeedbeef, which this version of the application does not know" in (
        refused.stderr
    )

    manifest_path.write_text(json.dumps(manifest))
    photo = next(n for n in manifest["files"] if n.startswith("uploads/"))
    (folder / photo).write_bytes(b"not the photo")
    refused = site.flask("restore", str(folder), "--lang", "en", check=False)
    assert refused.returncode == 1 and f"{photo} is damaged" in refused.stderr
    assert table_snapshot(site) == {} and not site.uploads.exists()


def test_backup_refuses_a_folder_in_use_and_restore_an_unfinished_backup(small_site, tmp_path):
    site = small_site
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("keep")
    refused = site.flask("backup", str(used), "--lang", "en", check=False)
    assert refused.returncode == 1 and "is not empty: back up into a new folder" in refused.stderr
    assert (used / "notes.txt").read_text() == "keep"

    folder = tmp_path / "unfinished"
    site.flask("backup", str(folder))
    (folder / "manifest.json").unlink()
    site.wipe()
    refused = site.flask("restore", str(folder), "--lang", "en", check=False)
    assert refused.returncode == 1 and "has no manifest.json" in refused.stderr


def test_an_older_backup_restores_and_says_to_upgrade(site, tmp_path):
    """A backup from before the newest migration restores, and the operator is told to run the
    upgrade (tests/test_upgrade_with_data.py shows the upgrade keeps the data)."""
    site.flask("db", "upgrade", "d3f282815c87")
    site.uploads.mkdir()
    (site.uploads / "2025").mkdir()
    (site.uploads / "2025" / "a.pdf").write_bytes(b"%PDF-1.4 old")
    folder = tmp_path / "older"
    site.flask("backup", str(folder))
    site.wipe()
    done = site.flask("restore", str(folder), "--lang", "en")
    assert "now run flask --app wsgi db upgrade" in done.stdout
    site.flask("db", "upgrade")
    assert file_snapshot(site.uploads) == {
        "2025/a.pdf": backups.sha256_of(folder / "uploads/2025/a.pdf")
    }


def test_backup_copies_uploads_that_appear_while_the_database_is_dumped(
    small_site, tmp_path, monkeypatch
):
    """An upload committed while the dump runs is named by a row in it: it is in the backup."""
    from microventure.ops import database

    app = _serve(small_site)
    real_dump = database.dump

    def dump_while_someone_uploads(engine, folder):
        path = real_dump(engine, folder)
        (small_site.uploads / "late").mkdir(exist_ok=True)
        (small_site.uploads / "late" / "during-the-dump.pdf").write_bytes(b"%PDF-1.4 new")
        return path

    monkeypatch.setattr(database, "dump", dump_while_someone_uploads)
    with app.app_context():
        outcome = backups.backup(tmp_path / "during")
        db.engine.dispose()
    assert (tmp_path / "during" / "uploads" / "late" / "during-the-dump.pdf").is_file()
    assert outcome.files == len(file_snapshot(small_site.uploads))
    shutil.rmtree(tmp_path / "during")
