"""Resource packages, and the money side of yearly/monthly subscriptions.

Packages (`admin package grant`, `POST /operator/v1/packages`) are used by usage import
before any money: ListFreeResourceInfos shows what is left of them, ListFreeResourcesUsageRecords
every deduction, and the fee records the usage they covered. Subscriptions are charged when
bought (`admin resource provision`) and renewed (`admin resource renew`), and refunded for the
unused part when unsubscribed (`admin resource unsubscribe`); the four bill APIs must agree on
the month.

Everything runs on a server of its own, because every scenario sets the business clock. Each
scenario has customers of its own, and every expected amount is computed here, exactly, from
`admin catalog export`, the cash and coupons the test gave out and the clock around each call.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

import pytest
import requests

from huaweicloudsdkbss.v2 import (
    CreatePartnerCouponsReq,
    CreatePartnerCouponsRequest,
    ListFreeResourceInfosReq,
    ListFreeResourceInfosRequest,
    ListFreeResourcesUsageRecordsRequest,
    ListIssuedPartnerCouponsRequest,
    ShowCustomerAccountBalancesRequest,
)

from conftest import (
    Cli,
    CustomerFactory,
    PartnerFactory,
    Principal,
    assert_error,
    expect_sdk_error,
    sign_and_send,
)
from funds_support import fund, grant, verify_ledger

D = Decimal
EC2, VM = "hws.service.type.ec2", "hws.resource.type.vm"
EBS, VOLUME = "hws.service.type.ebs", "hws.resource.type.volume"
VPC, IP, BANDWIDTH = "hws.service.type.vpc", "hws.resource.type.ip", "hws.resource.type.bandwidth"
OBS, OBS_RT = "hws.service.type.obs", "hws.resource.type.obs"
REGION, EAST = "cn-north-4", "cn-east-3"
BEIJING = dt.timezone(dt.timedelta(hours=8))

PACKAGES = "/v3/payments/free-resources/query"
PACKAGE_USAGE = "/v2/bills/customer-bills/free-resources-usage-records"
MONTHLY_SUM = "/v2/bills/customer-bills/monthly-sum"
FEE_RECORDS = "/v2/bills/customer-bills/fee-records"
RES_FEE_RECORDS = "/v2/bills/subcustomer-bills/res-fee-records"
PARTNER_MONTHLY = "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"
RESOURCE_LIST = "/v2/orders/suscriptions/resources/query"
OPERATOR_PACKAGES = "/operator/v1/packages"

# (service, resource type, spec) of the products used here
SPEC = {
    "small": (EC2, VM, "s6.small.1.linux"),
    "SAS": (EBS, VOLUME, "SAS"),
    "eip": (VPC, IP, "5_bgp"),
    "bw": (VPC, BANDWIDTH, "19_bgp"),
    "obs": (OBS, OBS_RT, "obs_standard"),
}
SIZE_UNIT = {"SAS": 17, "bw": 15}


# ----------------------------------------------------------------------------- helpers

def parse_utc(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def beijing_month(t: dt.datetime) -> str:
    return t.astimezone(BEIJING).strftime("%Y-%m")


def beijing_day(t: dt.datetime) -> dt.date:
    return t.astimezone(BEIJING).date()


def add_months(d: dt.date, months: int) -> dt.date:
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def expiry_after(start: dt.datetime, period_type: int, period_num: int) -> str:
    """End of the Beijing day that lies N months/years after the Beijing date of `start`."""
    months = period_num if period_type == 2 else 12 * period_num
    return f"{add_months(beijing_day(start), months).isoformat()}T15:59:59Z"


def frac(v: Any) -> Fraction:
    return Fraction(str(v))


def trunc(x: Fraction, places: int) -> Decimal:
    """Truncate toward zero to `places` decimals."""
    scale = 10 ** places
    n = abs(x.numerator) * scale // x.denominator
    return Decimal(n if x >= 0 else -n).scaleb(-places)


def round2(x: Fraction) -> Decimal:
    """Round half up to 2 decimals, exactly."""
    assert x >= 0
    scaled = x * 100
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole).scaleb(-2)


def dec(v: Any) -> Decimal:
    assert v is not None, "amount missing"
    if isinstance(v, float):
        return Decimal(repr(v))
    return v if isinstance(v, Decimal) else Decimal(str(v))


def quantity(v: Any) -> Decimal:
    """A package quantity: a decimal string."""
    assert isinstance(v, str), f"quantity must be a decimal string, got {v!r}"
    assert re.fullmatch(r"-?\d+(\.\d+)?", v), v
    return Decimal(v)


def ok(resp: requests.Response, status: int = 200) -> dict:
    assert resp.status_code == status, f"{resp.status_code}: {resp.text}"
    return resp.json(parse_float=Decimal)


def get(principal, path: str, **query) -> requests.Response:
    return principal.signed("GET", path, query={k: str(v) for k, v in query.items()})


def all_pages(principal, path: str, key: str, limit: int = 1000, **query) -> list[dict]:
    out, offset = [], 0
    while True:
        page = ok(get(principal, path, offset=offset, limit=limit, **query))
        items = page.get(key) or []
        out.extend(items)
        offset += len(items)
        if not items or offset >= page["total_count"]:
            assert len(out) == page["total_count"], (len(out), page["total_count"])
            return out


def dumps(record: dict) -> str:
    """One JSON line; Decimal values become JSON numbers written exactly as given."""
    marked = {k: (f"@@{v}@@" if isinstance(v, Decimal) else v) for k, v in record.items()}
    return re.sub(r'"@@(-?[0-9.Ee+-]+)@@"', r"\1", json.dumps(marked))


def check_split(rec: dict, consume_key: str = "consume_amount"):
    consume = dec(rec[consume_key])
    paid = sum(dec(rec.get(k) or 0) for k in ("cash_amount", "credit_amount", "coupon_amount",
                                              "flexipurchase_coupon_amount",
                                              "stored_value_card_amount", "debt_amount"))
    assert paid == consume, f"payment split {paid} != {consume}: {rec}"


# ----------------------------------------------------------------------------- the price book

class PriceBook:
    """Prices and unit conversions from `admin catalog export`."""

    def __init__(self, doc: dict):
        self.on_demand: dict[tuple, dict] = {}
        self.period: dict[tuple, dict] = {}
        for p in doc["products"]:
            key = (p["cloud_service_type"], p["resource_type"], p["resource_spec"], p["region"])
            if p["charge_mode"] == "on_demand":
                self.on_demand[key + (p["usage_factor"].lower(),)] = p
            elif p["charge_mode"] == "period":
                self.period[key] = p
        self.edges: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
        for c in doc["conversions"]:
            # one `measure_id` is `ratio` of `ref_measure_id` (1 h = 60 min)
            r = frac(c["ratio"])
            self.edges[c["measure_id"]].append((c["ref_measure_id"], r))
            self.edges[c["ref_measure_id"]].append((c["measure_id"], 1 / r))

    def factor(self, src: int, dst: int) -> Fraction:
        """Multiply a quantity in `src` units by this to get `dst` units."""
        todo, seen = [(src, Fraction(1))], {src}
        while todo:
            unit, f = todo.pop()
            if unit == dst:
                return f
            for nxt, r in self.edges[unit]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append((nxt, f * r))
        raise AssertionError(f"no conversion {src} -> {dst}")

    def usage_price(self, r: dict, value: Fraction) -> Fraction:
        """Official price of `value` (in the record's unit) of the record's product."""
        p = self.on_demand[(r["cloud_service_type"], r["resource_type"], r["resource_spec"], r["region"],
                            r["usage_type"].lower())]
        assert not p.get("tiers"), "the scenarios here use flat prices"
        qty = value * self.factor(r["usage_measure_id"], p["usage_measure_id"])
        if p.get("size_measure_id"):
            qty *= frac(r["resource_size"])
        return qty * frac(p["unit_price"])

    def period_price(self, product: str, period_type: int, size: Optional[int] = None,
                     region: str = REGION) -> Fraction:
        service, rtype, spec = SPEC[product]
        p = self.period[(service, rtype, spec, region)]
        price = frac(p["month_price"] if period_type == 2 else p["year_price"])
        return price * (size if size is not None else 1)


# ----------------------------------------------------------------------------- money model

@dataclass
class Coupon:
    coupon_id: str
    balance: Decimal
    expires: dt.datetime
    services: Optional[set]


@dataclass
class Wallet:
    cash: Decimal = D(0)
    debt: Decimal = D(0)
    coupons: list = field(default_factory=list)

    def pay(self, service: str, amount: Decimal, now: dt.datetime) -> dict:
        """Coupons (soonest expiring first, of the service), then cash, then arrears."""
        left, from_coupons = amount, D(0)
        for c in sorted(self.coupons, key=lambda c: c.expires):
            if left == 0:
                break
            if c.balance <= 0 or now >= c.expires or (c.services and service not in c.services):
                continue
            take = min(left, c.balance)
            c.balance -= take
            from_coupons += take
            left -= take
        from_cash = min(left, max(self.cash, D(0)))
        self.cash -= from_cash
        left -= from_cash
        self.debt += left
        return {"coupon": from_coupons, "cash": from_cash, "debt": left}

    def pay_order(self, service: str, amount: Decimal, now: dt.datetime) -> tuple[dict, list]:
        """An order paid automatically: the applicable coupons (soonest expiring first, at
        most three), then cash; never arrears (short of money, the order is refused). Also
        answers which coupons paid how much, in the order they were used."""
        left, uses = amount, []
        usable = [c for c in sorted(self.coupons, key=lambda c: c.expires)
                  if c.balance > 0 and now < c.expires and (not c.services or service in c.services)][:3]
        for c in usable:
            take = min(left, c.balance)
            if take > 0:
                c.balance -= take
                uses.append([c, take])
                left -= take
        assert left <= self.cash, "the test gives its customers the money their purchases need"
        self.cash -= left
        return {"coupon": amount - left, "cash": left, "debt": D(0)}, uses

    def refund(self, cash: Decimal, coupons: Decimal, uses: list) -> dict:
        """A refund returns money where it came from (cash to cash) and coupons to the coupons
        that paid, the first used first."""
        self.cash += cash
        back = coupons
        for use in uses:
            take = min(back, use[1])
            use[0].balance += take
            use[1] -= take
            back -= take
        assert back == 0, "coupons come back at most as far as they paid"
        return {"coupon": -coupons, "cash": -cash, "debt": D(0)}


# ----------------------------------------------------------------------------- packages model

@dataclass
class Package:
    grant: dict
    customer: str
    resource_type: str
    usage_type: str
    original: Fraction
    measure: int
    region: Optional[str]
    effective: dt.datetime
    expires: dt.datetime
    name: Optional[str]
    remaining: Fraction = Fraction(0)
    deductions: list = field(default_factory=list)

    @property
    def item(self) -> str:
        return self.grant["free_resource_id"]

    @property
    def product(self) -> str:
        return self.grant["product_id"]

    def status(self, now: dt.datetime) -> int:
        if now < self.effective:
            return 0
        if now >= self.expires:
            return 3
        return 2 if self.remaining == 0 else 1


@dataclass
class UsageFee:
    record: dict
    covered: Fraction          # in the record's unit
    official: Decimal
    consume: Decimal
    paid: dict
    trade_lo: dt.datetime
    trade_hi: dt.datetime


@dataclass
class Charge:
    """A subscription purchase (1), renewal (2) or refund (4)."""
    kind: int
    resource_id: str
    product: str
    official: Decimal
    consume: Decimal
    paid: dict
    lo: dt.datetime
    hi: dt.datetime
    # the period a purchase or renewal pays for, and the coupons that paid it
    begin: Optional[dt.datetime] = None
    end: Optional[dt.datetime] = None
    uses: list = field(default_factory=list)

    @property
    def service(self) -> str:
        return SPEC[self.product][0]

    @property
    def resource_type(self) -> str:
        return SPEC[self.product][1]


@dataclass
class Sub:
    """A yearly/monthly resource as this test sees it."""
    resource_id: str
    product: str
    size: Optional[int]
    effective: dt.datetime
    expires: str
    period_type: int
    paid: Decimal = D(0)
    parent: Optional[str] = None
    attached: list = field(default_factory=list)
    periods: list = field(default_factory=list)   # its purchase and renewal charges
    main: Optional["Sub"] = None


# ----------------------------------------------------------------------------- the world

@dataclass
class World:
    srv: Any
    cli: Cli
    partners: PartnerFactory
    customers: CustomerFactory
    book: PriceBook
    tmp: Path
    operator: dict = field(default_factory=dict)
    wallets: dict = field(default_factory=lambda: defaultdict(Wallet))
    packages: dict = field(default_factory=lambda: defaultdict(list))
    fees: dict = field(default_factory=lambda: defaultdict(list))
    charges: dict = field(default_factory=lambda: defaultdict(list))
    subs: dict = field(default_factory=dict)
    discounts: list = field(default_factory=list)
    referrals: set = field(default_factory=set)
    _n: int = 0

    # --- clock
    def now(self) -> dt.datetime:
        return parse_utc(self.cli("admin", "clock", "show", "--json")["now"])

    def set_clock(self, when: str) -> dt.datetime:
        return parse_utc(self.cli("admin", "clock", "set", when, "--json")["now"])

    def advance(self, by: str) -> dt.datetime:
        return parse_utc(self.cli("admin", "clock", "advance", by, "--json")["now"])

    # --- parties
    def customer(self, cash: Optional[str] = None, dist: Optional[Principal] = None, referral: bool = False):
        """A customer of a (new) solution provider; a referral customer (who may use its
        partner's discounts on orders) pays its cash in itself."""
        if dist is None:
            dist = self.partners.solution_provider()
            fund(self.cli, dist.domain_id, "100000")
        cust = self.customers.create(dist, cooperation_type="1" if referral else None)
        if referral:
            self.referrals.add(cust.domain_id)
        if cash:
            if referral:
                self.cli("admin", "customer", "top-up", "--customer-id", cust.domain_id, "--amount", cash, "--json")
            else:
                grant(dist, cust.domain_id, cash)
            self.wallets[cust.domain_id].cash += D(cash)
        return dist, cust, self.customers.principal(cust)

    def coupon(self, dist: Principal, customer_id: str, face: str, expires: str,
               services: Optional[list] = None) -> str:
        quota = self.cli("admin", "quota", "grant", "--domain-id", dist.domain_id, "--amount", face,
                         "--expires", "2027-12-31", "--json")["quota_id"]
        kw = {"expire_time": expires}
        if services:
            kw["cloud_service_types"] = services
        resp = dist.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
            quota_id=quota, customer_ids=[customer_id], face_value=D(face), **kw)))
        assert not resp.error_details and len(resp.coupon_infos) == 1, resp
        cid = resp.coupon_infos[0].coupon_id
        self.wallets[customer_id].coupons.append(
            Coupon(cid, D(face), parse_utc(expires), set(services) if services else None))
        return cid

    def discount(self, customer_id: str, service: str, rate: str, effective: str, expires: str):
        self.cli("admin", "discount", "set", "--customer-id", customer_id, "--service-type", service,
                 "--rate", rate, "--effective", effective, "--expires", expires, "--json")
        # an expiry given as a date ends with that (UTC) day
        until = parse_utc(expires + "T23:59:59Z") + dt.timedelta(seconds=1) if len(expires) == 10 else parse_utc(expires)
        self.discounts.append((customer_id, service, frac(rate), parse_utc(effective), until))

    def rate(self, customer_id: str, service: str, at: dt.datetime) -> Fraction:
        live = [r for c, s, r, eff, exp in self.discounts if c == customer_id and s == service and eff <= at < exp]
        return min(live) if live else Fraction(1)

    # --- packages
    def grant_args(self, customer_id: str, resource_type: str, usage_type: str, amount: str, measure: int,
                   expires: str, region: Optional[str] = None, effective: Optional[str] = None,
                   name: Optional[str] = None) -> list[str]:
        args = ["admin", "package", "grant", "--customer-id", customer_id, "--resource-type", resource_type,
                "--usage-type", usage_type, f"--amount={amount}", f"--measure-id={measure}", "--expires", expires]
        if region is not None:
            args += ["--region", region]
        if effective is not None:
            args += ["--effective", effective]
        if name is not None:
            args += ["--name", name]
        return args

    def grant_package(self, customer_id: str, resource_type: str, usage_type: str, amount: str, measure: int,
                      expires: str, region: Optional[str] = None, effective: Optional[str] = None,
                      name: Optional[str] = None) -> Package:
        lo = self.now()
        out = self.cli(*self.grant_args(customer_id, resource_type, usage_type, amount, measure, expires,
                                        region, effective, name), "--json")
        for key in ("product_id", "free_resource_id", "order_instance_id"):
            assert isinstance(out.get(key), str) and out[key], (key, out)
        return self._track(out, customer_id, resource_type, usage_type, amount, measure, expires, region,
                           effective or utc(lo), name)

    def grant_package_http(self, customer_id: str, resource_type: str, usage_type: str, amount: str,
                           measure: int, expires: str, region: Optional[str] = None,
                           effective: Optional[str] = None, name: Optional[str] = None) -> Package:
        body = {"customer_id": customer_id, "resource_type": resource_type, "usage_type": usage_type,
                "amount": json.loads(amount), "measure_id": measure, "expire_time": expires}
        for k, v in (("region", region), ("effective_time", effective), ("name", name)):
            if v is not None:
                body[k] = v
        out = ok(self.op("POST", OPERATOR_PACKAGES, body), 201)
        for key in ("product_id", "free_resource_id", "order_instance_id"):
            assert isinstance(out.get(key), str) and out[key], (key, out)
        return self._track(out, customer_id, resource_type, usage_type, amount, measure, expires, region,
                           effective, name)

    def _track(self, out, customer_id, resource_type, usage_type, amount, measure, expires, region,
               effective, name) -> Package:
        pkg = Package(out, customer_id, resource_type, usage_type, frac(amount), measure, region,
                      parse_utc(effective), parse_utc(expires), name, remaining=frac(amount))
        self.packages[customer_id].append(pkg)
        return pkg

    def op(self, method: str, path: str, body: Any = None) -> requests.Response:
        return sign_and_send(self.srv.base_url, method, path, self.operator["access_key"],
                             self.operator["secret_key"], body=body)

    # --- usage
    def usage(self, customer_id: str, kind: str, value: Any, measure: int, begin: str, hours: int = 1,
              usage_type: str = "Duration", region: str = REGION, **extra) -> dict:
        self._n += 1
        service, rtype, spec = SPEC[kind]
        rid = f"pk-{uuid.uuid4().hex[:10]}-{self._n}"
        r = {"record_id": rid, "customer_id": customer_id, "resource_id": extra.pop("resource_id", f"res-{rid}"),
             "cloud_service_type": service, "resource_type": rtype, "resource_spec": spec, "region": region,
             "usage_type": usage_type, "usage_value": D(str(value)), "usage_measure_id": measure,
             "begin_time": begin, "end_time": utc(parse_utc(begin) + dt.timedelta(hours=hours))}
        r.update(extra)
        return r

    def import_usage(self, records: list[dict]) -> list[UsageFee]:
        path = self.tmp / f"usage-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("".join(dumps(r) + "\n" for r in records))
        lo = self.now()
        out = self.cli("admin", "usage", "import", str(path), "--json")
        hi = self.now()
        assert out == {"imported": len(records), "duplicates": 0, "rejected": 0, "fee_records": len(records)}, out
        return [self._rate(r, lo, hi) for r in records]

    def _rate(self, r: dict, lo: dt.datetime, hi: dt.datetime) -> UsageFee:
        """Packages first (soonest expiring), then the rest is priced and paid."""
        begin = parse_utc(r["begin_time"])
        total = frac(r["usage_value"])
        left = total
        fitting = [p for p in self.packages[r["customer_id"]]
                   if p.resource_type == r["resource_type"] and p.usage_type.lower() == r["usage_type"].lower()
                   and (p.region is None or p.region == r["region"]) and p.effective <= begin < p.expires]
        for p in sorted(fitting, key=lambda p: p.expires):
            if left == 0:
                break
            if p.remaining == 0:
                continue
            f = self.book.factor(r["usage_measure_id"], p.measure)
            take = min(left * f, p.remaining)
            before = p.remaining
            p.remaining -= take
            left -= take / f
            p.deductions.append({"record": r, "available": before, "used": take, "remaining": p.remaining,
                                 "lo": lo, "hi": hi})
        raw = self.book.usage_price(r, left)
        official = trunc(raw, 8)
        consume = trunc(raw, 2)
        paid = self.wallets[r["customer_id"]].pay(r["cloud_service_type"], consume, lo)
        fee = UsageFee(r, total - left, official, consume, paid, lo, hi)
        self.fees[r["customer_id"]].append(fee)
        return fee

    # --- subscriptions
    def provision(self, customer_id: str, product: str, period_type: int = 2, period_num: int = 1,
                  size: Optional[int] = None, parent: Optional[Sub] = None,
                  effective: Optional[str] = None) -> Sub:
        service, rtype, spec = SPEC[product]
        if size is None and product in SIZE_UNIT:
            size = 40
        args = ["admin", "resource", "provision", "--customer-id", customer_id, "--service-type", service,
                "--resource-type", rtype, "--spec", spec, "--region", REGION,
                f"--period-type={period_type}", f"--period-num={period_num}"]
        if size is not None:
            args.append(f"--size={size}")
        if parent is not None:
            args.append(f"--parent={parent.resource_id}")
        lo = self.now()
        effective = effective or utc(lo)
        args += ["--effective", effective]
        out = self.cli(*args, "--json")
        hi = self.now()
        assert out["effective_time"] == effective, out
        sub = Sub(out["resource_id"], product, size, parse_utc(effective), out["expire_time"], period_type,
                  parent=parent.resource_id if parent else None, main=parent)
        if parent is not None:
            parent.attached.append(sub)
            assert out["expire_time"] == parent.expires, out
        else:
            assert out["expire_time"] == expiry_after(parse_utc(effective), period_type, period_num), out
        self.subs[sub.resource_id] = sub
        self._charge(customer_id, sub, 1, period_type, period_num, lo, hi, sub.effective, parse_utc(sub.expires))
        return sub

    def _official(self, sub: Sub, period_type: int, period_num: int) -> Fraction:
        return self.book.period_price(sub.product, period_type, sub.size) * period_num

    def order_discount(self, customer_id: str, subs: list, period_type: int, period_num: int,
                       at: dt.datetime) -> Optional[str]:
        """The one discount an order carries: a referral customer's, the service's whose rate
        saves most on the order's lines (None when none saves anything)."""
        if customer_id not in self.referrals:
            return None
        saving = defaultdict(Fraction)
        for sub in subs:
            service = SPEC[sub.product][0]
            official = self._official(sub, period_type, period_num)
            saving[service] += official - frac(round2(official * self.rate(customer_id, service, at)))
        best = max(saving.items(), key=lambda kv: kv[1], default=(None, 0))
        return best[0] if best[1] > 0 else None

    def _charge(self, customer_id: str, sub: Sub, kind: int, period_type: int, period_num: int,
                lo: dt.datetime, hi: dt.datetime, begin: dt.datetime, end: dt.datetime,
                discounted: Optional[str] = "own") -> Charge:
        service = SPEC[sub.product][0]
        official_f = self._official(sub, period_type, period_num)
        official = trunc(official_f, 2)
        assert official == official_f, "period prices have two decimals"
        if discounted == "own":
            discounted = self.order_discount(customer_id, [sub], period_type, period_num, lo)
        rate = self.rate(customer_id, service, lo) if discounted == service else Fraction(1)
        assert discounted != service or rate == self.rate(customer_id, service, hi)
        due = round2(official_f * rate)
        sub.paid += due
        paid, uses = self.wallets[customer_id].pay_order(service, due, lo)
        ch = Charge(kind, sub.resource_id, sub.product, official, due, paid, lo, hi, begin, end, uses)
        self.charges[customer_id].append(ch)
        sub.periods.append(ch)
        return ch

    def renew(self, customer_id: str, main: Sub, period_type: Optional[int] = None,
              period_num: Optional[int] = None, http: bool = False) -> dict:
        pt = period_type or main.period_type
        pn = period_num or 1
        lo = self.now()
        if http:
            body = {}
            if period_type is not None:
                body["period_type"] = period_type
            if period_num is not None:
                body["period_num"] = period_num
            out = ok(self.op("POST", f"/operator/v1/resources/{main.resource_id}/renew", body))
        else:
            args = ["admin", "resource", "renew", "--resource-id", main.resource_id]
            if period_type is not None:
                args.append(f"--period-type={period_type}")
            if period_num is not None:
                args.append(f"--period-num={period_num}")
            out = self.cli(*args, "--json")
        hi = self.now()
        # from the current expiry, even when it has passed (the grace days are paid for)
        start = parse_utc(main.expires)
        want = expiry_after(start, pt, pn)
        assert out["expire_time"] == want, (out, want)
        chosen = self.order_discount(customer_id, [main] + main.attached, pt, pn, lo)
        for sub in [main] + main.attached:
            sub.expires = want
            self._charge(customer_id, sub, 2, pt, pn, lo, hi, start, parse_utc(want), discounted=chosen)
        return out

    def unsubscribe(self, customer_id: str, main: Sub, http: bool = False) -> dict:
        lo = self.now()
        if http:
            out = ok(self.op("POST", f"/operator/v1/resources/{main.resource_id}/unsubscribe"))
        else:
            out = self.cli("admin", "resource", "unsubscribe", "--resource-id", main.resource_id, "--json")
        hi = self.now()
        subs = [main] + main.attached
        assert sorted(out["resource_ids"]) == sorted(s.resource_id for s in subs), out
        assert out["resource_ids"][0] == main.resource_id, out
        total = dec(out["refund"])
        assert out["order_id"].startswith("CS"), out
        # The clock runs on during the call: the refund lies between its values at both ends.
        worst = sum((sum(refund_at(s, hi + dt.timedelta(seconds=1))) for s in subs), D(0))
        best = sum((sum(refund_at(s, lo)) for s in subs), D(0))
        assert worst <= total <= best, (out, worst, best)
        return {"out": out, "lo": lo, "hi": hi, "total": total}

    def refunds_from_records(self, customer_id: str, done: dict, partner: Principal):
        """Bind each resource's bill-type-4 record to the model, checking it against the window."""
        subs = [self.subs[r] for r in done["out"]["resource_ids"]]
        recs = partner_records(partner, beijing_month(done["lo"]), customer_id=customer_id, bill_detail_type=4)
        got = {r["resource_id"]: r for r in recs if r["resource_id"] in {s.resource_id for s in subs}}
        assert set(got) == {s.resource_id for s in subs}, recs
        total = D(0)
        for s in subs:
            r = got[s.resource_id]
            amount = -dec(r["payment_amount"])
            cash, coupons = -dec(r["cash_amount"]), -dec(r["coupon_amount"])
            (worst_cash, worst_coupons) = refund_at(s, done["hi"] + dt.timedelta(seconds=1))
            (best_cash, best_coupons) = refund_at(s, done["lo"])
            assert worst_cash <= cash <= best_cash and worst_coupons <= coupons <= best_coupons, (s, r)
            assert amount == cash + coupons and dec(r["debt_amount"]) == 0, r
            t = parse_utc(r["trade_time"])
            assert done["lo"] <= t <= done["hi"], r
            total += amount
            uses = [u for ch in s.periods for u in ch.uses if ch.begin > t]
            paid = self.wallets[customer_id].refund(cash, coupons, uses)
            self.charges[customer_id].append(Charge(4, s.resource_id, s.product, -amount, -amount, paid,
                                                    done["lo"], done["hi"]))
        assert total == done["total"], (total, done["out"])


FIVE_DAYS = dt.timedelta(days=5)


def refund_at(sub: Sub, now: dt.datetime) -> tuple[Decimal, Decimal]:
    """(cash, coupons) an unsubscription at `now` returns for one resource, by the order
    rules: within five days of the purchase everything paid in money comes back; otherwise
    the period in effect returns its unused share of the cash (to the fen, truncated) and a
    period not begun returns in full; coupons come back only with a period not begun."""
    main = sub.main or sub
    five_day = now - main.effective < FIVE_DAYS
    cash = coupons = D(0)
    for ch in sub.periods:
        if five_day or ch.begin > now:
            cash += ch.paid["cash"]
        elif ch.end > now:
            share = Fraction(int((ch.end - now).total_seconds() * 1000), int((ch.end - ch.begin).total_seconds() * 1000))
            cash += trunc(frac(ch.paid["cash"]) * share, 2)
        if ch.begin > now:
            coupons += ch.paid["coupon"]
    return cash, coupons


def partner_records(partner, cycle: str, **filters) -> list[dict]:
    return all_pages(partner, RES_FEE_RECORDS, "fee_records", bill_cycle=cycle, **filters)


def customer_records(principal, cycle: str, **filters) -> list[dict]:
    return all_pages(principal, FEE_RECORDS, "records", bill_cycle=cycle, **filters)


def list_packages(principal, **body) -> dict:
    return ok(principal.signed("POST", PACKAGES, body))


def packages_of(principal, **body) -> dict[str, dict]:
    """Every package the caller sees (following offset/limit), by free_resource_id."""
    out, offset = {}, 0
    while True:
        page = list_packages(principal, offset=offset, limit=1000, **body)
        for p in page["free_resource_packages"]:
            assert len(p["free_resources"]) == 1, p
            out[p["free_resources"][0]["free_resource_id"]] = p
        offset += len(page["free_resource_packages"])
        if not page["free_resource_packages"] or offset >= page["total_count"]:
            assert len(out) == page["total_count"], (len(out), page)
            return out


def usage_records(principal, begin: str, end: str, **filters) -> list[dict]:
    return all_pages(principal, PACKAGE_USAGE, "free_resource_records", deduct_time_begin=begin,
                     deduct_time_end=end, **filters)


def balance(principal) -> tuple[Decimal, Decimal, Decimal]:
    """(cash, coupons, arrears) from ShowCustomerAccountBalances."""
    resp = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    by_type = {b.account_type: dec(b.amount) for b in resp.account_balances or []}
    return by_type.get(1, D(0)), by_type.get(5, D(0)), dec(resp.debt_amount)


def expect_balance(w: World, principal, customer_id: str):
    wallet = w.wallets[customer_id]
    now = w.now()
    coupons = sum((c.balance for c in wallet.coupons if now < c.expires), D(0))
    assert balance(principal) == (wallet.cash, coupons, wallet.debt), wallet


@pytest.fixture(scope="module")
def world(start_server, binary, tmp_path_factory):
    srv = start_server("packages", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    book = PriceBook(json.loads(cli("admin", "catalog", "export")))
    w = World(srv, cli, partners, CustomerFactory(partners), book, tmp_path_factory.mktemp("pkg"))
    w.operator = cli("admin", "key", "create", "--operator", "--json")
    yield w
    cli("admin", "clock", "reset", "--json")


# ----------------------------------------------------------------------------- package expectations

def expect_package(got: dict, pkg: Package, book: PriceBook, now: dt.datetime):
    assert got["order_instance_id"] == pkg.grant["order_instance_id"], got
    assert got["order_id"] == "", got
    assert got["product_id"] == pkg.product
    if pkg.name is not None:
        assert got["product_name"] == pkg.name
    else:
        assert isinstance(got["product_name"], str) and got["product_name"]
    assert got["effective_time"] == utc(pkg.effective), got
    assert got["expire_time"] == utc(pkg.expires), got
    assert got["status"] == pkg.status(now), (got, pkg.remaining)
    service = {VM: EC2, VOLUME: EBS, OBS_RT: OBS, IP: VPC, BANDWIDTH: VPC}[pkg.resource_type]
    assert got["service_type_code"] == service, got
    if pkg.region:
        assert got["region_code"] == pkg.region, got
    else:
        assert got.get("region_code") in ("", None), got
    assert (got["source_type"], got["bundle_type"], got["quota_reuse_mode"]) == (1, "ATOMIC_PKG", 2), got
    [item] = got["free_resources"]
    assert item["free_resource_id"] == pkg.item
    assert isinstance(item["usage_type_name"], str) and item["usage_type_name"], item
    assert quantity(item["amount"]) == Decimal(pkg.remaining.numerator) / Decimal(pkg.remaining.denominator), (item, pkg.remaining)
    assert quantity(item["original_amount"]) == Decimal(pkg.original.numerator) / Decimal(pkg.original.denominator)
    assert item["measure_id"] == pkg.measure


def fdec(x: Fraction) -> Decimal:
    """An exact Fraction with a finite decimal expansion, as a Decimal."""
    d = Decimal(x.numerator) / Decimal(x.denominator)
    assert Fraction(str(d)) == x, f"{x} has no short decimal form"
    return d


def expect_packages(w: World, principal, customer_id: str):
    now = w.now()
    got = packages_of(principal)
    want = {p.item: p for p in w.packages[customer_id]}
    assert set(got) == set(want), (sorted(got), sorted(want))
    for item, p in want.items():
        expect_package(got[item], p, w.book, now)


def expect_usage_records(w: World, principal, customer_id: str):
    """Every deduction listed once, with the right quantities, and remaining = original − Σ used."""
    now = w.now()
    lo_day = (beijing_day(now) - dt.timedelta(days=90)).isoformat()
    recs = usage_records(principal, lo_day, beijing_day(now).isoformat())
    want = [(p, d) for p in w.packages[customer_id] for d in p.deductions]
    assert len(recs) == len(want), (recs, want)
    pending = list(want)
    for g in recs:
        match = [(p, d) for p, d in pending
                 if g["free_resource_id"] == p.item and g["resource_id"] == d["record"]["resource_id"]
                 and g["effective_time"] == d["record"]["begin_time"]]
        assert len(match) == 1, (g, match)
        p, d = match[0]
        pending.remove(match[0])
        r = d["record"]
        assert d["lo"] <= parse_utc(g["deduct_time"]) <= d["hi"], (g, d)
        assert g["expire_time"] == r["end_time"], g
        assert g["resource_type_code"] == r["resource_type"], g
        assert g["product_id"] == p.product, g
        if p.name is not None:
            assert g["product_name"] == p.name, g
        assert g["usage_type_code"] == p.usage_type, g
        assert g["measure_id"] == p.measure, g
        a, u, rem = quantity(g["available_amount"]), quantity(g["used_amount"]), quantity(g["remaining_amount"])
        assert (a, u, rem) == (fdec(d["available"]), fdec(d["used"]), fdec(d["remaining"])), g
        assert a - u == rem, g
    for p in w.packages[customer_id]:
        used = sum((quantity(g["used_amount"]) for g in recs if g["free_resource_id"] == p.item), D(0))
        assert fdec(p.original) - used == fdec(p.remaining), (p.item, used)
    return recs


def expect_usage_fee_details(w: World, partner, customer_id: str, cycle: str):
    """ListSubCustomerBillDetail: the covered usage and what was charged for the rest."""
    recs = [r for r in partner_records(partner, cycle, customer_id=customer_id) if r["charging_mode"] == 3]
    fees = [f for f in w.fees[customer_id] if beijing_month(parse_utc(f.record["begin_time"])) == cycle]
    by_key = {(f.record["resource_id"], f.record["begin_time"]): f for f in fees}
    assert sorted((r["resource_id"], r["consume_time"]) for r in recs) == sorted(by_key), recs
    for g in recs:
        f = by_key[(g["resource_id"], g["consume_time"])]
        r = f.record
        assert g["bill_detail_type"] == 5, g
        assert dec(g["usage_amount"]) == r["usage_value"] and g["usage_measure_id"] == r["usage_measure_id"], g
        # (whether an uncovered record spells out a zero is checked on its own below)
        assert dec(g.get("free_resource_usage") or 0) == fdec(f.covered), (g, f.covered)
        if f.covered:
            assert g["free_resource_measure_id"] == r["usage_measure_id"], g
        got = {k: dec(g[k]) for k in ("official_amount", "payment_amount", "cash_amount", "coupon_amount",
                                      "debt_amount")}
        assert got == {"official_amount": f.official, "payment_amount": f.consume, "cash_amount": f.paid["cash"],
                       "coupon_amount": f.paid["coupon"], "debt_amount": f.paid["debt"]}, (r, g)
        check_split(g, "payment_amount")
    return recs


# ============================================================================= packages

def test_granted_package_is_listed_with_every_field(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer()
    c = cust.domain_id
    vm = w.grant_package(c, VM, "Duration", "10", 4, "2026-08-01T00:00:00Z", region=REGION,
                         effective="2026-05-01T00:00:00Z", name="ECS 10 h")
    # default start is now; no name and no region
    lo = w.now()
    out = w.cli(*w.grant_args(c, OBS_RT, "downflow", "50.5", 10, "2026-09-01T00:00:00Z"), "--json")
    hi = w.now()
    obs = w._track(out, c, OBS_RT, "downflow", "50.5", 10, "2026-09-01T00:00:00Z", None, utc(lo), None)
    got = packages_of(me)
    assert set(got) == {vm.item, obs.item}
    expect_package(got[vm.item], vm, w.book, w.now())
    g = got[obs.item]
    assert lo <= parse_utc(g["effective_time"]) <= hi, g
    obs.effective = parse_utc(g["effective_time"])
    expect_package(g, obs, w.book, w.now())
    # an expiry given as a date is a time on that date
    dated = w.grant_package(c, VOLUME, "Duration", "3", 4, "2026-10-31T23:59:59Z",
                            effective="2026-05-01T00:00:00Z")
    out = w.cli(*w.grant_args(c, VOLUME, "Duration", "3", 4, "2026-10-31", effective="2026-05-01"), "--json")
    got = packages_of(me)
    assert got[out["free_resource_id"]]["expire_time"].startswith("2026-10-31T"), got[out["free_resource_id"]]
    assert got[out["free_resource_id"]]["effective_time"] == "2026-05-01T00:00:00Z"
    assert got[dated.item]["expire_time"] == "2026-10-31T23:59:59Z"
    # every grant is a package of its own
    ids = [p["order_instance_id"] for p in got.values()]
    assert len(set(ids)) == len(ids) == 4


def test_package_listing_through_the_sdk(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    _, cust, me = w.customer()
    pkg = w.grant_package(cust.domain_id, VM, "Duration", "12.5", 4, "2026-07-01T00:00:00Z",
                          effective="2026-05-01T00:00:00Z", name="sdk package")
    resp = me.client.list_free_resource_infos(ListFreeResourceInfosRequest(body=ListFreeResourceInfosReq()))
    assert resp.total_count == 1 and len(resp.free_resource_packages) == 1
    p = resp.free_resource_packages[0]
    assert p.product_id == pkg.product and p.product_name == "sdk package" and p.status == 1
    assert p.order_instance_id == pkg.grant["order_instance_id"] and p.order_id == ""
    assert D(p.free_resources[0].amount) == D("12.5") == D(p.free_resources[0].original_amount)
    assert p.free_resources[0].measure_id == 4
    resp = me.client.list_free_resource_infos(ListFreeResourceInfosRequest(
        body=ListFreeResourceInfosReq(status=3)))
    assert resp.total_count == 0 and resp.free_resource_packages == []


def test_partial_and_full_cover_in_minutes_and_hours(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer(cash="10")
    c = cust.domain_id
    pkg = w.grant_package(c, VM, "Duration", "5", 4, "2026-06-30T00:00:00Z", region=REGION,
                          effective="2026-05-01T00:00:00Z", name="ECS 5 h")
    # 90 minutes: 1.5 h of 5 covered, nothing to pay
    [f1] = w.import_usage([w.usage(c, "small", 90, 5, "2026-05-09T01:00:00Z", hours=2)])
    assert f1.covered == 90 and f1.consume == 0 and pkg.remaining == Fraction(7, 2)
    expect_packages(w, me, c)
    # 2 h: covered, 1.5 h left
    [f2] = w.import_usage([w.usage(c, "small", 2, 4, "2026-05-09T03:00:00Z", hours=2)])
    assert f2.consume == 0 and pkg.remaining == Fraction(3, 2)
    # 3 h: 1.5 h covered, 1.5 h at 0.22 = 0.33
    [f3] = w.import_usage([w.usage(c, "small", 3, 4, "2026-05-09T06:00:00Z", hours=3)])
    assert f3.covered == Fraction(3, 2) and f3.official == D("0.33") and f3.paid["cash"] == D("0.33")
    assert pkg.remaining == 0
    # used up: the next hour is paid in full
    [f4] = w.import_usage([w.usage(c, "small", 1, 4, "2026-05-09T10:00:00Z")])
    assert f4.covered == 0 and f4.consume == D("0.22")
    expect_packages(w, me, c)
    got = packages_of(me)[pkg.item]
    assert got["status"] == 2 and quantity(got["free_resources"][0]["amount"]) == 0
    assert quantity(got["free_resources"][0]["original_amount"]) == 5
    expect_usage_records(w, me, c)
    expect_usage_fee_details(w, dist, c, "2026-05")
    # fully covered records cost nothing and are hidden unless asked for
    shown = customer_records(me, "2026-05")
    assert sorted(r["consume_time"] for r in shown) == ["2026-05-09T06:00:00Z", "2026-05-09T10:00:00Z"], shown
    every = customer_records(me, "2026-05", include_zero_record="true")
    assert len(every) == 4
    zero = [r for r in every if r["consume_time"] in ("2026-05-09T01:00:00Z", "2026-05-09T03:00:00Z")]
    assert len(zero) == 2 and all(dec(r["consume_amount"]) == 0 and dec(r["official_amount"]) == 0 for r in zero)
    expect_balance(w, me, c)
    assert balance(me)[0] == D("9.45")
    verify_ledger(w.cli)


def test_two_packages_soonest_expiring_first(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer(cash="5")
    c = cust.domain_id
    late = w.grant_package(c, VM, "Duration", "4", 4, "2026-08-01T00:00:00Z", region=REGION,
                           effective="2026-05-01T00:00:00Z", name="late")
    soon = w.grant_package(c, VM, "Duration", "3", 4, "2026-05-20T00:00:00Z",
                           effective="2026-05-01T00:00:00Z", name="soon")
    # 5 h: 3 from the package expiring first, 2 from the other
    [f1] = w.import_usage([w.usage(c, "small", 5, 4, "2026-05-09T01:00:00Z", hours=5, resource_id="vm-two")])
    assert (soon.remaining, late.remaining, f1.consume) == (0, 2, 0)
    # 3 h: the last 2 h of the late package, 1 h paid
    [f2] = w.import_usage([w.usage(c, "small", 3, 4, "2026-05-09T07:00:00Z", hours=3, resource_id="vm-two")])
    assert (late.remaining, f2.covered, f2.consume) == (0, 2, D("0.22"))
    expect_packages(w, me, c)
    recs = expect_usage_records(w, me, c)
    # one fee record, two deductions
    first = [g for g in recs if g["effective_time"] == "2026-05-09T01:00:00Z"]
    assert sorted((g["free_resource_id"], quantity(g["used_amount"])) for g in first) == sorted(
        [(soon.item, D(3)), (late.item, D(2))])
    details = expect_usage_fee_details(w, dist, c, "2026-05")
    assert sorted(dec(g["free_resource_usage"]) for g in details) == [D(2), D(5)]
    # filters of the usage records
    day = "2026-05-10"
    assert {g["free_resource_id"] for g in usage_records(me, day, day, free_resource_id=soon.item)} == {soon.item}
    assert len(usage_records(me, day, day, free_resource_id=late.item)) == 2
    assert len(usage_records(me, day, day, product_id=late.product)) == 2
    assert len(usage_records(me, day, day, resource_type_code=VM)) == 3
    assert usage_records(me, day, day, resource_type_code=VOLUME) == []
    assert usage_records(me, day, day, free_resource_id="no-such-item") == []
    assert usage_records(me, "2026-05-11", "2026-05-20") == []
    assert usage_records(me, "2026-02-10", "2026-05-09") == []
    # paging
    full = usage_records(me, day, day)
    for limit in (1, 2):
        paged = all_pages(me, PACKAGE_USAGE, "free_resource_records", limit=limit,
                          deduct_time_begin=day, deduct_time_end=day)
        assert paged == full
    page = ok(get(me, PACKAGE_USAGE, deduct_time_begin=day, deduct_time_end=day, offset=3, limit=10))
    assert page["total_count"] == 3 and page["free_resource_records"] == []
    # through the SDK
    resp = me.client.list_free_resources_usage_records(ListFreeResourcesUsageRecordsRequest(
        deduct_time_begin=day, deduct_time_end=day, limit=10))
    assert resp.total_count == 3
    assert {r.free_resource_id for r in resp.free_resource_records} == {soon.item, late.item}
    expect_balance(w, me, c)
    verify_ledger(w.cli)


def test_packages_that_do_not_fit_are_not_used(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer()
    c = cust.domain_id
    east = w.grant_package(c, VM, "Duration", "10", 4, "2027-01-01T00:00:00Z", region=EAST,
                           effective="2026-05-01T00:00:00Z", name="east")
    downflow = w.grant_package(c, OBS_RT, "downflow", "100", 10, "2027-01-01T00:00:00Z",
                               effective="2026-05-01T00:00:00Z", name="obs downflow")
    disk = w.grant_package(c, VOLUME, "Duration", "10", 4, "2027-01-01T00:00:00Z",
                           effective="2026-05-01T00:00:00Z", name="disk hours")
    expired = w.grant_package(c, VM, "Duration", "10", 4, "2026-05-01T00:00:00Z",
                              effective="2026-04-01T00:00:00Z", name="expired")
    future = w.grant_package(c, VM, "Duration", "10", 4, "2026-07-01T00:00:00Z",
                             effective="2026-06-01T00:00:00Z", name="future")
    now = w.now()
    assert [p.status(now) for p in (east, downflow, disk, expired, future)] == [1, 1, 1, 3, 0]
    expect_packages(w, me, c)
    fees = w.import_usage([
        w.usage(c, "small", 2, 4, "2026-05-09T01:00:00Z", hours=2),                   # no package fits
        w.usage(c, "small", 1, 4, "2026-05-09T04:00:00Z", region=EAST),               # the east package
        w.usage(c, "obs", 25000, 14, "2026-05-09T05:00:00Z", usage_type="reqNumber"),  # not downflow
        w.usage(c, "small", 1, 4, "2026-04-20T01:00:00Z"),                            # inside `expired`'s validity
        w.usage(c, "small", 1, 4, "2026-05-01T00:30:00Z"),                            # after it, before `future`
    ])
    assert [f.covered for f in fees] == [0, 1, 0, 1, 0]
    assert [f.consume for f in fees] == [D("0.44"), D(0), D("0.02"), D(0), D("0.22")]
    assert (east.remaining, downflow.remaining, disk.remaining, expired.remaining, future.remaining) == (9, 100, 10, 9, 10)
    expect_packages(w, me, c)
    # status filter, on the business clock
    assert set(packages_of(me, status=0)) == {future.item}
    assert set(packages_of(me, status=3)) == {expired.item}
    assert set(packages_of(me, status=1)) == {east.item, downflow.item, disk.item}
    assert packages_of(me, status=2) == {} and packages_of(me, status=4) == {}
    w.set_clock("2026-06-02T04:00:00Z")
    assert future.status(w.now()) == 1
    assert set(packages_of(me, status=1)) == {east.item, downflow.item, disk.item, future.item}
    assert packages_of(me, status=0) == {}
    [f] = w.import_usage([w.usage(c, "small", 2, 4, "2026-06-01T05:00:00Z", hours=2)])
    assert f.covered == 2 and future.remaining == 8
    expect_packages(w, me, c)
    expect_usage_records(w, me, c)
    expect_usage_fee_details(w, dist, c, "2026-05")
    expect_usage_fee_details(w, dist, c, "2026-04")
    expect_usage_fee_details(w, dist, c, "2026-06")
    expect_balance(w, me, c)
    verify_ledger(w.cli)


def test_uncovered_usage_shows_zero_package_usage(world):
    """A fee record carries the usage a package covered, zero included (as the API's example shows)."""
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer()
    c = cust.domain_id
    w.grant_package(c, VM, "Duration", "1", 4, "2026-12-01T00:00:00Z", effective="2026-05-01T00:00:00Z")
    w.import_usage([w.usage(c, "small", 1, 4, "2026-05-09T01:00:00Z"),
                    w.usage(c, "small", 1, 4, "2026-05-09T02:00:00Z")])
    recs = sorted(partner_records(dist, "2026-05", customer_id=c), key=lambda g: g["consume_time"])
    for g in recs:
        assert g.get("free_resource_usage") is not None, f"free_resource_usage missing: {g}"
    assert [dec(g["free_resource_usage"]) for g in recs] == [1, 0], recs
    assert recs[0]["free_resource_measure_id"] == 4, recs[0]
    assert isinstance(recs[1].get("free_resource_measure_id"), int), recs[1]


def test_package_without_region_covers_every_region(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer(cash="1")
    c = cust.domain_id
    anywhere = w.grant_package(c, VM, "Duration", "3", 4, "2026-12-01T00:00:00Z", effective="2026-05-01T00:00:00Z")
    fees = w.import_usage([w.usage(c, "small", 2, 4, "2026-05-09T01:00:00Z", hours=2, region=EAST),
                           w.usage(c, "small", 2, 4, "2026-05-09T03:00:00Z", hours=2)])
    assert [f.covered for f in fees] == [2, 1]
    assert fees[1].consume == D("0.22") and anywhere.remaining == 0
    expect_packages(w, me, c)
    expect_usage_records(w, me, c)
    expect_usage_fee_details(w, dist, c, "2026-05")
    expect_balance(w, me, c)


def test_conversions_between_the_package_and_the_usage_units(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer(cash="2")
    c = cust.domain_id
    # 1 x 10 000 requests; 25 000 requests used: 10 000 covered, 15 000 priced (0.015 -> 0.01)
    reqs = w.grant_package(c, OBS_RT, "reqNumber", "1", 30, "2026-12-01T00:00:00Z",
                           effective="2026-05-01T00:00:00Z", name="10k requests")
    # 90 minutes; 2 h used: 1.5 h covered, 0.5 h priced (0.11)
    minutes = w.grant_package_http(c, VM, "Duration", "90", 5, "2026-12-01T00:00:00Z",
                                   region=REGION, effective="2026-05-01T00:00:00Z", name="90 minutes")
    fees = w.import_usage([
        w.usage(c, "obs", 25000, 14, "2026-05-09T01:00:00Z", usage_type="reqNumber"),
        w.usage(c, "small", 2, 4, "2026-05-09T02:00:00Z", hours=2),
    ])
    assert fees[0].covered == 10000 and fees[0].official == D("0.015") and fees[0].consume == D("0.01")
    assert fees[1].covered == Fraction(3, 2) and fees[1].consume == D("0.11")
    assert reqs.remaining == 0 and minutes.remaining == 0
    expect_packages(w, me, c)
    recs = expect_usage_records(w, me, c)
    by_item = {g["free_resource_id"]: g for g in recs}
    assert by_item[reqs.item]["measure_id"] == 30 and quantity(by_item[reqs.item]["used_amount"]) == 1
    assert by_item[minutes.item]["measure_id"] == 5 and quantity(by_item[minutes.item]["used_amount"]) == 90
    details = {g["resource_type_code"]: g for g in expect_usage_fee_details(w, dist, c, "2026-05")}
    assert dec(details[OBS_RT]["free_resource_usage"]) == 10000 and details[OBS_RT]["free_resource_measure_id"] == 14
    assert dec(details[VM]["free_resource_usage"]) == D("1.5") and details[VM]["free_resource_measure_id"] == 4
    expect_balance(w, me, c)
    verify_ledger(w.cli)


def test_package_list_filters_and_paging(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    _, cust, me = w.customer()
    c = cust.domain_id
    tag = uuid.uuid4().hex[:6]
    a = w.grant_package(c, VM, "Duration", "1", 4, "2026-12-01T00:00:00Z", region=REGION,
                        effective="2026-05-01T00:00:00Z", name=f"alpha-{tag}-ecs")
    b = w.grant_package(c, VM, "Duration", "2", 4, "2026-12-01T00:00:00Z", region=EAST,
                        effective="2026-05-01T00:00:00Z", name=f"beta-{tag}-ecs")
    o = w.grant_package(c, OBS_RT, "capacity", "40", 10, "2026-12-01T00:00:00Z", region=REGION,
                        effective="2026-05-01T00:00:00Z", name=f"gamma-{tag}-obs")
    v = w.grant_package(c, VOLUME, "Duration", "3", 4, "2026-12-01T00:00:00Z",
                        effective="2026-05-01T00:00:00Z", name=f"delta-{tag}-evs")

    def items(**body):
        return set(packages_of(me, **body))

    assert items() == {a.item, b.item, o.item, v.item}
    assert items(region_code=REGION) == {a.item, o.item}
    assert items(region_code=EAST) == {b.item}
    assert items(region_code="ap-southeast-1") == set()
    assert items(product_id=b.product) == {b.item}
    assert items(product_id="no-such-product") == set()
    assert items(product_name="-ecs") == {a.item, b.item}
    assert items(product_name=f"gamma-{tag}") == {o.item}
    assert items(product_name="no such package") == set()
    assert items(service_type_code_list=[EC2]) == {a.item, b.item}
    assert items(service_type_code_list=[OBS, EBS]) == {o.item, v.item}
    assert items(service_type_code_list=[VPC]) == set()
    assert items(service_type_code_list=[]) == {a.item, b.item, o.item, v.item}
    assert items(service_type_code_list=[EC2] * 10) == {a.item, b.item}
    assert items(status=1, region_code=REGION, service_type_code_list=[EC2]) == {a.item}
    # granted packages were not ordered
    assert items(order_id="CS2605100000ABCDE") == set()
    # paging
    full = list_packages(me, limit=1000)
    assert full["total_count"] == 4
    seen = []
    for offset in range(4):
        page = list_packages(me, offset=offset, limit=1)
        assert page["total_count"] == 4 and len(page["free_resource_packages"]) == 1
        seen += page["free_resource_packages"]
    assert seen == full["free_resource_packages"]
    page = list_packages(me, offset=4, limit=10)
    assert page["total_count"] == 4 and page["free_resource_packages"] == []
    # the default page is 10
    for i in range(8):
        w.grant_package(c, VM, "Duration", "1", 4, "2026-12-01T00:00:00Z", effective="2026-05-01T00:00:00Z")
    page = list_packages(me)
    assert page["total_count"] == 12 and len(page["free_resource_packages"]) == 10


# ----------------------------------------------------------------------------- package errors

def test_package_grant_refuses_bad_input(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    _, cust, me = w.customer()
    c = cust.domain_id
    good = dict(resource_type=VM, usage_type="Duration", amount="5", measure=4, expires="2026-12-01T00:00:00Z")
    bad = [
        dict(good, customer_id="0" * 32),
        dict(good, resource_type="hws.resource.type.nosuch"),
        dict(good, usage_type="downflow"),            # a usage type of OBS, not of the VM
        dict(good, usage_type="nosuch"),
        dict(good, measure=999),
        dict(good, amount="0"),
        dict(good, amount="-1"),
        dict(good, amount="lots"),
        dict(good, expires="2026-05-01T00:00:00Z", effective="2026-05-01T00:00:00Z"),
        dict(good, expires="2026-04-01T00:00:00Z", effective="2026-05-01T00:00:00Z"),
        dict(good, expires="2026-13-01"),
    ]
    for case in bad:
        case = dict(case)
        cid = case.pop("customer_id", c)
        args = w.grant_args(cid, case["resource_type"], case["usage_type"], case["amount"], case["measure"],
                            case["expires"], effective=case.get("effective"))
        proc = w.cli.run(*args, "--json")
        assert proc.returncode == 1, (case, proc.returncode, proc.stdout, proc.stderr)
        assert proc.stderr.startswith("error:") and "Traceback" not in proc.stderr, proc.stderr
    assert packages_of(me) == {}
    verify_ledger(w.cli)


def test_operator_package_api_refuses_bad_input_and_other_callers(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer()
    c = cust.domain_id
    good = {"customer_id": c, "resource_type": VM, "usage_type": "Duration", "amount": 5, "measure_id": 4,
            "expire_time": "2026-12-01T00:00:00Z"}
    for body in (dict(good, customer_id="0" * 32), dict(good, resource_type="hws.resource.type.nosuch"),
                 dict(good, usage_type="downflow"), dict(good, measure_id=999), dict(good, amount=0),
                 dict(good, amount=-2), dict(good, amount="lots"), dict(good, expire_time="2026-05-01T00:00:00Z",
                                               effective_time="2026-05-02T00:00:00Z"),
                 {k: v for k, v in good.items() if k != "expire_time"},
                 {k: v for k, v in good.items() if k != "customer_id"}):
        r = w.op("POST", OPERATOR_PACKAGES, body)
        assert 400 <= r.status_code < 500 and r.json().get("error_code"), (body, r.status_code, r.text)
    for who in (dist, me):
        assert_error(who.signed("POST", OPERATOR_PACKAGES, good), 403, "CBC.0151")
    assert packages_of(me) == {}
    r = w.op("POST", OPERATOR_PACKAGES, good)
    assert r.status_code == 201, r.text
    assert set(packages_of(me)) == {r.json()["free_resource_id"]}


def test_package_apis_are_for_customers_only(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, cust, me = w.customer()
    w.grant_package(cust.domain_id, VM, "Duration", "5", 4, "2026-12-01T00:00:00Z")
    parent = w.partners.distributor()
    resl = w.partners.reseller(parent)
    sp = w.partners.solution_provider()
    for who in (dist, parent, resl, sp):
        assert_error(who.signed("POST", PACKAGES, {}), 403, "CBC.0151")
        assert_error(get(who, PACKAGE_USAGE, deduct_time_begin="2026-05-01", deduct_time_end="2026-05-10"),
                     403, "CBC.0151")
    expect_sdk_error(lambda: dist.client.list_free_resource_infos(
        ListFreeResourceInfosRequest(body=ListFreeResourceInfosReq())), 403, "CBC.0151")
    expect_sdk_error(lambda: dist.client.list_free_resources_usage_records(ListFreeResourcesUsageRecordsRequest(
        deduct_time_begin="2026-05-01", deduct_time_end="2026-05-10")), 403, "CBC.0151")


def test_customers_never_see_each_others_packages(world):
    w = world
    w.set_clock("2026-05-10T04:00:00Z")
    dist, x, px = w.customer()
    _, y, py = w.customer(dist=dist)
    _, z, pz = w.customer()
    mine = w.grant_package(x.domain_id, VM, "Duration", "5", 4, "2026-12-01T00:00:00Z",
                           effective="2026-05-01T00:00:00Z", name="x's")
    theirs = w.grant_package(y.domain_id, VM, "Duration", "5", 4, "2026-12-01T00:00:00Z",
                             effective="2026-05-01T00:00:00Z", name="y's")
    w.import_usage([w.usage(x.domain_id, "small", 1, 4, "2026-05-09T01:00:00Z"),
                    w.usage(y.domain_id, "small", 2, 4, "2026-05-09T01:00:00Z", hours=2)])
    assert set(packages_of(px)) == {mine.item}
    assert set(packages_of(py)) == {theirs.item}
    assert packages_of(pz) == {}
    # the same kind of package is the same product: filtering by it still shows only one's own
    assert set(packages_of(px, product_id=theirs.product)) <= {mine.item}
    day = "2026-05-10"
    assert {g["free_resource_id"] for g in usage_records(px, day, day)} == {mine.item}
    assert usage_records(px, day, day, free_resource_id=theirs.item) == []
    assert {g["free_resource_id"] for g in usage_records(px, day, day, product_id=theirs.product)} <= {mine.item}
    assert usage_records(pz, day, day) == []
    assert (mine.remaining, theirs.remaining) == (4, 3)
    expect_packages(w, px, x.domain_id)
    expect_packages(w, py, y.domain_id)


PACKAGES_BAD = [
    {"status": 5}, {"status": -1}, {"limit": 0}, {"limit": 1001}, {"offset": -1},
    {"service_type_code_list": [EC2] * 11},
]


@pytest.mark.parametrize("body", PACKAGES_BAD, ids=lambda b: json.dumps(b)[:60])
def test_package_list_parameter_errors(world, body):
    w = world
    _, _, me = w.customer()
    assert_error(me.signed("POST", PACKAGES, body), 400, "CBC.0100")


USAGE_BAD = [
    {}, {"deduct_time_begin": "2026-05-01"}, {"deduct_time_end": "2026-05-01"},
    {"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-07-31"},   # 91 days
    {"deduct_time_begin": "2026/05/01", "deduct_time_end": "2026-05-02"},
    {"deduct_time_begin": "2026-05-01", "deduct_time_end": "20260502"},
    {"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-02-30"},
    {"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-05-02", "limit": "0"},
    {"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-05-02", "limit": "1001"},
    {"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-05-02", "offset": "-1"},
]


@pytest.mark.parametrize("query", USAGE_BAD, ids=lambda q: json.dumps(q)[:80])
def test_package_usage_parameter_errors(world, query):
    w = world
    _, _, me = w.customer()
    assert_error(me.signed("GET", PACKAGE_USAGE, query=query), 400, "CBC.0100")


def test_package_usage_limits_at_the_edges(world):
    w = world
    _, _, me = w.customer()
    # exactly 90 days, limits 1 and 1000
    for q in ({"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-07-30"},
              {"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-05-01", "limit": "1"},
              {"deduct_time_begin": "2026-05-01", "deduct_time_end": "2026-05-01", "limit": "1000"}):
        page = ok(me.signed("GET", PACKAGE_USAGE, query=q))
        assert page["total_count"] == 0 and page["free_resource_records"] == []
    for body in ({"limit": 1}, {"limit": 1000}, {"status": 0}, {"status": 4}):
        assert list_packages(me, **body)["total_count"] == 0


# ============================================================================= subscriptions

def expect_charge_record(got: dict, ch: Charge, customer_id: str):
    """A ListCustomerBillsFeeRecords record against a charge of the model."""
    assert got["customer_id"] == customer_id
    assert got["bill_type"] == ch.kind and got["charging_mode"] == 1, got
    assert got["service_type_code"] == ch.service and got["resource_type_code"] == ch.resource_type, got
    assert got["region_code"] == REGION, got
    assert ch.lo <= parse_utc(got["trade_time"]) <= ch.hi, (got, ch)
    assert got["bill_cycle"] == beijing_month(parse_utc(got["trade_time"])), got
    amounts = {k: dec(got[k]) for k in ("official_amount", "consume_amount", "cash_amount", "coupon_amount",
                                        "debt_amount", "credit_amount")}
    assert amounts == {"official_amount": ch.official, "consume_amount": ch.consume, "cash_amount": ch.paid["cash"],
                       "coupon_amount": ch.paid["coupon"], "debt_amount": ch.paid["debt"],
                       "credit_amount": D(0)}, (got, ch)
    check_split(got)
    if ch.kind != 4:
        assert dec(got["official_amount"]) == (dec(got["official_discount_amount"]) + dec(got["erase_amount"])
                                               + dec(got["consume_amount"])), got
        assert got["status"] == (2 if ch.paid["debt"] > 0 else 1), got


def expect_charge_detail(got: dict, ch: Charge, partner: Principal):
    assert got["resource_id"] == ch.resource_id, got
    assert got["bill_detail_type"] == ch.kind and got["charging_mode"] == 1, got
    assert got["service_type_code"] == ch.service and got["resource_type_code"] == ch.resource_type, got
    assert ch.lo <= parse_utc(got["trade_time"]) <= ch.hi, (got, ch)
    assert got["partner_id"] == partner.domain_id, got
    amounts = {k: dec(got[k]) for k in ("official_amount", "payment_amount", "cash_amount", "coupon_amount",
                                        "debt_amount")}
    assert amounts == {"official_amount": ch.official, "payment_amount": ch.consume, "cash_amount": ch.paid["cash"],
                       "coupon_amount": ch.paid["coupon"], "debt_amount": ch.paid["debt"]}, (got, ch)
    check_split(got, "payment_amount")


def expect_charges(w: World, me, partner, customer_id: str, cycle: str):
    """The month's subscription charges, in both record APIs."""
    want = [ch for ch in w.charges[customer_id] if beijing_month(ch.lo) == cycle]
    assert all(beijing_month(ch.hi) == cycle for ch in want)
    details = [g for g in partner_records(partner, cycle, customer_id=customer_id) if g["charging_mode"] == 1]
    assert len(details) == len(want), (details, want)
    pending = list(want)
    for g in sorted(details, key=lambda g: g["trade_time"]):
        match = [ch for ch in pending if ch.resource_id == g["resource_id"] and ch.kind == g["bill_detail_type"]
                 and dec(g["payment_amount"]) == ch.consume]
        assert match, (g, pending)
        expect_charge_detail(g, match[0], partner)
        pending.remove(match[0])
    recs = [g for g in customer_records(me, cycle, include_zero_record="true", charging_mode=1)]
    assert len(recs) == len(want), (recs, want)
    pending = list(want)
    for g in recs:
        match = [ch for ch in pending if ch.kind == g["bill_type"] and ch.resource_type == g["resource_type_code"]
                 and dec(g["consume_amount"]) == ch.consume and dec(g["cash_amount"]) == ch.paid["cash"]
                 and dec(g["debt_amount"]) == ch.paid["debt"]]
        assert match, (g, pending)
        expect_charge_record(g, match[0], customer_id)
        pending.remove(match[0])


def resources(partner, customer_id: str) -> dict[str, dict]:
    body = ok(partner.signed("POST", RESOURCE_LIST, {"customer_id": customer_id, "limit": 100,
                                                     "status_list": [2, 3, 4, 5]}))
    return {d["resource_id"]: d for d in body.get("data") or []}


def test_purchase_renew_and_unsubscribe_with_cash(world):
    w = world
    w.set_clock("2026-08-10T04:00:00Z")
    dist, cust, me = w.customer(cash="200")
    c = cust.domain_id
    vm = w.provision(c, "small")
    [buy] = w.charges[c]
    assert (buy.kind, buy.official, buy.consume, buy.paid["cash"]) == (1, D("28.20"), D("28.20"), D("28.20"))
    expect_balance(w, me, c)
    assert vm.expires == "2026-09-10T15:59:59Z"
    out = w.renew(c, vm, period_num=2)
    assert out["expire_time"] == "2026-11-10T15:59:59Z"
    assert w.charges[c][-1].consume == D("56.40") and w.charges[c][-1].kind == 2
    expect_balance(w, me, c)
    assert balance(me)[0] == D("115.40")
    listed = resources(dist, c)[vm.resource_id]
    assert listed["expire_time"] == "2026-11-10T15:59:59Z" and listed["status"] == 2
    w.advance("10d")
    done = w.unsubscribe(c, vm)
    w.refunds_from_records(c, done, dist)
    # 84.60 for 10 Aug .. 10 Nov, unsubscribed 10 days in
    assert D("74") < done["total"] < D("76"), done
    expect_balance(w, me, c)
    assert resources(dist, c)[vm.resource_id]["status"] == 3
    expect_charges(w, me, dist, c, "2026-08")
    # closed: neither renewed nor unsubscribed again
    for args in (["renew", "--resource-id", vm.resource_id], ["unsubscribe", "--resource-id", vm.resource_id]):
        proc = w.cli.run("admin", "resource", *args, "--json")
        assert proc.returncode == 1 and proc.stderr.startswith("error:"), proc
    expect_balance(w, me, c)
    verify_ledger(w.cli)


def test_subscriptions_paid_with_coupons_refunded_to_cash(world):
    w = world
    w.set_clock("2026-08-10T04:00:00Z")
    dist, cust, me = w.customer(cash="60")
    c = cust.domain_id
    ecs = w.coupon(dist, c, "50", "2026-12-31T00:00:00Z", [EC2])
    evs = w.coupon(dist, c, "5", "2026-09-30T00:00:00Z", [EBS])
    vm = w.provision(c, "small")
    disk = w.provision(c, "SAS", size=40, parent=vm)
    assert [(ch.consume, ch.paid["coupon"], ch.paid["cash"]) for ch in w.charges[c]] == [
        (D("28.20"), D("28.20"), D(0)), (D("14.00"), D(5), D(9))]
    w.renew(c, vm)
    assert disk.expires == vm.expires
    assert sorted((ch.consume, ch.paid["coupon"], ch.paid["cash"]) for ch in w.charges[c][2:]) == [
        (D("14.00"), D(0), D("14.00")), (D("28.20"), D("21.80"), D("6.40"))]
    expect_balance(w, me, c)
    assert balance(me) == (D("30.60"), D(0), D(0))
    w.advance("3d")
    done = w.unsubscribe(c, vm)
    w.refunds_from_records(c, done, dist)
    # Within five days of the purchase all the cash comes back (9 for the disk, 6.40 and 14
    # of the renewal); coupons only for the renewal, which has not begun: 21.80 to the ECS
    # coupon; the coupons spent on the purchases stay spent.
    expect_balance(w, me, c)
    assert done["total"] == D("51.20"), done
    assert balance(me) == (D("60.00"), D("21.80"), D(0))
    coupons = {x.coupon_id: x for x in dist.client.list_issued_partner_coupons(
        ListIssuedPartnerCouponsRequest(customer_id=c)).user_coupons}
    assert D(str(round(coupons[ecs].balance, 2))) == D("21.80") and D(str(round(coupons[evs].balance, 2))) == 0
    expect_charges(w, me, dist, c, "2026-08")
    assert {d["status"] for rid, d in resources(dist, c).items()} == {3}
    verify_ledger(w.cli)


def test_refund_returns_to_cash_while_usage_arrears_stay(world):
    w = world
    w.set_clock("2026-08-10T04:00:00Z")
    dist, cust, me = w.customer(cash="30")
    c = cust.domain_id
    vm = w.provision(c, "small")
    [f] = w.import_usage([w.usage(c, "small", 10, 4, "2026-08-09T01:00:00Z", hours=10)])
    assert (f.consume, f.paid["cash"], f.paid["debt"]) == (D("2.20"), D("1.80"), D("0.40"))
    expect_balance(w, me, c)
    assert balance(me) == (D(0), D(0), D("0.40"))
    w.advance("3d")
    done = w.unsubscribe(c, vm)
    w.refunds_from_records(c, done, dist)
    # money goes back where it came from: the 28.20 paid in cash, within five days
    refund = w.charges[c][-1]
    assert refund.paid == {"coupon": D(0), "cash": D("-28.20"), "debt": D(0)}, refund
    expect_balance(w, me, c)
    assert balance(me) == (D("28.20"), D(0), D("0.40"))
    expect_charges(w, me, dist, c, "2026-08")
    verify_ledger(w.cli)


def test_a_purchase_short_of_money_is_refused_and_leaves_nothing(world):
    w = world
    w.set_clock("2026-08-10T04:00:00Z")
    dist, cust, me = w.customer(cash="28.19")
    c = cust.domain_id
    args = ["admin", "resource", "provision", "--customer-id", c, "--service-type", EC2,
            "--resource-type", VM, "--spec", SPEC["small"][2], "--region", REGION, "--json"]
    proc = w.cli.run(*args)
    assert proc.returncode == 1 and "CBC.99005003" in proc.stderr, proc
    r = w.op("POST", "/operator/v1/resources", {"customer_id": c, "cloud_service_type": EC2, "resource_type": VM,
                                                "resource_spec": SPEC["small"][2], "region": REGION})
    assert_error(r, 400, "CBC.99005003")
    assert resources(dist, c) == {}
    orders = w.cli("admin", "order", "list", "--customer-id", c, "--json")
    assert (orders.get("orders") if isinstance(orders, dict) else orders) in ([], None), orders
    assert customer_records(me, "2026-08", include_zero_record="true") == []
    expect_balance(w, me, c)
    assert balance(me) == (D("28.19"), D(0), D(0))
    # a cent more and it is bought, paid in cash
    w.cli("admin", "customer", "top-up", "--customer-id", c, "--amount", "0.01", "--json")
    w.wallets[c].cash += D("0.01")
    w.provision(c, "small")
    expect_balance(w, me, c)
    assert balance(me) == (D(0), D(0), D(0))
    verify_ledger(w.cli)


def test_attached_resources_are_renewed_and_refunded_with_their_main_one(world):
    w = world
    w.set_clock("2026-08-10T04:00:00Z")
    dist, cust, me = w.customer(cash="2000")
    c = cust.domain_id
    vm = w.provision(c, "small")
    disk = w.provision(c, "SAS", size=40, parent=vm)
    eip = w.provision(c, "eip")
    bw = w.provision(c, "bw", size=5, parent=eip)
    assert [ch.consume for ch in w.charges[c]] == [D("28.20"), D("14.00"), D("20.00"), D("115.00")]
    # attached resources go with their main one only
    for sub in (disk, bw):
        for verb in ("renew", "unsubscribe"):
            proc = w.cli.run("admin", "resource", verb, "--resource-id", sub.resource_id, "--json")
            assert proc.returncode == 1 and proc.stderr.startswith("error:"), proc
        r = w.op("POST", f"/operator/v1/resources/{sub.resource_id}/renew", {})
        assert 400 <= r.status_code < 500, r.text
    for verb in ("renew", "unsubscribe"):
        proc = w.cli.run("admin", "resource", verb, "--resource-id", "no-such-resource", "--json")
        assert proc.returncode == 1, proc
        r = w.op("POST", f"/operator/v1/resources/no-such-resource/{verb}", {} if verb == "renew" else None)
        assert 400 <= r.status_code < 500, r.text
        # the operator API is the operator's
        assert_error(dist.signed("POST", f"/operator/v1/resources/{vm.resource_id}/{verb}", {}), 403, "CBC.0151")
        assert_error(me.signed("POST", f"/operator/v1/resources/{vm.resource_id}/{verb}", {}), 403, "CBC.0151")
    assert len(w.charges[c]) == 4
    expect_balance(w, me, c)
    # three months over HTTP; a year through the CLI
    out = w.renew(c, vm, period_num=3, http=True)
    assert out["expire_time"] == "2026-12-10T15:59:59Z"
    w.renew(c, eip, period_type=3)
    assert eip.expires == bw.expires == "2027-09-10T15:59:59Z"
    assert sorted(ch.consume for ch in w.charges[c][4:]) == sorted(
        [D("84.60"), D("42.00"), D("200.00"), D("1150.00")])
    listed = resources(dist, c)
    assert listed[disk.resource_id]["expire_time"] == listed[vm.resource_id]["expire_time"] == vm.expires
    assert listed[bw.resource_id]["expire_time"] == listed[eip.resource_id]["expire_time"] == eip.expires
    expect_balance(w, me, c)
    w.advance("5d")
    done = w.unsubscribe(c, vm, http=True)
    w.refunds_from_records(c, done, dist)
    done2 = w.unsubscribe(c, eip)
    w.refunds_from_records(c, done2, dist)
    listed = resources(dist, c)
    assert {listed[s.resource_id]["status"] for s in (vm, disk, eip, bw)} == {3}
    expect_balance(w, me, c)
    expect_charges(w, me, dist, c, "2026-08")
    verify_ledger(w.cli)


def test_renewing_an_expired_resource_continues_from_its_expiry(world):
    w = world
    w.set_clock("2026-07-25T04:00:00Z")
    dist, cust, me = w.customer(cash="100")
    c = cust.domain_id
    vm = w.provision(c, "small", effective="2026-06-20T04:00:00Z")
    assert vm.expires == "2026-07-20T15:59:59Z"
    assert resources(dist, c)[vm.resource_id]["status"] == 5  # in its grace period
    # a resource in its grace period is reinstated: the new month follows the old expiry
    out = w.renew(c, vm)
    assert out["expire_time"] == "2026-08-20T15:59:59Z"
    listed = resources(dist, c)[vm.resource_id]
    assert listed["expire_time"] == "2026-08-20T15:59:59Z" and listed["status"] == 2
    assert [ch.consume for ch in w.charges[c]] == [D("28.20"), D("28.20")]
    expect_balance(w, me, c)
    expect_charges(w, me, dist, c, "2026-07")


def test_discounts_apply_to_purchases_renewals_and_refunds(world):
    w = world
    w.set_clock("2026-08-10T04:00:00Z")
    dist, cust, me = w.customer(cash="500", referral=True)
    c = cust.domain_id
    w.discount(c, EC2, "0.83", "2026-08-01T00:00:00Z", "2026-12-31")
    w.discount(c, EBS, "0.83", "2026-08-01T00:00:00Z", "2026-12-31")
    w.discount(c, VPC, "0.5", "2026-01-01T00:00:00Z", "2026-02-01")  # long over
    vm = w.provision(c, "small")
    disk = w.provision(c, "SAS", size=50, parent=vm)
    eip = w.provision(c, "eip")
    # 28.20 x 0.83 = 23.406 -> 23.41; 17.50 x 0.83 = 14.525 -> 14.53 (half up); EIP at list price
    assert [(ch.official, ch.consume) for ch in w.charges[c]] == [
        (D("28.20"), D("23.41")), (D("17.50"), D("14.53")), (D("20.00"), D("20.00"))]
    # a renewal order carries one discount: the ECS one saves most, the disk pays list price
    w.renew(c, vm, period_num=2)
    assert sorted((ch.official, ch.consume) for ch in w.charges[c][3:]) == [
        (D("35.00"), D("35.00")), (D("56.40"), D("46.81"))]
    assert vm.paid == D("70.22") and disk.paid == D("49.53")
    expect_balance(w, me, c)
    w.advance("20d")
    done = w.unsubscribe(c, vm)
    w.refunds_from_records(c, done, dist)
    expect_balance(w, me, c)
    expect_charges(w, me, dist, c, "2026-08")
    verify_ledger(w.cli)


# ============================================================================= one month, four views

def sum_rows(w: World, customer_id: str, cycle: str) -> dict:
    rows: dict[tuple, dict] = {}

    def add(key, consume, paid, official):
        row = rows.setdefault(key, defaultdict(lambda: D(0)))
        row["consume_amount"] += consume
        row["official_amount"] += official
        row["cash_amount"] += paid["cash"]
        row["coupon_amount"] += paid["coupon"]
        row["debt_amount"] += paid["debt"]

    for f in w.fees[customer_id]:
        if beijing_month(parse_utc(f.record["begin_time"])) == cycle:
            add((f.record["cloud_service_type"], f.record["resource_type"], 3, 1), f.consume, f.paid, f.official)
    for ch in w.charges[customer_id]:
        if beijing_month(ch.lo) == cycle:
            add((ch.service, ch.resource_type, 1, 2 if ch.kind == 4 else 1), ch.consume, ch.paid, ch.official)
    return rows


def test_the_month_agrees_across_the_four_bill_apis(world):
    w = world
    w.set_clock("2026-10-12T04:00:00Z")
    cycle = "2026-10"
    dist, cust, me = w.customer(cash="100")
    c = cust.domain_id
    w.coupon(dist, c, "10", "2026-12-31T00:00:00Z", [EC2])
    w.grant_package(c, VM, "Duration", "5", 4, "2026-12-01T00:00:00Z", effective="2026-10-01T00:00:00Z",
                    name="month package")
    w.import_usage([w.usage(c, "small", 2, 4, "2026-10-11T01:00:00Z", hours=2),     # covered
                    w.usage(c, "small", 5, 4, "2026-10-11T04:00:00Z", hours=5)])    # 3 covered, 0.44 paid
    vm = w.provision(c, "small")
    w.provision(c, "SAS", size=40, parent=vm)
    w.renew(c, vm)
    w.advance("5d")
    w.import_usage([w.usage(c, "small", 1, 4, "2026-10-16T01:00:00Z")])
    done = w.unsubscribe(c, vm)
    w.refunds_from_records(c, done, dist)
    expect_balance(w, me, c)
    # the fees of today show in the partner's monthly bills from tomorrow on
    w.advance("1d")
    assert beijing_month(w.now()) == cycle

    want = sum_rows(w, c, cycle)
    total = sum((r["consume_amount"] for r in want.values()), D(0))

    # ShowCustomerMonthlySum
    data = ok(get(me, MONTHLY_SUM, bill_cycle=cycle, limit=1000))
    got = {}
    for row in data["bill_sums"]:
        key = (row["service_type_code"], row["resource_type_code"], row["charging_mode"], row["bill_type"])
        assert key not in got, row
        got[key] = row
        check_split(row)
    assert set(got) == set(want), (sorted(got), sorted(want))
    for key, row in got.items():
        for k in ("consume_amount", "official_amount", "cash_amount", "coupon_amount", "debt_amount"):
            assert dec(row[k]) == want[key][k], (key, k, row, dict(want[key]))
        if key[3] == 2:
            assert dec(row["consume_amount"]) < 0
    assert dec(data["consume_amount"]) == total
    for k in ("cash_amount", "coupon_amount", "debt_amount"):
        assert dec(data[k]) == sum((r[k] for r in want.values()), D(0)), k

    # ListCustomerBillsFeeRecords and ListSubCustomerBillDetail
    recs = customer_records(me, cycle, include_zero_record="true")
    assert sum((dec(r["consume_amount"]) for r in recs), D(0)) == total
    for k in ("cash_amount", "coupon_amount", "debt_amount"):
        assert sum((dec(r[k]) for r in recs), D(0)) == dec(data[k]), k
    assert sorted({r["bill_type"] for r in recs}) == [1, 2, 4, 5]
    hidden = customer_records(me, cycle)
    assert len(recs) - len(hidden) == 1  # the fully covered record
    details = partner_records(dist, cycle, customer_id=c)
    assert len(details) == len(recs)
    assert sum((dec(r["payment_amount"]) for r in details), D(0)) == total
    assert sorted({r["bill_detail_type"] for r in details}) == [1, 2, 4, 5]
    expect_charges(w, me, dist, c, cycle)
    expect_usage_fee_details(w, dist, c, cycle)
    for bt, kinds in ((1, {1}), (2, {2}), (4, {4}), (5, {5})):
        assert {r["bill_type"] for r in customer_records(me, cycle, bill_type=bt, include_zero_record="true")} == kinds

    # ListSubcustomerMonthlyBills: purchases and renewals as "0", refunds as "1"
    rows = []
    for mode in ("1", "3"):
        rows += ok(get(dist, PARTNER_MONTHLY, cycle=cycle, charge_mode=mode, customer_id=c, limit=100))["bill_sums"]
    bills = {}
    for row in rows:
        key = (row["cloud_service_type"], row["resource_type_code"], int(row["charge_mode"]),
               2 if row["bill_type"] == "1" else 1)
        assert row["bill_type"] in ("0", "1") and row["customer_id"] == c, row
        assert key not in bills, row
        bills[key] = row
        details_sum = D(0)
        for d in row.get("account_details") or []:
            assert d["bill_type"] == row["bill_type"], (d, row)
            details_sum += dec(d["amount"])
        assert details_sum + dec(row["debt_amount"]) == dec(row["amount"]), row
    assert {k for k, r in bills.items() if dec(r["amount"]) != 0} == {k for k, r in want.items()
                                                                    if r["consume_amount"] != 0}
    for key, row in bills.items():
        assert dec(row["amount"]) == want[key]["consume_amount"], (key, row)
        assert dec(row["debt_amount"]) == want[key]["debt_amount"], (key, row)
        by_type = {d["balance_type"]: dec(d["amount"]) for d in row.get("account_details") or []}
        assert by_type.get("BALANCE_TYPE_DEBIT", D(0)) == want[key]["cash_amount"], (key, row)
        assert by_type.get("BALANCE_TYPE_COUPON", D(0)) == want[key]["coupon_amount"], (key, row)
        assert dec(row["amount"]) < 0 if key[3] == 2 else dec(row["amount"]) >= 0
    assert sum((dec(r["amount"]) for r in rows), D(0)) == total
    refunds = ok(get(dist, PARTNER_MONTHLY, cycle=cycle, charge_mode="1", customer_id=c, bill_type="1"))
    assert {r["bill_type"] for r in refunds["bill_sums"]} == {"1"}
    assert sum((dec(r["amount"]) for r in refunds["bill_sums"]), D(0)) == -done["total"]
    verify_ledger(w.cli)


def test_monthly_bills_wait_for_the_day_to_pass(world):
    w = world
    w.set_clock("2026-11-12T04:00:00Z")
    dist, cust, me = w.customer(cash="100")
    c = cust.domain_id
    w.provision(c, "small")
    assert ok(get(dist, PARTNER_MONTHLY, cycle="2026-11", charge_mode="1", customer_id=c))["count"] == 0
    w.advance("1d")
    rows = ok(get(dist, PARTNER_MONTHLY, cycle="2026-11", charge_mode="1", customer_id=c))["bill_sums"]
    assert [(r["bill_type"], r["charge_mode"], dec(r["amount"])) for r in rows] == [("0", "1", D("28.20"))]
    summary = ok(get(me, MONTHLY_SUM, bill_cycle="2026-11"))
    assert [(r["charging_mode"], r["bill_type"], dec(r["consume_amount"])) for r in summary["bill_sums"]] == [
        (1, 1, D("28.20"))]
    assert dec(summary["consume_amount"]) == D("28.20") and dec(summary["cash_amount"]) == D("28.20")


def test_ledger_stays_balanced_after_everything(world):
    verify_ledger(world.cli)
