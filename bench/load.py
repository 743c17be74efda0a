"""HTTP for bench/run: a keep-alive client with its own cookies that logs in through the real
form (CSRF token included), sequential timing of a page, and a load generator of N processes
each hammering one page for a while (multiprocessing + http.client, no other dependency)."""

import http.client
import multiprocessing
import re
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """One user's connection to ``host:port``: cookies kept by hand (production cookies are
    ``Secure``; the benchmark talks plain HTTP to gunicorn, as nginx would behind TLS)."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.connection = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):  # gunicorn's sync workers close after each response
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            self.cookies |= {name: morsel.value for name, morsel in cookie.items()}
        return response, data

    def login(self, email: str, password: str) -> None:
        response, page = self.request("GET", "/auth/login")
        token = CSRF.search(page)
        form = {"email": email, "password": password}
        if token:
            form["csrf_token"] = token.group(1).decode()
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        response, _ = self.request("POST", "/auth/login", body, headers)
        location = response.headers.get("Location", "")
        if response.status != 302 or "/auth/login" in location:
            raise SystemExit(f"log-in of {email} failed ({response.status} → {location or '-'})")


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)  # milliseconds
    queries: list[int] = field(default_factory=list)
    size: int = 0
    status: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def time_page(client: Client, path: str, runs: int, warmup: int) -> Timing:
    """``warmup`` requests, then ``runs`` timed one after the other (request to last byte)."""
    timing = Timing()
    for _ in range(warmup):
        response, body = client.request("GET", path)
        timing.status = response.status
        if response.status != 200:
            return timing
    for _ in range(runs):
        started = time.perf_counter()
        response, body = client.request("GET", path)
        timing.times.append((time.perf_counter() - started) * 1000)
        count = response.headers.get("X-Query-Count")
        if count is not None:
            timing.queries.append(int(count))
        timing.size, timing.status = len(body), response.status
    return timing


def _hammer(host, port, cookies, path, start_at, seconds, results) -> None:
    client = Client(host, port, cookies)
    while time.time() < start_at:
        time.sleep(0.005)
    done = errors = 0
    ends = start_at + seconds
    while time.time() < ends:
        try:
            response, _ = client.request("GET", path)
            if response.status == 200:
                done += 1
            else:
                errors += 1
        except OSError:
            errors += 1
    results.put((done, errors))


def throughput(client: Client, path: str, concurrency: int, seconds: float) -> tuple[float, int]:
    """Requests per second answered 200 while ``concurrency`` processes (each one client, the
    given user's cookies) ask for ``path`` as fast as they can for ``seconds``; and the errors."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.5
    workers = [
        context.Process(
            target=_hammer,
            args=(client.host, client.port, client.cookies, path, start_at, seconds, results),
        )
        for _ in range(concurrency)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
    return sum(d for d, _ in counts) / seconds, sum(e for _, e in counts)
