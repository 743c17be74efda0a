"""Demo data, the admin pages for users and roles, and the query counts of list pages."""

import pytest
from sqlalchemy import func, select

from microventure.accounts.models import (
    Organization,
    Role,
    RoleGrant,
    Street,
    User,
    VerificationStatus,
)
from microventure.calls.models import Call
from microventure.extensions import db
from microventure.reviews.ranking.queries import ranking


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Street, User, Organization, RoleGrant)
    )


def test_demo_load_is_idempotent_and_prints_the_accounts(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "district@demo.local" in result.output and "demo-password" in result.output
    first = counts()
    assert first[0] == 16
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert counts() == first
    statuses = set(db.session.scalars(select(Organization.verification_status)))
    assert {VerificationStatus.VERIFIED, VerificationStatus.PENDING} <= statuses
    assert any(o.credit_code_warning for o in db.session.scalars(select(Organization)))


NAV = {
    "district@demo.local": ("用户与角色", "/admin/users"),
    "street@demo.local": ("本镇街机构", "/admin/organizations"),
    "reviewer1@demo.local": ("评审专家", "/"),
    "applicant@demo.local": ("我的机构", "/organizations/mine"),
}


@pytest.mark.parametrize("email", NAV)
def test_each_demo_account_logs_in_and_sees_its_navigation(app, client, email):
    app.test_cli_runner().invoke(args=["demo", "load"])
    response = client.post("/auth/login", data={"email": email, "password": "demo-password"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    label, path = NAV[email]
    assert label in page
    assert client.get(path).status_code in (200, 302)
    if email != "district@demo.local":
        assert "用户与角色" not in page


def test_applicant_belongs_to_a_verified_organisation_in_nancun(app):
    app.test_cli_runner().invoke(args=["demo", "load"])
    user = db.session.scalar(select(User).where(User.email == "applicant@demo.local"))
    org = user.memberships[0].organization
    assert org.street.name == "南村镇"
    assert org.verification_status is VerificationStatus.VERIFIED


def test_create_user_command(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    result = runner.invoke(
        args=[
            "admin",
            "create-user",
            "--email",
            "Li@Office.local",
            "--name",
            "李四",
            "--password",
            "long-enough",
            "--role",
            "street_admin",
            "--street",
            "沙湾街道",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "li@office.local"))
    assert user.roles[0].street.name == "沙湾街道"
    result = runner.invoke(
        args=[
            "admin",
            "create-user",
            "--email",
            "li@office.local",
            "--name",
            "李四",
            "--password",
            "long-enough",
        ]
    )
    assert result.exit_code != 0 and "该电子邮箱已注册账号" in result.output


def test_granting_and_revoking_roles(client, make, login_as):
    district = make.user(role=Role.DISTRICT_ADMIN)
    target = make.user()
    street = make.street()
    login_as(district)
    page = client.post(f"/admin/users/{target.id}/roles", data={"role": "street_admin"})
    assert "请选择该管理员所属镇街" in page.get_data(as_text=True)
    assert not target.roles
    client.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "street_admin", "street_id": str(street.id)},
    )
    db.session.refresh(target)
    assert [(g.role, g.street_id) for g in target.roles] == [(Role.STREET_ADMIN, street.id)]
    client.post(f"/admin/roles/{target.roles[0].id}/revoke")
    db.session.refresh(target)
    assert target.roles == []
    # the last district admin keeps the role
    own = district.roles[0]
    client.post(f"/admin/roles/{own.id}/revoke")
    db.session.refresh(district)
    assert district.has_role(Role.DISTRICT_ADMIN)


def test_admin_pages_make_a_fixed_number_of_queries(client, make, login_as, count_queries):
    district = make.user(role=Role.DISTRICT_ADMIN)
    street = make.street()
    login_as(district)

    def measure() -> tuple[int, int, int]:
        org = db.session.scalar(select(Organization).order_by(Organization.id.desc()))
        counts = []
        for path in ("/admin/organizations", "/admin/users", f"/organizations/{org.id}"):
            with count_queries() as queries:
                assert client.get(path).status_code == 200
            counts.append(queries.count)
        return tuple(counts)

    for _ in range(3):
        make.organization(street=street, owner=make.user())
    few = measure()
    for _ in range(27):
        make.organization(street=street, owner=make.user())
    assert measure() == few
    assert all(n <= limit for n, limit in zip(few, (8, 8, 10), strict=True)), few


def test_the_demo_reviewers_suggest_amounts_on_the_reviewed_round(app):
    """The ranking's 建议资助金额（平均值） has a figure on every row of PY-2026-MCT: most reviewers
    suggest an amount (the whole request, or less when they ask for changes), some none."""
    app.test_cli_runner().invoke(args=["demo", "load"])
    call = db.session.scalar(select(Call).where(Call.code == "PY-2026-MCT"))
    rows = ranking(call)
    assert len(rows) == 10
    assert all(row.suggested for row in rows)
    assert all(amount <= row.requested for row in rows for amount in row.suggested)
    assert any(len(row.suggested) < row.reviews for row in rows)  # the field is optional
    assert any(amount < row.requested for row in rows for amount in row.suggested)
