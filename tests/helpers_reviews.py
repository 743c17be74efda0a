"""Factories for review tests: a call with eligible applications and a reviewer pool."""

import io
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Role
from microventure.applications import services as applications
from microventure.applications.models import ApplicationStatus
from microventure.calls.models import AttachmentKind, Domain
from microventure.core.timeutil import utcnow
from microventure.reviews.pool import services as reviewer_pool
from tests.helpers_calls import complete_content, make_call, make_fund


def eligible_round(make, *, applications_count=4, reviewers=5, **call_overrides):
    """A street admin, a published call and ``applications_count`` eligible applications."""
    street = make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    call = make_call(
        actor=admin,
        fund=make_fund(actor=admin, street=street),
        required_attachments=[],
        max_applications_per_org=5,
        **call_overrides,
    )
    apps = []
    for _ in range(applications_count):
        owner = make.user()
        org = make.organization(street=street, owner=owner)
        application = applications.start_application(call=call, organization=org, actor=owner)
        applications.save_draft(
            application=application, content=complete_content(call), actor=owner
        )
        applications.submit(application=application, actor=owner)
        applications.screen(
            application=application, decision=ApplicationStatus.ELIGIBLE, reason="", actor=admin
        )
        apps.append(application)
    pool = [add_reviewer(make, admin) for _ in range(reviewers)]
    return {"street": street, "admin": admin, "call": call, "applications": apps, "pool": pool}


def add_reviewer(make, actor, *, expertise=(Domain.SMART_ELDERLY_CARE,), organization=None):
    user = make.user(name="评审专家")
    reviewer_pool.add_reviewer(
        email=user.email,
        name=user.name,
        expertise=list(expertise),
        affiliation="高校",
        organization=organization,
        street=None,
        mobile=None,
        password="",
        actor=actor,
    )
    return user


def due():
    return (utcnow() + timedelta(days=14)).date()


def pdf():
    return FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="plan.pdf")


__all__ = ["AttachmentKind", "pdf"]
