"""The applicant sees the decision on the application once the notice is published, not while
it may still change; admins see it at once."""

from datetime import timedelta

from microventure.core.timeutil import utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from tests.helpers_decisions import closed_round


def _owner(application):
    return next(m.user for m in application.organization.members if m.is_owner)


def test_decision_is_shown_to_the_applicant_only_after_the_notice(make, client, login_as):
    r = closed_round(make, applications_count=2)
    first, second = r["applications"]
    decisions.recommend(
        application=first, amount=20_000_00, conditions="细化预算", actor=r["admin"]
    )
    decisions.not_recommend(application=second, reason="与社区需求契合度不足", actor=r["admin"])

    login_as(_owner(first))
    page = client.get(f"/applications/{first.id}").get_data(as_text=True)
    assert 'data-testid="decision"' not in page

    notice_services.publish_notice(call=r["call"], actor=r["admin"])
    page = client.get(f"/applications/{first.id}").get_data(as_text=True)
    assert 'data-testid="decision"' in page and "¥20,000.00" in page and "细化预算" in page

    login_as(_owner(second))
    page = client.get(f"/applications/{second.id}").get_data(as_text=True)
    assert "与社区需求契合度不足" in page


def test_finalized_application_links_to_its_project(make, client, login_as):
    r = closed_round(make, applications_count=1)
    (application,) = r["applications"]
    decisions.recommend(application=application, amount=10_000_00, actor=r["admin"])
    notice_services.publish_notice(
        call=r["call"], actor=r["admin"], now=utcnow() - timedelta(days=30)
    )
    (project,) = notice_services.finalize(call=r["call"], actor=r["admin"])

    login_as(r["admin"])
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert project.agreement_number in page
    assert f"/projects/{project.id}" in page
