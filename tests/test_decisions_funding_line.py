"""The funding line (资助线): best first, each in full, then (by the call's rule) stopping at the
first that does not fit or going on funding each below that still fits; by the requested amounts or by the mean of the reviewers' suggestions (never above the request).
Through ``propose`` on hand-made rows and through the decisions page."""

import pytest

from microventure.applications.models import ApplicationStatus
from microventure.calls.models import LineRule
from microventure.calls.services import settings_of
from microventure.decisions.funding_line import Basis, propose
from microventure.extensions import db
from microventure.funds.queries import call_balance
from microventure.reviews.ranking.queries import RankRow
from tests.test_decisions_world import YUAN, Rows, decision_world

K = 1_000 * YUAN  # ¥1,000 in fen


def row(n: int, aggregate: float | None, requested: int, suggested=()) -> RankRow:
    return RankRow(
        application_id=n,
        reference=f"R-{n:03d}",
        title=f"项目{n}",
        organization=f"机构{n}",
        status=ApplicationStatus.IN_REVIEW,
        requested=requested,
        assigned=3,
        submitted=3,
        aggregate=aggregate,
        suggested=list(suggested),
    )


def test_line_funds_in_full_until_one_does_not_fit_and_then_stops():
    # budget ¥100,000; requests ¥40,000 + ¥35,000 = ¥75,000 fit; ¥30,000 would make ¥105,000,
    # so it falls under the line, and so does the ¥10,000 below it although it would fit.
    rows = [row(1, 91.5, 40 * K), row(2, 88.0, 35 * K), row(3, 80.0, 30 * K), row(4, 70.0, 10 * K)]
    line = propose(rows, 100 * K)
    assert [(e.row.application_id, e.amount, e.funded) for e in line.entries] == [
        (1, 40 * K, True),
        (2, 35 * K, True),
        (3, 30 * K, False),
        (4, 10 * K, False),
    ]
    assert line.funded_total == 75 * K
    assert line.remainder == 25 * K
    assert line.funded_count == 2


def test_unscored_rows_are_left_out_of_the_line():
    line = propose([row(1, 90.0, 40 * K), row(2, None, 5 * K)], 100 * K)
    assert [e.row.application_id for e in line.entries] == [1]
    assert line.remainder == 60 * K


def test_suggested_basis_takes_the_mean_capped_at_the_request():
    rows = [
        row(1, 90.0, 40 * K, suggested=[30 * K, 35 * K]),  # mean ¥32,500
        row(2, 85.0, 35 * K, suggested=[40 * K, 50 * K]),  # mean ¥45,000 > request: ¥35,000
        row(3, 80.0, 30 * K),  # nobody suggested: the request
        row(4, 75.0, 10 * K, suggested=[1 * K, 2 * K, 2 * K]),  # ¥1,666.67 rounded to the fen
    ]
    line = propose(rows, 100 * K, Basis.SUGGESTED)
    # 32,500 + 35,000 + 30,000 + 1,666.67 = 99,166.67 ≤ 100,000: everything fits
    assert [(e.amount, e.funded) for e in line.entries] == [
        (32_500 * YUAN, True),
        (35 * K, True),
        (30 * K, True),
        (166_667, True),
    ]
    assert line.remainder == 100 * K - 9_916_667
    # the same rows by the amounts requested stop after the second
    assert propose(rows, 100 * K, Basis.REQUESTED).funded_count == 2


# ------------------------------------------------------------------------------ on the page


def hand_example(make, **kwargs):
    """The hand-computed example as a real call: applications created in another order than
    their scores, so the page has to rank them."""
    return decision_world(
        make,
        requests=[30 * K, 40 * K, 10 * K, 35 * K],
        scores=[70, 90, 60, 80],
        **kwargs,
    )


def decisions_html(client, call, **args):
    response = client.get(f"/admin/calls/{call.id}/decisions", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def summary(html: str, key: str) -> str:
    marker = f'data-testid="{key}">'
    return html.split(marker, 1)[1].split("<", 1)[0].strip()


def test_page_shows_the_hand_computed_line(client, make, login_as):
    world = hand_example(make)
    a30, a40, a10, a35 = world["applications"]
    login_as(world["admin"])
    html = decisions_html(client, world["call"])
    table = Rows(html, "decisions")
    assert table.order == [a40.reference, a35.reference, a30.reference, a10.reference]
    first = table.rows[a40.reference]
    assert first["rank"] == "1"
    assert first["title"] == "项目2"
    assert first["organization"] == a40.organization.name
    assert first["score"] == "90.00"
    assert first["requested"] == "¥40,000.00"
    assert first["proposed"] == "¥40,000.00"
    assert first["line"] == "Funded"
    assert first["decision"] == "Undecided"
    assert [table.rows[r]["@"]["data-funded"] for r in table.order] == ["1", "1", "0", "0"]
    # the line's row sits between the second and the third application
    line_at = html.index('data-testid="funding-line"')
    assert html.index(f'data-reference="{a35.reference}"') < line_at
    assert line_at < html.index(f'data-reference="{a30.reference}"')
    assert summary(html, "budget") == "¥100,000.00"
    assert summary(html, "granted") == "¥0.00"
    assert summary(html, "room") == "¥100,000.00"
    assert summary(html, "funded-total") == "¥75,000.00"
    assert summary(html, "remainder") == "¥25,000.00"


def test_page_by_suggested_amounts(client, make, login_as):
    # two reviewers each; the first application's suggestions average ¥31,000 of its ¥40,000
    world = decision_world(
        make,
        requests=[40 * K, 35 * K, 30 * K],
        scores=[90, 80, 70],
        suggestions=[[28 * K, 34 * K], [35 * K, 35 * K], None],
        reviewers=2,
        budget=100 * K,
    )
    a40, a35, a30 = world["applications"]
    login_as(world["admin"])
    html = decisions_html(client, world["call"], basis="suggested")
    table = Rows(html, "decisions")
    assert table.rows[a40.reference]["suggested"] == "¥31,000.00"
    assert table.rows[a40.reference]["proposed"] == "¥31,000.00"
    assert table.rows[a35.reference]["proposed"] == "¥35,000.00"
    assert table.rows[a30.reference]["suggested"] == "—"
    assert table.rows[a30.reference]["proposed"] == "¥30,000.00"  # no suggestion: the request
    # 31,000 + 35,000 + 30,000 = 96,000 ≤ 100,000: all three above the line
    assert [table.rows[r]["@"]["data-funded"] for r in table.order] == ["1", "1", "1"]
    assert summary(html, "remainder") == "¥4,000.00"
    # by the requests, the third no longer fits (40,000 + 35,000 + 30,000 > 100,000)
    requested = Rows(decisions_html(client, world["call"], basis="requested"), "decisions")
    assert [requested.rows[r]["@"]["data-funded"] for r in requested.order] == ["1", "1", "0"]
    # an unknown basis falls back to the requests
    assert 'aria-current="true"' in decisions_html(client, world["call"], basis="bogus")


def test_unscored_applications_are_listed_under_the_line(client, make, login_as):
    world = decision_world(make, requests=[40 * K, 20 * K], scores=[90, None])
    scored, unscored = world["applications"]
    login_as(world["admin"])
    html = decisions_html(client, world["call"])
    table = Rows(html, "decisions")
    assert table.order == [scored.reference, unscored.reference]
    assert table.rows[unscored.reference]["rank"] == "—"
    assert table.rows[unscored.reference]["@"]["data-funded"] == "0"
    assert html.index('data-testid="funding-line"') < html.index(unscored.reference)


# ------------------------------------------------------------------------- the call's line rule
# ¥100,000: ¥40,000 + ¥30,000 fit, the next ¥40,000 does not (¥30,000 left); ¥20,000 and ¥10,000
# below it would still fit.
BELOW_THE_LINE = [40 * K, 30 * K, 40 * K, 20 * K, 10 * K]
BELOW_SCORES = [95, 90, 85, 80, 75]


def test_stop_rule_leaves_what_would_fit_below_the_line_unfunded():
    rows = [
        row(n, s, r) for n, (s, r) in enumerate(zip(BELOW_SCORES, BELOW_THE_LINE, strict=True), 1)
    ]
    line = propose(rows, 100 * K, rule=LineRule.STOP)
    assert [e.funded for e in line.entries] == [True, True, False, False, False]
    assert (line.line_at, line.funded_below, line.remainder) == (2, 0, 30 * K)


def test_fill_rule_goes_on_down_the_ranking_funding_each_that_still_fits():
    rows = [
        row(n, s, r) for n, (s, r) in enumerate(zip(BELOW_SCORES, BELOW_THE_LINE, strict=True), 1)
    ]
    line = propose(rows, 100 * K, rule=LineRule.FILL)
    assert [e.funded for e in line.entries] == [True, True, False, True, True]
    assert (line.line_at, line.funded_below, line.remainder) == (2, 2, 0)


def test_fill_rule_funds_below_even_when_the_first_does_not_fit():
    line = propose([row(1, 90.0, 60 * K), row(2, 80.0, 10 * K)], 50 * K, rule=LineRule.FILL)
    assert [e.funded for e in line.entries] == [False, True]
    assert line.line_at == 0


@pytest.mark.parametrize("rule", [LineRule.STOP, LineRule.FILL])
def test_page_says_which_rule_the_line_follows(client, make, login_as, rule):
    world = decision_world(
        make, requests=BELOW_THE_LINE, scores=BELOW_SCORES, funding_line_rule=rule
    )
    login_as(world["admin"])
    html = decisions_html(client, world["call"])
    table = Rows(html, "decisions")
    funded = [table.rows[r]["@"]["data-funded"] for r in table.order]
    said = html.split('data-testid="line-rule">', 1)[1].split("</p>", 1)[0]
    line_text = html.split('data-testid="funding-line"', 1)[1].split("</tr>", 1)[0]
    if rule is LineRule.STOP:
        assert funded == ["1", "1", "0", "0", "0"]
        assert "stops at the first application that does not fit" in said
        assert "2 applications above it take ¥70,000.00; ¥30,000.00 is left" in line_text
        assert summary(html, "remainder") == "¥30,000.00"
    else:
        assert funded == ["1", "1", "0", "1", "1"]
        assert "goes on down the ranking" in said
        assert "below it, 2 more that still fit are funded" in line_text
        assert "Together they take ¥100,000.00; ¥0.00 is left" in line_text
        assert summary(html, "remainder") == "¥0.00"
    # the line's row sits right under the first two, as under either rule
    apps = world["applications"]
    at = html.index('data-testid="funding-line"')
    assert html.index(f'data-reference="{apps[1].reference}"') < at
    assert at < html.index(f'data-reference="{apps[2].reference}"')


def test_applying_a_fill_line_recommends_those_below_it_that_fit(client, make, login_as):
    world = decision_world(
        make, requests=BELOW_THE_LINE, scores=BELOW_SCORES, funding_line_rule=LineRule.FILL
    )
    login_as(world["admin"])
    response = client.post(
        f"/admin/calls/{world['call'].id}/decisions/bulk",
        data={"mode": "line", "basis": "requested", "reason": "预算不足"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.status for a in world["applications"]] == [
        ApplicationStatus.RECOMMENDED,
        ApplicationStatus.RECOMMENDED,
        ApplicationStatus.NOT_RECOMMENDED,
        ApplicationStatus.RECOMMENDED,
        ApplicationStatus.RECOMMENDED,
    ]
    assert call_balance(world["call"]).granted == 100 * K


def test_the_rule_is_a_call_setting_kept_by_a_copy(client, make, login_as):
    world = decision_world(make, requests=[10 * K], scores=[80], funding_line_rule=LineRule.FILL)
    call = world["call"]
    assert settings_of(call).funding_line_rule is LineRule.FILL
    login_as(world["admin"])
    page = client.get(f"/admin/calls/{call.id}").get_data(as_text=True)
    assert (
        "funding each application that still fits"
        in page.split('data-testid="funding-line-rule"')[1]
    )
