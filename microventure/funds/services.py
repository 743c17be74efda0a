"""Creating funds and recording contributions. Services flush; the caller commits."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.accounts.models import Street, User
from microventure.core import audit
from microventure.core.errors import DomainError
from microventure.core.policy import is_district_admin
from microventure.extensions import db
from microventure.funds.models import Contribution, Fund, FundKind


def create_fund(
    *, name: str, kind: FundKind, street: Street | None, description: str, actor: User
) -> Fund:
    name = name.strip()
    if not name:
        raise DomainError(_l("Give the fund a name."), field="name")
    if db.session.scalar(select(Fund.id).where(Fund.name == name)):
        raise DomainError(_l("A fund with this name already exists."), field="name")
    if not is_district_admin(actor) and (street is None or street.id not in actor.street_ids()):
        raise DomainError(_l("Street admins create funds for their own street."), field="street_id")
    fund = Fund(
        name=name, kind=kind, street=street, description=description.strip(), created_by_id=actor.id
    )
    db.session.add(fund)
    db.session.flush()
    audit.record(
        action="fund.created",
        obj=fund,
        actor=actor,
        after={"name": name, "kind": kind, "street_id": street.id if street else None},
    )
    return fund


def record_contribution(
    *, fund: Fund, donor: str, amount: int, received_on: date, note: str, actor: User
) -> Contribution:
    if not donor.strip():
        raise DomainError(_l("Name the donor."), field="donor")
    if amount is None or amount <= 0:
        raise DomainError(_l("The amount must be more than zero."), field="amount")
    contribution = Contribution(
        fund=fund,
        donor=donor.strip(),
        amount=amount,
        received_on=received_on,
        note=note.strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(contribution)
    db.session.flush()
    audit.record(
        action="fund.contribution_recorded",
        obj=fund,
        actor=actor,
        after={"contribution_id": contribution.id, "donor": contribution.donor, "amount": amount},
    )
    return contribution
