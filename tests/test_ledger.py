"""The fund ledger: after every step of a round the balance reconciles
(raised = available + reserved + committed + disbursed) with hand-computed figures, and the
movements — one per contribution, call, decision, payment and returned tranche — add up to it."""

import re
from collections import Counter
from datetime import date, timedelta

import pytest

from microventure.accounts.models import Role
from microventure.core.timeutil import utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from microventure.funds import ledger
from microventure.funds import queries as fund_queries
from microventure.funds import services as funds
from microventure.funds.ledger import MovementKind as K
from microventure.projects import services as projects
from tests.test_projects_support import decided_round, funded_round, owner_of, pay, sign

YUAN = 100


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


def reconciles(fund, *, raised, available, reserved, committed, disbursed):
    """The balance has these figures (in yuan) and the movements add up to them."""
    b = fund_queries.balance(fund.id)
    expected = {
        "available": available * YUAN,
        "reserved": reserved * YUAN,
        "committed": committed * YUAN,
        "disbursed": disbursed * YUAN,
    }
    assert b.raised == raised * YUAN
    assert {
        "available": b.unallocated,
        "reserved": b.reserved,
        "committed": b.committed,
        "disbursed": b.disbursed,
    } == expected
    assert b.raised == b.unallocated + b.reserved + b.committed + b.disbursed
    found = ledger.movements(fund)
    assert ledger.totals(found) == expected
    # the page's figures come from sums in SQL and from pages of movements: the same money
    book = ledger.FundLedger(fund)
    count, sums = book.summary()
    assert count == len(found)
    assert ledger.totals(sums) == expected
    pages = [book.movements(limit=3, offset=n) for n in range(0, len(found), 3)]
    assert [m for page in pages for m in page] == found
    return found


def test_the_ledger_reconciles_at_every_step_of_a_round(make, monkeypatch):
    r = decided_round(make, monkeypatch, applications_count=4)
    call, admin = r["call"], r["admin"]
    fund = call.fund
    a1, a2, a3, a4 = r["applications"]
    funds.record_contribution(
        fund=fund, donor="居民众筹", amount=10_000 * YUAN, received_on=date(2026, 4, 1),
        note="", actor=admin,
    )  # fmt: skip
    # ¥500,000 + ¥10,000 raised; the call's ¥300,000 budget is reserved
    reconciles(fund, raised=510_000, available=210_000, reserved=300_000, committed=0, disbursed=0)

    # recommendations move money from reserved to committed: 25,000 + 20,000 + 15,000
    decisions.recommend(application=a1, amount=30_000 * YUAN, actor=admin)
    decisions.recommend(application=a1, amount=25_000 * YUAN, actor=admin)  # changed amount
    decisions.recommend(application=a2, amount=20_000 * YUAN, actor=admin)
    decisions.recommend(application=a3, amount=15_000 * YUAN, actor=admin)
    decisions.not_recommend(application=a4, reason="得分较低", actor=admin)
    reconciles(
        fund, raised=510_000, available=210_000, reserved=240_000, committed=60_000, disbursed=0
    )

    # an upheld objection revokes the ¥15,000 recommendation: back to the call's budget
    published = utcnow() - timedelta(days=30)
    notice = notice_services.publish_notice(call=call, actor=admin, now=published)
    objection = notice_services.lodge_objection(
        notice=notice, application_id=a3.id, name="居民", contact="13800138000",
        text="该机构已停止活动", remote_addr=None, now=published + timedelta(hours=1),
    )  # fmt: skip
    notice_services.resolve_objection(
        objection=objection, upheld=True, resolution="核实属实", actor=admin
    )
    reconciles(
        fund, raised=510_000, available=210_000, reserved=255_000, committed=45_000, disbursed=0
    )

    # finalizing returns the ungranted ¥255,000 to the fund
    p1, p2 = notice_services.finalize(call=call, actor=admin)
    reconciles(fund, raised=510_000, available=465_000, reserved=0, committed=45_000, disbursed=0)

    # signing and paying the first 50% of ¥25,000
    sign(p1, admin)
    pay(p1.tranches[0], admin, reference="BK-2026-0001")
    reconciles(
        fund, raised=510_000, available=465_000, reserved=0, committed=32_500, disbursed=12_500
    )

    # withholding the mid-term 30% (¥7,500) returns it
    projects.withhold(tranche=p1.tranches[1], reason="中期评估不合格", actor=admin)
    reconciles(
        fund, raised=510_000, available=472_500, reserved=0, committed=25_000, disbursed=12_500
    )

    # terminating the unsigned ¥20,000 project releases all three of its tranches
    projects.terminate(project=p2, reason="机构注销", actor=admin)
    found = reconciles(
        fund, raised=510_000, available=492_500, reserved=0, committed=5_000, disbursed=12_500
    )

    kinds = Counter(m.kind for m in found)
    assert kinds == {
        K.CONTRIBUTION: 2,
        K.RESERVATION: 1,
        K.DECISION: 2,  # the revoked recommendation holds nothing and is not listed
        K.RETURN: 1,
        K.PAYMENT: 1,
        K.WITHHELD: 1,
        K.RELEASED: 3,
    }

    def amounts(kind):
        return sorted(m.amount for m in found if m.kind is kind)

    assert amounts(K.CONTRIBUTION) == [10_000 * YUAN, 500_000 * YUAN]
    assert amounts(K.RESERVATION) == [300_000 * YUAN]
    assert amounts(K.DECISION) == [20_000 * YUAN, 25_000 * YUAN]
    assert amounts(K.RETURN) == [255_000 * YUAN]
    assert amounts(K.PAYMENT) == [12_500 * YUAN]
    assert amounts(K.WITHHELD) == [7_500 * YUAN]
    assert amounts(K.RELEASED) == [4_000 * YUAN, 6_000 * YUAN, 10_000 * YUAN]

    decision = next(m for m in found if m.kind is K.DECISION and m.subject == a1.reference)
    assert decision.link == f"/admin/calls/{call.id}/decisions"
    payment = next(m for m in found if m.kind is K.PAYMENT)
    assert payment.subject.startswith(p1.agreement_number) and payment.detail == "BK-2026-0001"
    assert payment.link == f"/projects/{p1.id}#tranches"
    assert {m.detail for m in found if m.kind is K.RELEASED} == {"机构注销"}
    assert next(m for m in found if m.kind is K.WITHHELD).detail == "中期评估不合格"
    # newest first: the contribution of 1 March 2026 is the oldest movement
    assert [m.on for m in found] == sorted((m.on for m in found), reverse=True)
    assert found[-1].kind is K.CONTRIBUTION and found[-1].on == date(2026, 3, 1)
    # how each movement changes what is available
    assert sum(m.available_change for m in found) == 492_500 * YUAN


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_ledger_page_shows_the_reconciliation_and_every_movement(
    client, login_as, make, monkeypatch, count_queries
):
    r = funded_round(make, monkeypatch)
    admin, fund = r["admin"], r["call"].fund
    url = f"/admin/funds/{fund.id}/ledger"
    login_as(admin)
    client.get("/?lang=en")
    client.get(url)  # warm up
    with count_queries() as before:
        text(client.get(url))

    p1, p2 = r["projects"]
    sign(p1, admin)
    pay(p1.tranches[0], admin, reference="BK-LEDGER-1")
    projects.terminate(project=p2, reason="机构注销", actor=admin)
    with count_queries() as after:
        page = text(client.get(url))
    assert before.count == after.count == 14

    top = page[page.index('id="reconciliation"') : page.index('id="calls"')]
    figures = dict(re.findall(r'data-place="(\w+)">([^<]+)<', top))
    assert figures == {
        "raised": "¥500,000.00",
        "reserved": "¥0.00",
        "committed": "¥12,500.00",  # 25,000 + 20,000 − 12,500 paid − 20,000 released
        "disbursed": "¥12,500.00",
        "available": "¥475,000.00",  # 500,000 − 300,000 + 255,000 returned + 20,000 released
    }
    assert 'data-agree="yes"' in top
    row = re.search(rf'<tr data-call="{r["call"].code}">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="text-end text-nowrap">([^<]+)</td>', row)
    # budget, granted, disbursed, returned, committed, reserved
    assert cells == ["¥300,000.00", "¥45,000.00", "¥12,500.00", "¥20,000.00", "¥12,500.00", "¥0.00"]
    kinds = Counter(re.findall(r'<tr data-movement="(\w+)"', page))
    assert kinds == {
        "contribution": 1, "reservation": 1, "decision": 2, "return": 1, "payment": 1, "released": 3,
    }  # fmt: skip
    assert f'href="/admin/calls/{r["call"].id}/decisions"' in page
    assert f'href="/projects/{p1.id}#tranches"' in page and "BK-LEDGER-1" in page

    detail = text(client.get(f"/admin/funds/{fund.id}"))
    assert f'href="{url}"' in detail
    assert "Committed and disbursed amounts will appear" not in detail
    assert re.search(r'data-place="committed">¥12,500\.00<', detail)
    assert re.search(r'data-place="available">¥475,000\.00<', detail)
    listing = text(client.get("/admin/funds"))
    for amount in ("¥500,000.00", "¥12,500.00", "¥475,000.00"):
        assert amount in listing


def test_only_those_managing_the_fund_see_its_ledger(client, login_as, make, monkeypatch):
    r = funded_round(make, monkeypatch, amounts=(25_000_00,))
    url = f"/admin/funds/{r['call'].fund_id}/ledger"
    login_as(make.user(role=Role.STREET_ADMIN, street=make.street()))
    assert client.get(url).status_code == 404
    login_as(owner_of(r["projects"][0]))
    assert client.get(url).status_code in (403, 404)
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    assert client.get(url).status_code == 200
