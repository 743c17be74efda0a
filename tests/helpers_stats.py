"""The seed document's round, built in bulk: three street federations (南村镇, 桥南街, 市桥街)
pooled ¥1,150,000 into community funds, collected 112 applications, approved 71 projects and
held 196 activities (accepted records). ``scale`` multiplies the applications, projects and
activities (and the money raised) for the tests that show a page costs the same at 10×."""

from dataclasses import dataclass, field
from datetime import date

from microventure.accounts.models import Role
from microventure.calls.models import CallStatus
from microventure.demo.bulk_round import Plan, Totals, write_round
from microventure.extensions import db
from microventure.funds import services as funds
from microventure.funds.models import FundKind
from tests.conftest import valid_credit_code
from tests.helpers_calls import make_call

# street: (raised in fen, applications, approved, accepted activity records)
SEED = {
    "南村镇": (500_000_00, 40, 25, 70),
    "桥南街": (350_000_00, 38, 24, 66),
    "市桥街": (300_000_00, 34, 22, 60),
}
RAISED, APPLICATIONS, APPROVED, ACTIVITIES = 1_150_000_00, 112, 71, 196
REQUESTED = 15_000_00  # each application's grant
GRANTED = 13_000_00  # each approved project's grant


@dataclass
class SeedRound:
    district_admin: object
    street_admins: dict = field(default_factory=dict)  # street name → admin
    streets: dict = field(default_factory=dict)  # name → Street
    calls: dict = field(default_factory=dict)  # street name → Call
    expected: dict = field(default_factory=dict)  # what was built, added up


def seed_round(make, *, scale: int = 1) -> SeedRound:
    world = SeedRound(district_admin=make.user(role=Role.DISTRICT_ADMIN, name="区社联会"))
    totals = Totals()
    for index, (name, (raised, apps, approved, records)) in enumerate(SEED.items()):
        raised *= scale
        street = make.street(name)
        admin = make.user(role=Role.STREET_ADMIN, street=street, name=f"{name}管理员")
        world.streets[name], world.street_admins[name] = street, admin
        fund = funds.create_fund(
            name=f"{name}社区基金",
            kind=FundKind.COMMUNITY_FUND,
            street=street,
            description="",
            actor=admin,
        )
        for part in (raised * 3 // 5, raised - raised * 3 // 5):  # two contributions
            funds.record_contribution(
                fund=fund,
                donor="社区企业",
                amount=part,
                received_on=date(2026, 3, 1),
                note="",
                actor=admin,
            )
        call = make_call(
            actor=admin,
            fund=fund,
            publish=False,
            code=f"S{index}-2026-MCT",
            title=f"2026年{name}社区微创投",
            budget=raised,
            grant_max=REQUESTED,
        )
        call.status = CallStatus.FINALIZED
        world.calls[name] = call
        plan = Plan(apps * scale, approved * scale, records * scale, REQUESTED, GRANTED, 2026)
        write_round(
            call=call,
            street=street,
            actor_id=admin.id,
            plan=plan,
            code=lambda _n: valid_credit_code(),
            totals=totals,
        )
    db.session.flush()
    world.expected = {
        **totals.counts,
        "requested": totals.money["requested"],
        "recommended": totals.money["recommended"],
        "approved_amount": totals.money["approved"],
        "disbursed": totals.money["disbursed"],
        "returned": totals.money["returned"],
        "hours": totals.hours,
    }
    return world
