"""The seed document's story in the demo: in 2020 the street federations of 南村镇, 桥南街 and
市桥街 raised ¥1,150,000 into community funds for micro-venture grants, collected 112
applications, approved 71 projects and by September had held 196 activities. Filter the
statistics by 2020 to see exactly those figures. Written in bulk (``bulk_round``), so it costs
``flask demo load`` a fraction of a second."""

from datetime import date, time

from sqlalchemy import select

from microventure.accounts.models import Street, User
from microventure.calls import services as calls
from microventure.calls.models import Call, CallStatus
from microventure.core.timeutil import local_datetime
from microventure.decisions.models import Notice
from microventure.demo.bulk_round import Plan, Totals, write_round
from microventure.demo.people import credit_code
from microventure.demo.rounds import _call_settings
from microventure.extensions import db
from microventure.funds import services as funds
from microventure.funds.models import FundKind

YEAR = 2020
# street, call code, raised (yuan), applications, approved, accepted activity records
STORY = [
    ("南村镇", "NC-2020-MCT", 500_000, 40, 25, 70),
    ("桥南街道", "QN-2020-MCT", 350_000, 38, 24, 66),
    ("市桥街道", "SQ-2020-MCT", 300_000, 34, 22, 60),
]
REQUESTED, GRANTED = 15_000_00, 13_000_00


def load_seed_story(streets: dict[str, Street], district: User) -> Totals | None:
    """Write the 2020 round once; returns what it wrote (None when it exists already)."""
    if db.session.scalar(select(Call.id).where(Call.code == STORY[0][1])):
        return None
    totals = Totals()
    for street_name, code, raised, apps, approved, records in STORY:
        street = streets[street_name]
        call = _call(street, code, raised, district)
        plan = Plan(
            apps, approved, records, REQUESTED, GRANTED, YEAR, completed=approved - 1, terminated=1
        )
        serial = 2_000_000 + call.id * 1_000
        write_round(
            call=call,
            street=street,
            actor_id=district.id,
            plan=plan,
            code=lambda n, s=serial: credit_code("2", s + n),
            totals=totals,
        )
    db.session.flush()
    return totals


def _call(street: Street, code: str, raised: int, district: User):
    fund = funds.create_fund(
        name=f"{street.name}社区基金（{YEAR}年微创投）",
        kind=FundKind.COMMUNITY_FUND,
        street=street,
        description=f"五社联动 · {YEAR}年社区微创投",
        actor=district,
    )
    funds.record_contribution(
        fund=fund,
        donor=f"{street.name}社区社联会",
        amount=raised * 100,
        received_on=date(YEAR, 1, 15),
        note="社区基金筹款",
        actor=district,
    )
    title = f"{YEAR}年{street.name}社区微创投项目征集"
    call = calls.create_call(
        settings=_call_settings(fund, code, title, raised, 1, 20), actor=district
    )
    # the round happened in 2020: its dates are set back (the services refuse past dates)
    call.year, call.status = YEAR, CallStatus.FINALIZED
    call.opens_at = local_datetime(date(YEAR, 3, 1), time(9))
    call.closes_at = local_datetime(date(YEAR, 3, 31), time(17))
    call.published_at = call.opens_at
    call.project_starts_on, call.project_ends_on = date(YEAR, 5, 1), date(YEAR + 1, 4, 30)
    call.midterm_report_due_on = date(YEAR, 10, 15)
    call.final_report_due_on = date(YEAR + 1, 5, 15)
    db.session.add(
        Notice(
            call_id=call.id,
            working_days=5,
            starts_on=date(YEAR, 4, 21),
            ends_on=date(YEAR, 4, 27),
            ends_at=local_datetime(date(YEAR, 4, 28)),
            published_by_id=district.id,
            published_at=local_datetime(date(YEAR, 4, 21), time(9)),
            finalized_at=local_datetime(date(YEAR, 5, 6), time(9)),
        )
    )
    return call
