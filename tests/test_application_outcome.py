"""The applicant sees the decision on the application once the notice is published, not while
it may still change; admins see it at once."""

from datetime import timedelta

from microventure.core.timeutil import utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from tests.helpers_decisions import closed_round, finalized_round


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


def test_the_page_makes_the_same_few_queries_with_a_decision_a_project_or_neither(
    make, client, login_as, count_queries
):
    """The decision and the project are looked up together, the call's questions come with the
    application: the organisation's page costs the same whatever the application became."""
    r = finalized_round(make)
    funded, _, refused = r["applications"]
    waiting = closed_round(make, applications_count=1, code="NC-2026-WAIT")["applications"][0]
    counts = {}
    for name, application in (("funded", funded), ("refused", refused), ("waiting", waiting)):
        login_as(_owner(application))
        client.get(f"/applications/{application.id}")  # warm up
        with count_queries() as counter:
            page = client.get(f"/applications/{application.id}").get_data(as_text=True)
        counts[name] = counter.count
        if name == "funded":
            assert f"/projects/{r['projects'][0].id}" in page
            assert 'data-testid="decision"' in page and "¥25,000.00" in page
        elif name == "refused":
            assert "得分较低" in page and "/projects/" not in page
        else:
            assert 'data-testid="decision"' not in page
    assert counts["funded"] == counts["refused"] == counts["waiting"] <= 15, counts
