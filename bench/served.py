"""Timing pages served by gunicorn: real HTTP to worker processes of their own (each with its
own figures cache), the way production serves them, instead of Flask's test client in the
benchmark's process. Used by ``bench/stats.py --gunicorn WORKERS``."""

import contextlib
import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.projects import Result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    sys.exit(f"gunicorn did not listen on {port} within {seconds:.0f} s")


@contextlib.contextmanager
def gunicorn(root: Path, workers: int, settings: dict[str, str]):
    """gunicorn serving ``wsgi:app`` with ``settings`` (as FLASK_* environment variables) on a
    free port; yields its base URL and stops it afterwards."""
    port = _free_port()
    env = os.environ | {"MICROVENTURE_CONFIG": "development"}
    env |= {f"FLASK_{name}": value for name, value in settings.items()}
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen([*command, "--log-level", "warning", "wsgi:app"], cwd=root, env=env)
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


class HttpTimer:
    """As ``bench.projects.Timer``, over HTTP: one cookie jar per user, ``--warmup`` requests,
    then ``--runs`` timed ones (request, response and reading the body). The SQL statements of
    a page are those the test client counted for it (``counted``), not seen from here."""

    def __init__(
        self, base: str, args, password: str, counted: dict[tuple[str, str], list[str]]
    ) -> None:
        self.base, self.args, self.password, self.counted = base, args, password, counted
        self.openers: dict[str, urllib.request.OpenerDirector] = {}
        self.results: list[Result] = []

    def opener(self, who: str, email: str | None) -> urllib.request.OpenerDirector:
        if who not in self.openers:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            if email:
                form = urllib.parse.urlencode({"email": email, "password": self.password})
                with opener.open(f"{self.base}/auth/login", form.encode()) as response:
                    assert "/auth/login" not in response.url, f"login of {email} failed"
            self.openers[who] = opener
        return self.openers[who]

    def time(self, name: str, who: str, email: str | None, url: str) -> Result:
        opener = self.opener(who, email)

        def get() -> bytes:
            with opener.open(self.base + url) as response:
                assert response.status == 200, (url, response.status)
                return response.read()

        for _ in range(self.args.warmup):
            body = get()
        times = []
        for _ in range(self.args.runs):
            started = time.perf_counter()
            get()
            times.append((time.perf_counter() - started) * 1000)
        result = Result(name, who, url, times, self.counted.get((who, url), []), len(body))
        self.results.append(result)
        print(f"  {name:<28} {who:<7} p50 {result.p50:6.1f} ms  p95 {result.p95:6.1f} ms  (HTTP)")
        return result
