"""Builders shared by the project and ledger tests (this module holds no tests itself): rounds
whose applications request enough to be granted awkward amounts, signing, members, files."""

import io

from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Membership
from microventure.applications import services as applications
from microventure.applications.models import FundingSource
from microventure.calls.models import BudgetCategory
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects import services as projects
from tests import helpers_reviews
from tests.helpers_calls import complete_content
from tests.helpers_decisions import closed_round, finalized_round

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def generous_content(call, **overrides) -> applications.ApplicationContent:
    """An application requesting ¥45,000 (within the call's ¥50,000 maximum and 60% share)."""
    rows = [
        applications.BudgetRow(
            category=BudgetCategory.ACTIVITIES,
            item="课堂物料",
            unit_price=2_000_00,
            quantity=20,
            source=FundingSource.GRANT,
        ),
        applications.BudgetRow(
            category=BudgetCategory.PERSONNEL,
            item="讲师费",
            unit_price=500_00,
            quantity=10,
            source=FundingSource.GRANT,
        ),
        applications.BudgetRow(
            category=BudgetCategory.VENUE,
            item="场地（自有）",
            unit_price=3_100_00,
            quantity=10,
            source=FundingSource.IN_KIND,
        ),
    ]
    return complete_content(call, **({"budget_lines": rows} | overrides))


def generous(monkeypatch) -> None:
    """Applications built by the review helpers request ¥45,000 from now on."""
    monkeypatch.setattr(helpers_reviews, "complete_content", generous_content)


def funded_round(make, monkeypatch, *, amounts=(25_000_00, 20_000_00), **kwargs):
    generous(monkeypatch)
    return finalized_round(make, amounts=amounts, **kwargs)


def decided_round(make, monkeypatch, **kwargs):
    generous(monkeypatch)
    return closed_round(make, **kwargs)


def owner_of(project):
    return next(m.user for m in project.organization.members if m.is_owner)


def join(user, organization) -> None:
    db.session.add(Membership(organization=organization, user=user, is_owner=False))
    db.session.flush()


def pdf(name: str = "agreement.pdf", data: bytes = PDF) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def sign(project, admin, *, on=None):
    return projects.sign_agreement(
        project=project, signed_on=on or local_today(), upload=pdf(), actor=admin
    )


def pay(tranche, admin, *, reference="BK-0001", on=None):
    return projects.record_payment(
        tranche=tranche, paid_on=on or local_today(), reference=reference, actor=admin
    )
