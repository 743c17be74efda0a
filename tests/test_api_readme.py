"""The README's JSON API examples work against the demo data: each token-less ``curl`` is parsed
from the README and sent through the test client of an app holding the demo data, and must
answer the status written after it (and, for some, what the text says it lists); the token
examples must name operations the API has."""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.helpers_trust import demo_app, dispose

pytestmark = [pytest.mark.no_transaction]

README = Path(__file__).resolve().parent.parent / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("\n## JSON API\n", 1)[1].split("\n## ", 1)[0]


def commands() -> list[str]:
    """Each shell command of the section's bash blocks, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", section(), re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if "curl " in line and not line.startswith("#")]


class Curl:
    def __init__(self, line: str):
        found = re.search(r"#\s*(\d{3})\s*$", line)
        self.status = int(found.group(1)) if found else None
        line = line[: found.start()] if found else line
        self.assigns = None
        assigned = re.match(r"(\w+)=\$\((.*)\)$", line)
        if assigned:  # etag=$(curl -sI URL | …): keep a header of the answer
            self.assigns, line = assigned.group(1), assigned.group(2).split("|", 1)[0]
        words = shlex.split(line, posix=True)
        assert words[0] == "curl", line
        self.headers, self.data, self.method = {}, None, "GET"
        self.url = None
        words = iter(words[1:])
        for word in words:
            if word == "-H":
                name, value = next(words).split(":", 1)
                self.headers[name.strip()] = value.strip()
            elif word == "-d":
                self.data = next(words)
                self.method = "POST" if self.method == "GET" else self.method
            elif word == "-F":  # a multipart field: the token examples only, never sent here
                next(words)
                self.method = "POST" if self.method == "GET" else self.method
            elif word in ("-X", "--request"):
                self.method = next(words)
            elif word.startswith("-"):
                self.method = "HEAD" if "I" in word else self.method
            else:
                self.url = word
        self.token = any("$TOKEN" in v for v in self.headers.values())

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app = demo_app(tmp_path_factory, "readme")
    yield app
    dispose(app)


def codes(body) -> list[str]:
    return [c["code"] for c in body["items"]]


CHECKS = {  # what the README's text says an answer holds
    "/api/v1/calls?state=open": lambda b: "NC-2026-MCT" in codes(b),
    "/api/v1/funded-projects?street_id=12&year=2026": lambda b: (
        b["total"] == 6 and {p["call_code"] for p in b["items"]} == {"NC-2026-01"}
    ),
    "/api/v1/notices?state=ended": lambda b: "NC-2026-01" in codes(b),
    "/api/v1/notices/4": lambda b: b["code"] == "NC-2026-01" and len(b["projects"]) == 6,
    "/api/v1/results": lambda b: b["total"]["approved"] > 0 and b["by_street"],
}


def test_the_readme_public_examples_answer_as_written(demo):
    client, shell = demo.test_client(), {}
    public = [Curl(line) for line in commands() if "$TOKEN" not in line]
    assert len(public) >= 8
    checked = set()
    for curl in public:
        headers = {
            k: re.sub(r"\$(\w+)", lambda m: shell[m.group(1)], v) for k, v in curl.headers.items()
        }
        response = client.open(curl.path, method=curl.method, headers=headers, data=curl.data)
        if curl.assigns:
            shell[curl.assigns] = response.headers["ETag"]
            continue
        assert curl.status is not None, f"no status after the README's {curl.path}"
        assert response.status_code == curl.status, (curl.path, response.get_data(as_text=True))
        if curl.status == 200:
            assert response.headers["Cache-Control"] == "public, max-age=60"
            checked.add(curl.path)
            assert CHECKS.get(curl.path, lambda b: True)(response.get_json()), curl.path
        elif curl.status == 304:
            assert response.get_data() == b""
        else:
            assert response.mimetype == "application/problem+json"
            fields = {e["field"] for e in response.get_json()["errors"]}
            assert fields == {"per_page", "domain"}
    assert set(CHECKS) <= checked
    assert 304 in {c.status for c in public} and 422 in {c.status for c in public}


def test_the_readme_token_examples_name_operations_of_the_api(demo):
    if "api_applications" not in demo.blueprints:
        pytest.skip("the token operations are not in the API yet")
    token = [Curl(line) for line in commands() if "$TOKEN" in line]
    assert len(token) >= 5
    adapter = demo.url_map.bind("localhost")
    client = demo.test_client()
    for curl in token:
        try:
            adapter.match(urlsplit(curl.url).path, method=curl.method)
        except (NotFound, MethodNotAllowed):
            pytest.fail(f"the README's {curl.method} {curl.url} is no operation of the API")
        response = client.open(curl.path, method=curl.method)  # no token: refused
        assert response.status_code == 401, curl.path
