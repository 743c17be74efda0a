"""A whole round through the services: decisions, notice, finalize, sign, pay, ledger."""

from datetime import timedelta

from microventure.core.timeutil import local_today
from microventure.funds import queries as fund_queries
from microventure.projects import services as projects
from microventure.projects.models import TrancheStatus
from tests.helpers_decisions import finalized_round


def test_full_round_reconciles(make):
    r = finalized_round(make, amounts=(25_000_00, 33_333_33 - 8_333_33))
    call, admin = r["call"], r["admin"]
    p1, p2 = r["projects"]
    assert [t.amount for t in p1.tranches] == [12_500_00, 7_500_00, 5_000_00]
    from tests.helpers_reviews import pdf

    projects.sign_agreement(project=p1, signed_on=local_today(), upload=pdf(), actor=admin)
    assert p1.tranches[0].status is TrancheStatus.DUE
    projects.record_payment(
        tranche=p1.tranches[0], paid_on=local_today(), reference="BK-1", actor=admin
    )
    projects.terminate(project=p2, reason="机构注销", actor=admin)
    b = fund_queries.balance(call.fund_id)
    assert b.disbursed == 12_500_00
    assert b.committed == 12_500_00
    assert b.reserved == 0
    assert b.raised == b.unallocated + b.reserved + b.committed + b.disbursed
    assert b.unallocated == 500_000_00 - 25_000_00
    assert local_today() - timedelta(days=1) < local_today()
