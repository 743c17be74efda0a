"""The decisions page's one decision form: a row's "Decide" link (?decide=<id>#decide) renders
it under that row without JavaScript; static/decisions.js opens and fills it there from the
link's data- attributes, and a refusal comes back under the same row with what was typed."""

import threading

import pytest
from werkzeug.serving import make_server

from microventure import create_app
from microventure.decisions import services
from microventure.decisions.models import Decision
from microventure.extensions import db
from tests.conftest import PASSWORD, Factory, build_schema
from tests.test_decisions_funding_line import decisions_html, hand_example
from tests.test_decisions_world import YUAN, Rows, decision_world

K = 1_000 * YUAN


def decision_form(html: str) -> tuple[str, str, str]:
    """The page's one decision form: the id of the application whose row it sits under (the
    last row when no row is being decided), its own row's opening tag and its markup."""
    before, rest = html.split('<tr class="decide-row"', 1)
    tag, markup = rest.split(">", 1)
    row = before.rsplit('<tr id="application-', 1)[1].split('"', 1)[0]
    return row, tag, markup.split("</tr>", 1)[0]


def test_the_page_has_one_decision_form_that_each_row_asks_for(client, make, login_as):
    # without JavaScript a row's "Decide" is a link to ?decide=<id>#decide, which renders the
    # page's one form under that row with the row's own values; decisions.js does the same on
    # the spot from the link's data- attributes, which must carry those values
    world = hand_example(make)
    a30, a40, a10, _a35 = world["applications"]
    call, admin = world["call"], world["admin"]
    services.recommend(application=a40, amount=38 * K, conditions='压缩"人员"<b>', actor=admin)
    services.not_recommend(application=a10, reason="得分较低", actor=admin)
    login_as(admin)
    html = decisions_html(client, call, basis="suggested")
    assert (
        html.count('name="amount"') == 1 and html.count("<form") == 4
    )  # + bulk, log out, 长辈模式
    _row, tag, form = decision_form(html)
    assert 'data-application="" hidden' in tag
    assert ' action="' not in form.split("<input", 1)[0]  # decisions.js sets it
    assert f'data-action="/admin/calls/{call.id}/decisions/{{id}}?basis=suggested"' in form
    page = f"/admin/calls/{call.id}/decisions?basis=suggested"
    for application, values in [
        (a30, 'data-amount="30000.00" data-conditions="" data-reason=""'),
        (
            a40,
            'data-amount="38000.00" data-conditions="压缩&#34;人员&#34;&lt;b&gt;" data-reason=""',
        ),
        (a10, 'data-amount="10000.00" data-conditions="" data-reason="得分较低"'),
    ]:
        link = f'href="{page}&amp;decide={application.id}#decide"'
        assert f'{link} aria-controls="decide" data-decide="{application.id}" {values}>' in html
    # what was typed is text in the decision's cell too, never markup
    assert 'Conditions: 压缩"人员"<b>' in Rows(html, "decisions").rows[a40.reference]["decision"]

    html = decisions_html(client, call, basis="suggested", decide=a40.id)
    row, tag, form = decision_form(html)
    assert row == str(a40.id) and f'data-application="{a40.id}"' in tag and "hidden" not in tag
    opened = f'<tr id="application-{a40.id}" data-reference="{a40.reference}" data-funded="1"'
    assert f'{opened} class="table-active">' in html
    assert f'action="/admin/calls/{call.id}/decisions/{a40.id}?basis=suggested"' in form
    assert f">Decision on {a40.reference}</span>" in form
    assert 'value="38000.00"' in form and "压缩&#34;人员&#34;&lt;b&gt;</textarea>" in form
    assert f'href="{page}#application-{a40.id}" data-decide-cancel' in form
    assert 'data-error-for="' not in form
    _row, _tag, form = decision_form(decisions_html(client, call, decide=a10.id))
    assert 'value="10000.00"' in form and "得分较低</textarea>" in form
    # an application of no row, or not a number: the form stays hidden
    other = decision_world(make, requests=[20 * K], scores=[80], code="OTHER-2026")
    for wanted in (other["applications"][0].id, "x"):
        assert (
            'data-application="" hidden'
            in decision_form(decisions_html(client, call, decide=wanted))[1]
        )


# ---------------------------------------------------------------------- in a phone's browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The hand example served by an app of its own (its own database, CSRF on)."""
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path_factory.mktemp('decide') / 'd.sqlite'}",
        RATELIMIT_STORAGE_URI="memory://",
        WTF_CSRF_ENABLED=True,
    )
    build_schema(app)
    with app.app_context():
        world = hand_example(Factory(), code="PHONE-2026")
        ids = {
            "call": world["call"].id,
            "admin": world["admin"].email,
            **{f"a{n}": a.id for n, a in zip((30, 40, 10, 35), world["applications"], strict=True)},
        }
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()


@pytest.mark.browser
@pytest.mark.no_transaction
def test_decide_on_a_phone(phone, served):
    app, base, ids = served
    phone.goto(f"{base}/auth/login")
    phone.fill("#email", ids["admin"])
    phone.fill("#password", PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/")
    page = f"{base}/admin/calls/{ids['call']}/decisions"
    phone.goto(page)
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    under = "id => document.getElementById('application-' + id).nextElementSibling.id"
    form = phone.locator("#decide")
    assert phone.evaluate(fits) and form.is_hidden()
    # "Decide" opens the one form under its row with that row's values, without a request
    phone.click(f"a[data-decide='{ids['a30']}']")
    assert form.is_visible() and phone.evaluate(under, ids["a30"]) == "decide"
    assert phone.input_value("#amount-decide") == "30000.00"
    assert phone.evaluate(fits) and phone.url == page
    phone.click(f"a[data-decide='{ids['a40']}']")
    assert phone.evaluate(under, ids["a40"]) == "decide"
    assert phone.input_value("#amount-decide") == "40000.00"
    # a refusal comes back under the same row, the error beside the field, what was typed kept
    phone.fill("#amount-decide", "45000")
    phone.fill("#conditions-decide", "按期提交活动记录")
    phone.click("#decide button[value=recommend]")
    phone.wait_for_load_state()
    assert phone.locator("#amount-decide.is-invalid").count() == 1
    assert "cannot exceed" in phone.inner_text("#decide [data-error-for=amount]")
    assert phone.input_value("#amount-decide") == "45000"
    assert phone.evaluate("document.activeElement.id") == "amount-decide"  # scrolled to it
    assert phone.input_value("#conditions-decide") == "按期提交活动记录"
    assert phone.evaluate(under, ids["a40"]) == "decide" and phone.evaluate(fits)
    # another row clears the errors; back on this one, its own values again
    phone.click(f"a[data-decide='{ids['a35']}']")
    assert phone.locator("#decide .is-invalid, #decide [data-error-for]").count() == 0
    assert phone.input_value("#amount-decide") == "35000.00"
    phone.click(f"a[data-decide='{ids['a40']}']")
    assert phone.input_value("#conditions-decide") == ""
    phone.fill("#amount-decide", "38000")
    phone.fill("#conditions-decide", "按期提交活动记录")
    phone.click("#decide button[value=recommend]")
    phone.wait_for_url(f"{page}#application-{ids['a40']}")
    phone.click(f"a[data-decide='{ids['a10']}']")
    phone.fill("#reason-decide", "得分较低")
    phone.click("#decide button[value=not_recommend]")
    phone.wait_for_url(f"{page}#application-{ids['a10']}")
    with app.app_context():
        decided = dict(
            db.session.execute(
                db.select(Decision.application_id, Decision.amount).where(
                    Decision.call_id == ids["call"]
                )
            ).all()
        )
        db.session.remove()
    assert decided == {ids["a40"]: 38 * K, ids["a10"]: None}
    # the row's link now carries the decision made
    assert phone.get_attribute(f"a[data-decide='{ids['a40']}']", "data-conditions") == (
        "按期提交活动记录"
    )
    phone.click(f"a[data-decide='{ids['a40']}']")
    assert phone.input_value("#conditions-decide") == "按期提交活动记录"
    # Cancel closes it
    phone.click("#decide [data-decide-cancel]")
    assert form.is_hidden() and phone.evaluate(fits)
