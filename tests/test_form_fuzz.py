"""Every form the app shows, fuzzed with hypothesis: hostile values in its fields (overlong text,
NUL and other control characters, lone surrogates sent as raw bytes, negative, huge and NaN
amounts, ids beyond the column range, dates that do not exist, values outside the choices, a
field sent twice, script tags). The forms are found, not listed: every GET route of the access
matrix (tests/test_access_matrix.py) is opened as a role that may see it, and each form on the
page is fuzzed as that role. The answer is never a 500, never another 5xx; a refusal (a 4xx, or
the form again with its messages) saves nothing (every table's row count is unchanged).

Deterministic (``derandomize``) so a run can be repeated; ``FUZZ_EXAMPLES`` sets the examples
per form (default 12), ``FUZZ_RANDOM=1`` draws new ones."""

import os
import re
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microventure.extensions import db, limiter
from tests.helpers_trust import ROLES, clients, demo_app, dispose, row_counts
from tests.html_forms import _FormReader
from tests.test_access_matrix import EXPECTED, Ids, U

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# who opens a page to fuzz its forms: each the matrix lets see it, in this order (a form
# already fuzzed is not fuzzed again)
PREFERRED = ("district_admin", "applicant", "street_admin", "reviewer", "anonymous")
# forms whose success ends the role's session for the rest of the module
SKIPPED_ACTIONS = {"/auth/logout"}
# a draft keeps what was valid of a refused submission (the refused field as stored): its
# rows may change with the form's messages shown (tests/test_hostile_input.py)
SAVES_THE_REST = re.compile(r"^/applications/\d+/edit$")
LAST = re.compile(r"/(active|roles|terminate|suspend|withdraw|revoke)$")

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "\u202eevil\u202c",
    "\ud800",
    "x\udfffy",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
    "{{ 7*7 }}",
    "%(name)s %s %d",
    "../../etc/passwd",
    "-1",
    "-0.01",
    "0",
    "1e309",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "0x10",
    "1,000.00",
    "１２３",
    "12.345",
    "9999-99-99",
    "2026-02-30",
    "0000-00-00",
    "26-01-01",
    "true",
    "on",
    "[]",
    "{}",
    "no-such-choice",
    "😀" * 50,
    "长" * 5000,
    "x" * 70000,
]

value = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def _encode(fields: list[tuple[str, str]]) -> bytes:
    """application/x-www-form-urlencoded, lone surrogates as the raw bytes a client can send."""
    return "&".join(
        quote(k.encode("utf-8", "surrogatepass"), safe="")
        + "="
        + quote(v.encode("utf-8", "surrogatepass"), safe="")
        for k, v in fields
    ).encode("ascii")


class _Forms(_FormReader):
    """The page's forms, each with its method too."""

    def __init__(self):
        super().__init__()
        self.methods: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.methods.append((dict(attrs).get("method") or "get").upper())
        super().handle_starttag(tag, attrs)


def _forms(html: str, page: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    reader = _Forms()
    reader.feed(html)
    found = []
    for method, (action, fields) in zip(reader.methods, reader.forms, strict=True):
        path = urlsplit(action or page).path
        if path.startswith("/") and fields and path not in SKIPPED_ACTIONS:
            found.append((method, path, fields))
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = demo_app(tmp_path_factory, "fuzz")
    with app.app_context():
        ids = Ids()
        db.session.commit()
        db.session.remove()
    yield app, ids, clients(app)
    dispose(app)


def _targets(ids, by_role):
    """(role, page, method, action, fields) of every distinct form on the pages the matrix
    lists, as each role that may see the page is shown it."""
    roles = list(ROLES)
    seen, targets = set(), []
    for endpoint in sorted(EXPECTED):
        get = EXPECTED[endpoint][0]
        page = U[endpoint](ids)
        for who in PREFERRED:
            if get[roles.index(who)] != "2":
                continue
            response = by_role[who].get(page)
            if response.status_code != 200 or "text/html" not in response.content_type:
                continue
            for method, action, fields in _forms(response.get_data(as_text=True), page):
                pattern = re.sub(r"\d+", "N", action)
                key = (method, pattern, tuple(sorted({n for n, _ in fields})))
                if key not in seen:
                    seen.add(key)
                    targets.append((who, page, method, action, fields))
    # forms that take a role's rights or an object's life away go last, so the others meet
    # the world as the demo left it
    return sorted(targets, key=lambda t: bool(LAST.search(t[3])))


def _messages(body: str) -> bool:
    return bool(re.search(r'class="(?:invalid-feedback|alert[^"]*)"', body))


def _fuzzer(app, client, who, page, method, action, fields):
    """The hypothesis test of one form, as ``who`` is shown it on ``page``."""
    names = list(dict.fromkeys(n for n, _ in fields))
    original = dict(fields)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        suppress_health_check=list(HealthCheck),
    )
    @given(
        chosen=st.fixed_dictionaries({n: st.one_of(st.just(original[n]), value) for n in names}),
        doubled=st.sampled_from([None, *names]),
        dropped=st.sampled_from([None, *names]),
    )
    def fuzz(chosen, doubled, dropped):
        sent = [(n, v) for n, v in chosen.items() if n != dropped]
        if doubled:
            sent.append((doubled, "2147483648"))
        limiter.reset()
        before = row_counts(app)
        if method == "GET":
            response = client.get(f"{action}?{_encode(sent).decode()}")
        else:
            response = client.post(
                action, data=_encode(sent), content_type="application/x-www-form-urlencoded"
            )
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (
            f"{who} {method} {action} ({page}) answered {response.status_code} to {sent!r}:\n"
            f"{body[:2000]}"
        )
        refused = 400 <= response.status_code < 500 or (
            response.status_code == 200 and _messages(body)
        )
        if refused and not SAVES_THE_REST.match(action):
            after = row_counts(app)
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert changed == {}, f"{who} {method} {action} refused but changed {changed}"

    return fuzz


def test_every_form_survives_hostile_values(world):
    app, ids, by_role = world
    targets = _targets(ids, by_role)
    assert len(targets) >= 40, [t[3] for t in targets]  # the pages do show their forms
    failures = []
    for who, page, method, action, fields in targets:
        try:
            _fuzzer(app, by_role[who], who, page, method, action, fields)()
        except AssertionError as exc:
            failures.append(str(exc)[:3000])
    assert failures == [], "\n\n".join(failures)
