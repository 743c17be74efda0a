"""An admin's reads through the API: the screening list and the ranking of the calls they
manage (the same queries and access as the pages), with a read token."""

import pytest

from microventure.accounts import api_tokens
from microventure.accounts.models import Role, TokenScope
from microventure.extensions import db
from microventure.reviews.ranking.queries import ranking
from tests.test_ranking_pages import scored_round

EN = {"Accept-Language": "en"}


@pytest.fixture
def r(make):
    r = scored_round(make)
    other_admin = make.user(role=Role.STREET_ADMIN, street=make.street())
    r["token"] = api_tokens.create_token(user=r["admin"], name="t", scope=TokenScope.READ, days=9)
    r["other"] = api_tokens.create_token(user=other_admin, name="t", scope=TokenScope.READ, days=9)
    applicant = r["applications"][0].organization.members[0].user
    r["applicant"] = api_tokens.create_token(
        user=applicant, name="t", scope=TokenScope.WRITE, days=9
    )
    db.session.commit()
    return r


def auth(new) -> dict:
    return {"Authorization": f"Bearer {new.secret}", **EN}


def test_the_screening_list_filters_sorts_and_counts_like_the_page(client, r):
    url = f"/api/v1/admin/calls/{r['call'].id}/applications"
    body = client.get(url, headers=auth(r["token"])).get_json()
    references = sorted(a.reference for a in r["applications"])
    assert [a["reference"] for a in body["items"]] == references
    assert body["total"] == 4 and body["items"][0]["requested_fen"] == 25_000_00
    assert {c["state"]["code"]: c["count"] for c in body["counts"]} == {"in_review": 4}
    page = client.get(f"{url}?sort=-reference&per_page=2&page=1", headers=auth(r["token"]))
    assert [a["reference"] for a in page.get_json()["items"]] == references[::-1][:2]
    none = client.get(f"{url}?state=eligible", headers=auth(r["token"])).get_json()
    assert none["items"] == [] and none["total"] == 0
    bad = client.get(f"{url}?state=draft&sort=nonsense", headers=auth(r["token"]))
    assert bad.status_code == 422
    assert {p["field"] for p in bad.get_json()["errors"]} == {"state", "sort"}


def test_the_ranking_is_the_pages_best_first(client, r):
    body = client.get(
        f"/api/v1/admin/calls/{r['call'].id}/ranking", headers=auth(r["token"])
    ).get_json()
    expected = ranking(r["call"])
    assert [row["reference"] for row in body["items"]] == [row.reference for row in expected]
    first = body["items"][0]
    assert first["rank"] == 1 and first["reviews"] == 3 and len(first["totals"]) == 3
    assert first["aggregate"] == pytest.approx(expected[0].aggregate)
    assert len(first["criterion_means"]) == len(r["call"].criteria)


@pytest.mark.parametrize("who", ["other", "applicant"])
def test_a_call_one_does_not_manage_is_not_found(client, r, who):
    for path in ("applications", "ranking"):
        url = f"/api/v1/admin/calls/{r['call'].id}/{path}"
        assert client.get(url, headers=auth(r[who])).status_code == 404
