"""A scripted year of subscriptions on the business clock.

Six customers buy monthly and yearly resources; some auto-renew (one with a voucher and a
limit of three renewals, one charged three days before expiry instead of seven), one is switched to pay-per-use at expiry, two resources are
unsubscribed on day 3 and day 20, one customer runs out of money. The clock then moves month
by month for thirteen months. After every move the test checks, against figures it computes
itself from Huawei's rules: what the lifecycle reports, every resource's status and expire
time, every order, every balance, the voucher, every fee record of the month and the monthly
sums; at the end the ledger balances.

The rules the model applies (as the server documents them): a month's period ends at
23:59:59 Beijing on the same day of the next month; an auto-renewal is attempted at 03:00
Beijing seven days before the expiry's day and, short of money, again every day until the
retention period ends; grace lasts 7 days, retention 15 more; a renewal is paid from the
applicable coupons, then cash.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

import pytest
from huaweicloudsdkbss.v2 import (
    CreatePartnerCouponsReq,
    CreatePartnerCouponsRequest,
    ListCustomerselfResourceRecordsRequest,
    ListIssuedPartnerCouponsRequest,
    ListPayPerUseCustomerResourcesRequest,
    QueryResourcesReq,
)

from conftest import Cli, PartnerFactory
from funds_support import verify_ledger
from test_orders import (EC2, SMALL_MONTH, SMALL_YEAR, World, auto_renew, cash_of, month_sum, orders_of, resources_of, show,
                         small, unsubscribe, unused_share)

D = Decimal
BJ = dt.timezone(dt.timedelta(hours=8))
DAY = 86_400_000
GRACE, RETENTION = 7 * DAY, 15 * DAY
NO_EVENTS = {"renewed": 0, "renewals_failed": 0, "expired": 0, "frozen": 0, "released": 0, "converted": 0}


def beijing(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    return int(dt.datetime(y, m, d, h, mi, s, tzinfo=BJ).timestamp() * 1000)


def utc(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(s: str) -> int:
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def bj_date(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, BJ).date()


def months_on(ms: int, n: int) -> int:
    """The end (23:59:59 Beijing) of the day `n` months after `ms`'s day, clamped to the month."""
    d = bj_date(ms)
    y, m = d.year + (d.month - 1 + n) // 12, (d.month - 1 + n) % 12 + 1
    last = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return beijing(y, m, min(d.day, last), 23, 59, 59)


def first_attempt(expires: int, days_before: int = 7) -> int:
    d = bj_date(expires) - dt.timedelta(days=days_before)
    return beijing(d.year, d.month, d.day, 3)


def cycle(ms: int) -> str:
    return bj_date(ms).strftime("%Y-%m")


@dataclass
class Wallet:
    cash: Decimal
    voucher: Decimal = D(0)   # one EC2 voucher, for the customer that has one


@dataclass
class Sub:
    name: str
    customer: str
    resource_id: str
    order_id: str
    effective: int
    expires: int
    policy: int = 0                         # 0 none, 1 to pay-per-use at expiry, 3 auto-renew
    times: Optional[int] = None             # auto-renewals left; None unlimited
    unsubscribed_at: Optional[int] = None
    next_attempt: Optional[int] = None      # the auto-renewal attempt due next
    deduction_days: int = 7                 # SetResourcesRenewConfig DEDUCTION_DATE
    events: list = field(default_factory=list)   # (time, kind)
    renewals: list = field(default_factory=list)  # payment times


@dataclass
class Fee:
    customer: str
    resource_id: str
    bill_type: int
    amount: Decimal
    at: int


class Year:
    """The model: what Huawei's rules say happens, computed here, independently of the server."""

    def __init__(self):
        self.wallets: dict[str, Wallet] = {}
        self.subs: list[Sub] = []
        self.fees: list[Fee] = []

    def buy(self, sub: Sub, price: Decimal):
        w = self.wallets[sub.customer]
        assert w.cash >= price
        w.cash -= price
        self.subs.append(sub)
        self.fees.append(Fee(sub.customer, sub.resource_id, 1, price, sub.effective))

    def refund(self, sub: Sub, amount: Decimal, at: int):
        self.wallets[sub.customer].cash += amount
        sub.unsubscribed_at = at
        self.fees.append(Fee(sub.customer, sub.resource_id, 4, -amount, at))

    def run(self, until: int):
        """Plays every subscription's lifecycle up to `until` (auto-renewals first in time)."""
        for s in self.subs:
            if s.unsubscribed_at is not None:
                continue
            while s.policy == 3 and (s.times is None or s.times > 0):
                if s.next_attempt is None:
                    s.next_attempt = first_attempt(s.expires, s.deduction_days)
                at = s.next_attempt
                if at > until or at >= s.expires + GRACE + RETENTION:
                    break
                w = self.wallets[s.customer]
                coupon = min(w.voucher, SMALL_MONTH)
                if w.cash + coupon >= SMALL_MONTH:
                    w.voucher -= coupon
                    w.cash -= SMALL_MONTH - coupon
                    s.events.append((at, "renewed"))
                    s.renewals.append(at)
                    self.fees.append(Fee(s.customer, s.resource_id, 2, SMALL_MONTH, at))
                    s.expires = months_on(s.expires, 1)
                    s.times = None if s.times is None else s.times - 1
                    s.next_attempt = None
                else:
                    s.events.append((at, "renewals_failed"))
                    s.next_attempt = at + DAY
            ends = [(s.expires, "converted")] if s.policy == 1 else \
                [(s.expires, "expired"), (s.expires + GRACE, "frozen"), (s.expires + GRACE + RETENTION, "released")]
            for t, kind in ends:
                if t <= until and (t, kind) not in s.events:
                    s.events.append((t, kind))

    def summary(self, after: int, until: int) -> dict:
        out = dict(NO_EVENTS)
        for s in self.subs:
            for t, kind in s.events:
                if after < t <= until:
                    out[kind] += 1
        return out

    def status(self, s: Sub, now: int) -> Optional[int]:
        """ListPayPerUseCustomerResources' status at `now`; None when it is no longer listed."""
        if s.unsubscribed_at is not None and s.unsubscribed_at <= now:
            return 3
        if now < s.expires:
            return 2
        if s.policy == 1:
            return None
        if now < s.expires + GRACE:
            return 5
        return 4 if now < s.expires + GRACE + RETENTION else 3

    def month_sum(self, customer: str, month: str) -> Decimal:
        return sum((f.amount for f in self.fees if f.customer == customer and cycle(f.at) == month), D(0))

    def fee_rows(self, customer: str, month: str) -> list:
        return sorted((f.resource_id, f.bill_type, f.amount) for f in self.fees if f.customer == customer and cycle(f.at) == month)


@pytest.fixture(scope="module")
def year(start_server, binary, tmp_path_factory):
    srv = start_server("year", ["--rate-limit", "0", "--lifecycle-interval", "0"])
    cli = Cli(binary, srv.database)
    w = World(srv, cli, PartnerFactory(cli, srv.base_url), tmp_path_factory.mktemp("year"))
    yield w
    cli("admin", "clock", "reset", "--json")


def listed(principal, resource_id: str):
    got = principal.client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[resource_id], limit=10))).data or []
    return {r.resource_id: r for r in got}.get(resource_id)


def fee_records(principal, month: str) -> list:
    rows, offset = [], 0
    while True:
        page = principal.client.list_customerself_resource_records(ListCustomerselfResourceRecordsRequest(
            cycle=month, offset=offset, limit=100)).fee_records or []
        rows += page
        if len(page) < 100:
            return rows
        offset += 100


def test_a_scripted_year_of_subscriptions(year):
    w = year
    start = beijing(2031, 1, 5, 12)
    w.cli("admin", "clock", "set", utc(start), "--json")
    model = Year()
    people = {}
    for name, cash in (("A", "1000"), ("B", "100"), ("C", "500"), ("D", "500"), ("E", "400"), ("F", "100")):
        cust, me = w.customer(cash=cash)
        people[name] = (cust, me)
        model.wallets[cust.domain_id] = Wallet(D(cash))

    def buy(name: str, who: str, item: dict, price: Decimal, months: int) -> Sub:
        cust, me = people[who]
        out = w.order(cust.domain_id, item, pay=True)
        assert out["status"] == 5, out
        (r,) = resources_of(me, out["order_id"])
        effective = parse(r.effective_time)
        assert abs(effective - start) < 60_000, r
        sub = Sub(name, cust.domain_id, r.resource_id, out["order_id"], effective, months_on(effective, months))
        assert r.expire_time == utc(sub.expires), (name, r)
        model.buy(sub, price)
        return sub

    a_month = buy("A-monthly", "A", small(), SMALL_MONTH, 1)
    a_year = buy("A-yearly", "A", small(period_type=3), SMALL_YEAR, 12)
    b_month = buy("B-monthly", "B", small(), SMALL_MONTH, 1)
    c_month = buy("C-monthly", "C", small(), SMALL_MONTH, 1)
    d_early = buy("D-day3", "D", small(), SMALL_MONTH, 1)
    d_late = buy("D-day20", "D", small(), SMALL_MONTH, 1)
    e_month = buy("E-monthly", "E", small(), SMALL_MONTH, 1)
    f_month = buy("F-monthly", "F", small(), SMALL_MONTH, 1)

    # A renews without limit, B until its money runs out, E three times with a voucher's help.
    for who, sub, times in (("A", a_month, None), ("B", b_month, None), ("E", e_month, 3), ("F", f_month, 2)):
        auto_renew(people[who][1], sub.resource_id, times=times)
        sub.policy, sub.times = 3, times
    # F has its auto-renewals charged three days before expiry instead of seven.
    from test_orders import renew_config
    assert renew_config(people["F"][1], "DEDUCTION_DATE", "3").error_code == "CBC.0000"
    f_month.deduction_days = 3
    from huaweicloudsdkbss.v2 import PeriodToOnDemandReq, UpdatePeriodToOnDemandRequest
    resp = people["C"][1].client.update_period_to_on_demand(UpdatePeriodToOnDemandRequest(
        body=PeriodToOnDemandReq(operation="SET_UP", resource_ids=[c_month.resource_id])))
    assert not resp.error_details, resp
    c_month.policy = 1
    quota = w.cli("admin", "quota", "grant", "--domain-id", w.sp.domain_id, "--amount", "50", "--expires", "2099-12-31", "--json")["quota_id"]
    issued = w.sp.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
        quota_id=quota, customer_ids=[e_month.customer], face_value=D("10"), cloud_service_types=[EC2],
        expire_time="2099-12-31T00:00:00Z")))
    assert not issued.error_details, issued
    voucher = issued.coupon_infos[0].coupon_id
    model.wallets[e_month.customer].voucher = D("10")

    def check(now: int):
        """Everything the server shows, against the model, at business time `now`."""
        for s in model.subs:
            me = next(p for c, p in people.values() if c.domain_id == s.customer)
            got, want = listed(me, s.resource_id), model.status(s, now)
            if want is None:
                assert got is None, (s.name, utc(now), got)
                continue
            assert got is not None and got.status == want, (s.name, utc(now), want, got)
            assert got.expire_time == utc(s.expires), (s.name, utc(now), utc(s.expires), got.expire_time)
            if want == 2 and (s.times is None or s.times > 0):
                assert got.expire_policy == s.policy, (s.name, got.expire_policy)
        for name, (cust, me) in people.items():
            wallet = model.wallets[cust.domain_id]
            assert cash_of(me) == wallet.cash, (name, utc(now), cash_of(me), wallet.cash)
            # This month's and last month's bills (a renewal late in a month is billed in it).
            for month in sorted({cycle(now), cycle(now - 6 * DAY)}):
                assert month_sum(me, month) == model.month_sum(cust.domain_id, month), (name, month)
                rows = sorted((r.resource_id, r.bill_type, D(str(r.amount))) for r in fee_records(me, month))
                assert rows == model.fee_rows(cust.domain_id, month), (name, month, rows)
            # Every order: one per purchase, renewal and unsubscription, all completed.
            subs = [s for s in model.subs if s.customer == cust.domain_id]
            kinds = sorted([1] * len(subs) + [2] * sum(len(s.renewals) for s in subs)
                           + [4] * sum(1 for s in subs if s.unsubscribed_at is not None))
            got = orders_of(me, limit=100).order_infos or []
            assert sorted(o.order_type for o in got) == kinds, (name, utc(now), [(o.order_type, o.status) for o in got])
            assert all(o.status == 5 for o in got), (name, [(o.order_id, o.status) for o in got])
        coupon = {c.coupon_id: c for c in w.sp.client.list_issued_partner_coupons(
            ListIssuedPartnerCouponsRequest(customer_id=e_month.customer)).user_coupons}[voucher]
        left = model.wallets[e_month.customer].voucher
        assert (D(str(round(coupon.balance, 2))), coupon.status) == (left, 2 if left > 0 else 3), coupon

    check(start)
    # Day 3: within five days everything paid comes back. Day 20: the unused share, to the fen.
    now = start
    for day, sub in ((3, d_early), (20, d_late)):
        at = start + (day - 1) * DAY
        moved = w.cli("admin", "clock", "set", utc(at), "--json")
        model.run(at)
        assert moved["lifecycle"] == model.summary(now, at), (day, moved)
        now = at
        (oid,) = unsubscribe(people["D"][1], [sub.resource_id]).order_ids
        info = show(people["D"][1], oid).order_info
        back = D(str(info.amount_after_discount))
        if day == 3:
            assert back == SMALL_MONTH and D(str(info.amount_info.consumed_amount)) == 0, info
        else:
            low, high = unused_share(SMALL_MONTH, sub.effective, sub.expires, at)
            assert low <= back <= high, (low, back, high)
            assert D(str(info.amount_info.consumed_amount)) == SMALL_MONTH - back, info
        model.refund(sub, back, at)
        check(at)

    # Thirteen months, one clock move each: the yearly resource expires in the last.
    for step in range(1, 14):
        y, m = 2031 + step // 12, step % 12 + 1
        at = beijing(y, m, 5, 12)
        moved = w.cli("admin", "clock", "set", utc(at), "--json")
        model.run(at)
        assert moved["lifecycle"] == model.summary(now, at), (utc(at), moved["lifecycle"], model.summary(now, at))
        now = at
        check(at)

    # The story the model told, spelled out.
    assert len(a_month.renewals) == 13 and a_month.expires == beijing(2032, 3, 5, 23, 59, 59)
    assert len(b_month.renewals) == 2 and model.wallets[b_month.customer].cash == D("100") - SMALL_MONTH * 3
    assert [bj_date(t).day for t in f_month.renewals] == [2, 2] and len(f_month.events) == 5
    assert len(e_month.renewals) == 3 and model.wallets[e_month.customer].cash == D("400") - SMALL_MONTH * 4 + 10
    assert [t for t, k in c_month.events] == [c_month.expires] and c_month.events[0][1] == "converted"
    assert model.status(a_year, now) == 3 and [k for _, k in a_year.events] == ["expired", "frozen", "released"]
    # Renewal orders are paid at the moment they fall due: 03:00 Beijing, seven days ahead.
    renewals = orders_of(people["A"][1], order_type="2", limit=100).order_infos
    assert sorted(o.payment_time for o in renewals) == [utc(t) for t in a_month.renewals]
    assert all(o.source_type == 8 for o in renewals)
    verify_ledger(w.cli)
    assert w.cli("admin", "lifecycle", "run", "--json") == NO_EVENTS
