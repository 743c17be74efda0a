"""Factories for decision and project tests: a closed call with eligible applications, decided
and finalized as far as a test needs."""

from datetime import timedelta

from microventure.core.timeutil import utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from microventure.extensions import db
from tests.helpers_reviews import eligible_round


def closed_round(make, **kwargs):
    """``eligible_round`` whose call closed an hour ago (decisions need a closed call)."""
    r = eligible_round(make, **kwargs)
    r["call"].closes_at = utcnow() - timedelta(hours=1)
    r["call"].opens_at = utcnow() - timedelta(days=30)
    db.session.flush()
    return r


def finalized_round(make, *, amounts=(25_000_00, 20_000_00), **kwargs):
    """A closed round where the first applications are recommended at ``amounts``, the rest not
    recommended, the notice published a month ago (so its window is over) and the call finalized.
    Returns the round with its ``projects``."""
    r = closed_round(make, applications_count=max(len(amounts) + 1, 2), **kwargs)
    admin, apps = r["admin"], r["applications"]
    for application, amount in zip(apps, amounts, strict=False):
        decisions.recommend(application=application, amount=amount, actor=admin)
    for application in apps[len(amounts) :]:
        decisions.not_recommend(application=application, reason="得分较低", actor=admin)
    published = utcnow() - timedelta(days=30)
    r["notice"] = notice_services.publish_notice(call=r["call"], actor=admin, now=published)
    r["projects"] = notice_services.finalize(call=r["call"], actor=admin)
    return r
