"""Real services for outbox tests: an SMTP server (aiosmtpd) that can refuse or stall, a
redis-server of the test's own that can be stopped, hung and restarted, and a Celery worker
in a process of its own that can be killed."""

import asyncio
import email
import email.policy
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import redis

from microventure import create_app

ROOT = Path(__file__).resolve().parent.parent
REDIS_ARGS = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no")
WORKER_ARGS = ("-m", "celery", "-A", "microventure.worker", "worker", "--pool", "solo")
WORKER_ARGS += ("--without-gossip", "--without-mingle", "--loglevel", "WARNING")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An SMTP handler that keeps what it receives. ``data_replies`` answers the next DATA
    commands in turn (e.g. "451 4.3.0 Try later", "550 5.7.1 Refused"; then 250);
    ``rcpt_reply`` refuses recipients; ``stall_quit`` makes QUIT wait until it is cleared."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.data_replies: list[str] = []
        self.rcpt_reply: str | None = None
        self.stall_quit = threading.Event()
        self.accepted = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.accepted.set()
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        while self.stall_quit.is_set():
            await asyncio.sleep(0.05)
        return "221 Bye"

    def wait_for(self, count: int, seconds: float = 15) -> list:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


def loggers_back_on(handler: logging.Handler | None = None) -> None:
    """Alembic's logging set-up (migrations/env.py: fileConfig) disables every logger that
    existed before it and replaces the root's handlers; a test that builds a schema and then
    checks what is logged turns the app's and Flask-Limiter's back on, and gives the root
    ``handler`` (pytest's ``caplog.handler``) again."""
    if handler is not None:
        logging.getLogger().addHandler(handler)
    for name, logger in logging.root.manager.loggerDict.items():
        if name.startswith(("microventure", "flask-limiter")) and isinstance(
            logger, logging.Logger
        ):
            logger.disabled = False


def make_app(database: str, smtp_port: int, broker: str | None, **extra):
    """The app as production runs it, on ``database`` with ``broker`` (None: embedded)."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database,
        "REDIS_URL": broker,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_RETRY_SECONDS": 0,
        "PUBLIC_BASE_URL": "https://grants.example.org",
    }
    return create_app("testing", **(settings | extra))


class RedisServer:
    """A redis-server of this test's own on a free port: stop, hang (SIGSTOP) and restart it
    without touching the shared one."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [self.binary, *REDIS_ARGS, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.paused:
            self.resume()
        self.process.terminate()
        self.process.wait(10)
        self.process = None


def _env_value(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@contextmanager
def worker_process(app, **settings):
    """``celery -A microventure.worker worker`` in a process of its own, configured like
    ``app`` (FLASK_* variables), ready when it answers a ping."""
    env = os.environ | {"MICROVENTURE_CONFIG": "testing"}
    env |= {f"FLASK_{key}": _env_value(value) for key, value in settings.items()}
    process = subprocess.Popen(
        [sys.executable, *WORKER_ARGS],
        env=env,
        cwd=ROOT,
    )
    try:
        celery_app = app.extensions["celery"]
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            assert process.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not start"
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
