"""docs/deploy.md and docs/deploy/ say what the app does: every ``flask --app wsgi …`` they name is a
command with those options, the units run files that exist, the settings they set are the app's,
nginx lets through what the app reads to its end, the metrics they alert on are exported, and
the nightly backup script makes a backup and prunes old ones."""

import os
import re
import runpy
import shlex
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from flask.cli import FlaskGroup, ScriptInfo

from microventure.core.config import Config
from tests.helpers_ops import ROOT, drop_site, new_site

GUIDE = ROOT / "docs" / "deploy.md"
DEPLOY = ROOT / "docs" / "deploy"
PACKAGE = ROOT / "microventure"


def _texts() -> dict[str, str]:
    files = [GUIDE, *sorted(p for p in DEPLOY.iterdir() if p.is_file())]
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in files}


def _flask_commands() -> list[tuple[str, list[str]]]:
    found = []
    for name, text in _texts().items():
        for match in re.finditer(r'(?:flask|"\$FLASK") --app wsgi ([a-z][^\n`|;&]*)', text):
            line = re.sub(r"\s#.*$", "", match.group(1))  # a comment after the command
            words = shlex.split(line.replace("$(", "").replace(")", ""), comments=False)
            found.append((name, words))
    return found


def _resolve(app, words: list[str]):
    group = FlaskGroup(create_app=lambda: app, add_default_commands=True)
    context = click.Context(group, obj=ScriptInfo(create_app=lambda: app))
    command, rest = group, list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        command = command.get_command(context, rest.pop(0))
        assert command is not None, words
    return command, rest


def test_every_flask_command_the_guide_names_exists_with_its_options(app):
    commands = _flask_commands()
    named = {
        " ".join(w for w in words[:2] if not w.startswith(("-", "/", '"', "$")))
        for _n, words in commands
    }
    for expected in ("backup", "restore", "db upgrade", "calendar import", "notifications remind"):
        assert any(n.startswith(expected) for n in named), expected
    for where, words in commands:
        command, rest = _resolve(app, words)
        assert not isinstance(command, click.Group), (where, words)
        options = {opt for param in command.params for opt in param.opts}
        given = {w.split("=")[0] for w in rest if w.startswith("--")}
        assert given <= options, (where, words, given - options)


def _unit(name: str) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


def test_the_units_run_what_the_repository_has():
    web = _unit("microventure-web.service")
    assert web["ExecStart"] == [
        "/opt/microventure/.venv/bin/gunicorn --config docs/deploy/gunicorn.conf.py wsgi:app"
    ]
    assert (ROOT / "wsgi.py").is_file() and (DEPLOY / "gunicorn.conf.py").is_file()
    assert "PROMETHEUS_MULTIPROC_DIR=/run/microventure/prometheus" in web["Environment"]
    assert web["RuntimeDirectory"] == ["microventure"]  # /run/microventure, the user's
    for role in ("worker", "beat"):
        (start,) = _unit(f"microventure-{role}.service")["ExecStart"]
        assert f"/.venv/bin/celery -A microventure.worker {role} " in start
    assert "celery_app = " in (PACKAGE / "worker.py").read_text()
    backup = _unit("microventure-backup.service")
    assert backup["ExecStart"] == ["/opt/microventure/docs/deploy/backup.sh"]
    assert os.access(DEPLOY / "backup.sh", os.X_OK)
    timer = _unit("microventure-backup.timer")
    assert timer["OnCalendar"] == ["*-*-* 02:30:00"] and timer["Persistent"] == ["true"]
    for name in ("web", "worker", "beat", "backup"):
        unit = _unit(f"microventure-{name}.service")
        assert unit["EnvironmentFile"] == ["/etc/microventure/env"], name
        assert unit["WorkingDirectory"] == ["/opt/microventure"], name


def _settings_the_app_reads() -> set[str]:
    names = {n for n in dir(Config) if n.isupper()}
    pattern = re.compile(r"""config(?:\.get\(|\.setdefault\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")
    for path in PACKAGE.rglob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_the_environment_file_sets_only_settings_the_app_has():
    known = _settings_the_app_reads()
    lines = (DEPLOY / "microventure.env").read_text(encoding="utf-8").splitlines()
    settings = dict(
        line.lstrip("# ").split("=", 1) for line in lines if re.match(r"#? ?FLASK_\w+=", line)
    )
    unknown = {k for k in settings if k.removeprefix("FLASK_") not in known}
    assert unknown == set()
    assert settings["FLASK_PROXY_FIX_HOPS"] == "1"  # nginx in front
    assert "MICROVENTURE_CONFIG=production" in lines


def _megabytes(text: str, directive: str) -> int:
    (value,) = re.findall(rf"^\s*{directive}\s+(\d+)m;", text, re.MULTILINE)
    return int(value)


def test_nginx_lets_through_what_the_app_reads_and_sends_the_headers_it_believes():
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    limit = Config.MAX_CONTENT_LENGTH + Config.REQUEST_DRAIN_MAX_BYTES
    assert _megabytes(nginx, "client_max_body_size") * 1024 * 1024 == limit
    proxied = nginx.count("proxy_pass http://microventure;")
    assert proxied == nginx.count("include /etc/nginx/microventure-proxy.conf;") == 3
    headers = (DEPLOY / "nginx-proxy.conf").read_text(encoding="utf-8")
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"):
        assert re.search(rf"proxy_set_header\s+{header}\s", headers), header
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert gunicorn["timeout"] > Config.REQUEST_DRAIN_SECONDS


def test_the_metrics_the_guide_and_the_alerts_name_are_exported():
    source = (PACKAGE / "ops" / "metrics.py").read_text(encoding="utf-8")
    exported = set(re.findall(r'"(microventure_\w+)"', source))
    named = set()
    for name in ("docs/deploy.md", "docs/deploy/alerts.yml"):
        named |= set(re.findall(r"\b(microventure_[a-z_]+)", (ROOT / name).read_text()))
    named = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in named}
    named -= {"microventure_proxy", "microventure_restored"}  # a file and a database, not metrics
    assert named and named <= exported, named - exported
    assert {
        "microventure_outbox_oldest_pending_age_seconds",
        "microventure_celery_queue_length",
    } <= named


@pytest.mark.no_transaction
def test_the_nightly_backup_script_backs_up_and_prunes(tmp_path):
    site = new_site(tmp_path, "nightly")
    try:
        site.flask("db", "upgrade")
        root = tmp_path / "backups"
        old, stranger, recent = root / "2020-01-01-023000", root / "not-a-backup", root / "recent"
        for folder in (old, stranger, recent):
            folder.mkdir(parents=True)
        (old / "manifest.json").write_text("{}")
        (recent / "manifest.json").write_text("{}")
        forty_days_ago = time.time() - 40 * 86400
        for folder in (old, stranger):
            os.utime(folder, (forty_days_ago, forty_days_ago))
        env = site.env(
            APP_DIR=str(ROOT),
            FLASK=str(Path(sys.executable).parent / "flask"),
            BACKUP_ROOT=str(root),
            BACKUP_KEEP_DAYS="30",
        )
        finished = subprocess.run(
            [str(DEPLOY / "backup.sh")], env=env, capture_output=True, text=True, timeout=120
        )
        assert finished.returncode == 0, finished.stderr
        left = {p.name for p in root.iterdir()}
        made = left - {"not-a-backup", "recent"}
        assert "2020-01-01-023000" not in left and {"not-a-backup", "recent"} <= left
        (new,) = made
        assert (root / new / "manifest.json").is_file()
        assert re.fullmatch(r"\d{4}-\d\d-\d\d-\d{6}", new)
    finally:
        drop_site(site)
