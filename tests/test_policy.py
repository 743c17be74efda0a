"""The access policy for organisation pages, as a matrix of roles, and through HTTP."""

import pytest

from microventure.accounts.models import Membership, Role
from microventure.core.policy import can
from microventure.extensions import db


@pytest.fixture
def world(make):
    home, other = make.street(), make.street()
    owner = make.user()
    org = make.organization(street=home, owner=owner)
    member = make.user()
    db.session.add(Membership(organization=org, user=member))
    db.session.flush()
    return {
        "org": org,
        "district admin": make.user(role=Role.DISTRICT_ADMIN),
        "street admin here": make.user(role=Role.STREET_ADMIN, street=home),
        "street admin elsewhere": make.user(role=Role.STREET_ADMIN, street=other),
        "reviewer": make.user(role=Role.REVIEWER),
        "owner": owner,
        "member": member,
        "other applicant": make.organization(street=home, owner=make.user()).members[0].user,
    }


MATRIX = {
    #                          view   list   verify members audit
    "district admin": (True, True, True, True, True),
    "street admin here": (True, True, False, False, True),
    "street admin elsewhere": (False, True, False, False, False),
    "reviewer": (False, False, False, False, False),
    "owner": (True, False, False, True, False),
    "member": (True, False, False, False, False),
    "other applicant": (False, False, False, False, False),
}
ACTIONS = (
    "organization.view",
    "organization.list",
    "organization.verify",
    "organization.manage_members",
    "organization.audit",
)


@pytest.mark.parametrize("who", MATRIX)
def test_policy_matrix(world, who):
    user, org = world[who], world["org"]
    assert tuple(can(user, action, org) for action in ACTIONS) == MATRIX[who]


def test_anonymous_and_inactive_users_can_do_nothing(world):
    from flask_login import AnonymousUserMixin

    org = world["org"]
    inactive = world["district admin"]
    inactive.is_active = False
    for user in (AnonymousUserMixin(), inactive):
        assert not any(can(user, action, org) for action in ACTIONS)


def test_unknown_action_is_an_error(world):
    with pytest.raises(KeyError):
        can(world["owner"], "organization.teleport", world["org"])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("district admin", 200),
        ("street admin here", 200),
        ("street admin elsewhere", 404),
        ("reviewer", 404),
        ("owner", 200),
        ("member", 200),
        ("other applicant", 404),
    ],
)
def test_organization_page_by_role(client, login_as, world, who, status):
    login_as(world[who])
    assert client.get(f"/organizations/{world['org'].id}").status_code == status


def test_street_admin_lists_only_their_street(client, login_as, world, make):
    elsewhere = make.organization(street=make.street())
    login_as(world["street admin here"])
    page = client.get("/admin/organizations").get_data(as_text=True)
    assert world["org"].name in page
    assert elsewhere.name not in page
    # filtering by another street's id does not widen the scope
    page = client.get(f"/admin/organizations?street_id={elsewhere.street_id}").get_data(
        as_text=True
    )
    assert elsewhere.name not in page


def test_members_are_managed_by_the_owner_only(client, login_as, world, make):
    org = world["org"]
    login_as(world["member"])
    response = client.post(
        f"/organizations/{org.id}/members",
        data={"email": "new@test.local", "name": "新人", "password": "pass-word-1"},
    )
    assert response.status_code == 403
    client.post("/auth/logout")

    login_as(world["owner"])
    response = client.post(
        f"/organizations/{org.id}/members",
        data={"email": "new@test.local", "name": "新人", "password": "pass-word-1"},
    )
    assert response.status_code == 302
    db.session.refresh(org)
    emails = {m.user.email for m in org.members}
    assert "new@test.local" in emails
    owner_membership = next(m for m in org.members if m.is_owner)
    response = client.post(f"/organizations/{org.id}/members/{owner_membership.id}/remove")
    db.session.refresh(org)
    assert owner_membership in org.members  # the owner stays
    new = next(m for m in org.members if m.user.email == "new@test.local")
    client.post(f"/organizations/{org.id}/members/{new.id}/remove")
    db.session.refresh(org)
    assert "new@test.local" not in {m.user.email for m in org.members}
