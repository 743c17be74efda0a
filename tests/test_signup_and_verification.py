"""Sign-up of an organisation with its applicant account, then verification by the district."""

from datetime import date

from sqlalchemy import select

from microventure.accounts.models import (
    Organization,
    OrganizationKind,
    Role,
    User,
    VerificationStatus,
)
from microventure.core.models import AuditEvent
from microventure.extensions import db
from tests.conftest import invalid_credit_code, valid_credit_code


def signup_form(street, **overrides):
    form = {
        "owner_name": "陈小明",
        "owner_email": "chen@example.org",
        "owner_mobile": "13912345678",
        "password": "a-good-password",
        "confirm": "a-good-password",
        "name": "南村镇邻里互助协会",
        "kind": OrganizationKind.SOCIAL_GROUP.value,
        "credit_code": valid_credit_code(),
        "custodian_id": "",
        "street_id": str(street.id),
        "community_id": str(street.communities[0].id),
        "address": "南村镇兴业路 1 号",
        "legal_representative": "陈大明",
        "contact_name": "陈小明",
        "contact_mobile": "13912345678",
        "contact_email": "",
        "founded_on": "2019-03-01",
        "rating": "3",
        "rating_awarded_on": "2023-12-01",
        "rating_expires_on": "2028-11-30",
        "description": "长者探访与邻里互助",
    }
    return form | overrides


def test_signup_then_pending_then_verified(client, make, login_as):
    street = make.street()
    district = make.user(role=Role.DISTRICT_ADMIN)

    response = client.post("/auth/signup", data=signup_form(street))
    assert response.status_code == 302
    org = db.session.scalar(select(Organization).where(Organization.name == "南村镇邻里互助协会"))
    assert org.verification_status is VerificationStatus.PENDING
    owner = db.session.scalar(select(User).where(User.email == "chen@example.org"))
    assert [(m.organization_id, m.is_owner) for m in owner.memberships] == [(org.id, True)]
    page = client.get(response.location).get_data(as_text=True)
    assert "待审核" in page

    client.post("/auth/logout")
    login_as(district)
    response = client.post(
        f"/admin/organizations/{org.id}/verification", data={"status": "verified"}
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.verification_status is VerificationStatus.VERIFIED
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_id == org.id, AuditEvent.object_type == "organizations"
        )
    ).all()
    assert actions == ["organization.registered", "organization.verified"]


def test_signup_errors_are_shown_next_to_fields_and_keep_what_was_typed(client, make):
    street = make.street()
    make.user(email="taken@example.org")
    data = signup_form(
        street, owner_email="taken@example.org", contact_mobile="12345", credit_code="NOT-A-CODE"
    )
    page = client.post("/auth/signup", data=data).get_data(as_text=True)
    assert "该电子邮箱已注册账号" in page
    assert "13800138000" in page  # the mobile-number hint
    assert 'value="南村镇邻里互助协会"' in page
    assert "长者探访与邻里互助" in page
    assert db.session.scalar(select(Organization).where(Organization.name == data["name"])) is None


def test_credit_code_check_failure_warns_but_registers(client, make):
    street = make.street()
    response = client.post(
        "/auth/signup", data=signup_form(street, credit_code=invalid_credit_code())
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-testid="credit-code-warning"' in page


def test_verifying_a_failing_credit_code_needs_the_district_override(client, make, login_as):
    street = make.street()
    district = make.user(role=Role.DISTRICT_ADMIN)
    org = make.organization(
        street=street, status=VerificationStatus.PENDING, credit_code=invalid_credit_code()
    )
    login_as(district)
    page = client.post(
        f"/admin/organizations/{org.id}/verification", data={"status": "verified"}
    ).get_data(as_text=True)
    assert "GB 32100" in page
    db.session.refresh(org)
    assert org.verification_status is VerificationStatus.PENDING

    client.post(
        f"/admin/organizations/{org.id}/verification",
        data={"status": "verified", "override_credit_code": "y"},
    )
    db.session.refresh(org)
    assert org.verification_status is VerificationStatus.VERIFIED
    assert org.credit_code_override_by_id == district.id
    assert not org.credit_code_warning


def test_filed_group_needs_a_verified_custodian(client, make):
    street = make.street()
    pending = make.organization(street=street, status=VerificationStatus.PENDING)
    data = signup_form(street, kind="filed_group", credit_code="", custodian_id=str(pending.id))
    page = client.post("/auth/signup", data=data).get_data(as_text=True)
    assert "托管单位" in page
    custodian = make.organization(street=street)
    response = client.post("/auth/signup", data=data | {"custodian_id": str(custodian.id)})
    assert response.status_code == 302
    org = db.session.scalar(select(Organization).where(Organization.name == data["name"]))
    assert org.custodian_id == custodian.id and org.credit_code is None


def test_reject_and_suspend_need_a_reason(client, make, login_as):
    street = make.street()
    org = make.organization(street=street, status=VerificationStatus.PENDING)
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    page = client.post(
        f"/admin/organizations/{org.id}/verification", data={"status": "rejected", "reason": " "}
    ).get_data(as_text=True)
    assert "请填写理由" in page
    client.post(
        f"/admin/organizations/{org.id}/verification",
        data={"status": "rejected", "reason": "登记证书与名称不符"},
    )
    db.session.refresh(org)
    assert org.verification_status is VerificationStatus.REJECTED
    assert org.status_reason == "登记证书与名称不符"


def test_a_street_admin_cannot_verify(client, make, login_as):
    street = make.street()
    org = make.organization(street=street, status=VerificationStatus.PENDING)
    login_as(make.user(role=Role.STREET_ADMIN, street=street))
    response = client.post(
        f"/admin/organizations/{org.id}/verification", data={"status": "verified"}
    )
    assert response.status_code == 403
    db.session.refresh(org)
    assert org.verification_status is VerificationStatus.PENDING


def test_exclusion_form_errors_keep_the_input(client, make, login_as):
    org = make.organization(street=make.street())
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    page = client.post(
        f"/admin/organizations/{org.id}/exclusions",
        data={
            "kind": "abnormal",
            "reason": "年报未按时提交",
            "starts_on": "2026-11-01",
            "ends_on": "2026-10-01",
        },
    ).get_data(as_text=True)
    assert "年报未按时提交" in page
    assert not org.exclusions
    client.post(
        f"/admin/organizations/{org.id}/exclusions",
        data={"kind": "abnormal", "reason": "年报未按时提交", "starts_on": "2026-11-01"},
    )
    db.session.refresh(org)
    assert [e.kind.value for e in org.exclusions] == ["abnormal"]
    assert org.active_exclusions(date(2026, 11, 2))
