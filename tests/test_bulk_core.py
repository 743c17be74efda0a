"""core/bulk.py: each item in a transaction of its own (a refusal undoes nothing else), items
the policy refuses never reach the service, a problem shared by every item goes to its field,
and the flashed refusals keep the session cookie within what browsers store."""

import pytest
from sqlalchemy import select

from microventure.accounts.models import Organization, Role, VerificationStatus
from microventure.core.bulk import NAMED_CHARACTERS, NOT_ALLOWED, Many, Refusal, perform_each
from microventure.core.errors import DomainError
from microventure.extensions import db


@pytest.fixture
def orgs(make):
    street = make.street()
    return [make.organization(street=street, status=VerificationStatus.PENDING) for _ in range(3)]


def test_a_refused_item_undoes_nothing_of_the_others(app, orgs):
    first, second, third = orgs
    called = []

    def rename(org):
        called.append(org.id)
        org.contact_name = "改过"
        db.session.flush()
        if org.id == second.id:
            raise DomainError("不行", field="contact_name")
        return org.id

    with app.test_request_context():
        many = perform_each(orgs, rename, name=lambda o: o.name, allowed=lambda o: o.id != third.id)
    assert many.done == [first.id]
    assert many.refused == [
        Refusal(second.name, "不行", "contact_name"),
        Refusal(third.name, str(NOT_ALLOWED)),
    ]
    assert called == [first.id, second.id]  # the one not allowed never reached the service
    db.session.expire_all()
    names = dict(db.session.execute(select(Organization.id, Organization.contact_name)).all())
    assert (names[first.id], names[second.id], names[third.id]) == ("改过", "联系人", "联系人")


def test_only_a_problem_every_item_shares_goes_to_the_form():
    same = [Refusal("A", "请填写", "reason"), Refusal("B", "请填写", "reason")]
    problem = Many([], same).problem_with_the_form()
    assert (problem.field, problem.message) == ("reason", "请填写")
    assert Many([1], same).problem_with_the_form() is None  # some were done
    assert Many([], [*same, Refusal("C", "已通过")]).problem_with_the_form() is None
    assert Many([], [Refusal("A", "不同", "reason"), *same]).problem_with_the_form() is None
    assert Many([], [Refusal("A", "已通过")]).problem_with_the_form() is None  # no field


def test_many_long_refusals_keep_the_session_cookie_small(client, login_as, make):
    street = make.street()
    verified = [make.organization(street=street) for _ in range(80)]
    for n, org in enumerate(verified):  # 24 characters each, varied so they compress badly
        org.name = "".join(chr(0x4E00 + (n * 7919 + i * 104729) % 20000) for i in range(24))
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    response = client.post(
        "/admin/organizations/verification", data={"ids": [o.id for o in verified]}
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"].split(";")[0]
    assert len(cookie) < 4000, len(cookie)
    with client.session_transaction() as session:
        (_, done), (_, refused) = session["_flashes"]
    assert "0" in done
    shown = NAMED_CHARACTERS // 24  # the names that fit
    assert sum(org.name in refused for org in verified) == shown
    assert f"另有 {len(verified) - shown} 项" in refused
