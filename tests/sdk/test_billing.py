"""Usage import, rating, payment and the four bill APIs, over one scripted month.

Everything runs on a server of its own whose business clock is set to the middle of
March 2026 and moved forward between imports. Every expected amount is computed here,
with exact fractions, from `admin catalog export`, the discounts and the coupons/cash
the test gave out, so that a pricing, truncation or payment-order slip shows up as an
exact mismatch. The APIs covered: `admin usage import` and `POST /operator/v1/usage-records`,
ShowCustomerMonthlySum, ListCustomerBillsFeeRecords, ListSubCustomerBillDetail and
ListSubcustomerMonthlyBills, with the balances they move.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
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
    ListCustomerBillsFeeRecordsRequest,
    ListIssuedPartnerCouponsRequest,
    ListSubCustomerBillDetailRequest,
    ListSubcustomerMonthlyBillsRequest,
    ShowCustomerAccountBalancesRequest,
    ShowCustomerMonthlySumRequest,
)

from conftest import (
    Cli,
    CustomerFactory,
    PartnerFactory,
    Principal,
    assert_error,
    expect_sdk_error,
    pc_env,
    sign_and_send,
)
from funds_support import customer_balances, customer_cash, fund, grant, grant_reseller, own_balances, verify_ledger

D = Decimal
EC2, VM = "hws.service.type.ec2", "hws.resource.type.vm"
EBS, VOLUME = "hws.service.type.ebs", "hws.resource.type.volume"
VPC, IP, BANDWIDTH = "hws.service.type.vpc", "hws.resource.type.ip", "hws.resource.type.bandwidth"
OBS, OBS_RT = "hws.service.type.obs", "hws.resource.type.obs"
RDS, RDS_RT = "hws.service.type.rds", "hws.resource.type.rds.vm"
REGION, EAST = "cn-north-4", "cn-east-3"
BEIJING = dt.timezone(dt.timedelta(hours=8))

MONTHLY_SUM = "/v2/bills/customer-bills/monthly-sum"
FEE_RECORDS = "/v2/bills/customer-bills/fee-records"
RES_FEE_RECORDS = "/v2/bills/subcustomer-bills/res-fee-records"
PARTNER_MONTHLY = "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"
OPERATOR_IMPORT = "/operator/v1/usage-records"

START = "2026-03-15T04:00:00Z"  # noon in Beijing
CYCLE = "2026-03"
SUMMARY_KEYS = {"imported", "duplicates", "rejected", "fee_records"}

# (service, resource type, spec) of the products the month uses
SPEC = {
    "small": (EC2, VM, "s6.small.1.linux"),
    "large": (EC2, VM, "s6.large.2.linux"),
    "c6": (EC2, VM, "c6.large.2.linux"),
    "ssd": (EBS, VOLUME, "SSD"),
    "eip": (VPC, IP, "5_bgp"),
    "bw": (VPC, BANDWIDTH, "19_bgp"),
    "upflow": (VPC, BANDWIDTH, "12_bgp"),
    "obs": (OBS, OBS_RT, "obs_standard"),
    "rds": (RDS, RDS_RT, "rds.mysql.n1.large.2"),
    "rdsx": (RDS, RDS_RT, "rds.mysql.n1.xlarge.2"),
}


# ----------------------------------------------------------------------------- helpers

def parse_utc(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def cycle_of(begin: str) -> str:
    return parse_utc(begin).astimezone(BEIJING).strftime("%Y-%m")


def beijing_day(begin: str) -> str:
    return parse_utc(begin).astimezone(BEIJING).strftime("%Y-%m-%d")


def trunc(x: Fraction, places: int) -> Decimal:
    """Truncate a non-negative amount to `places` decimals."""
    assert x >= 0
    scale = 10 ** places
    return Decimal(x.numerator * scale // x.denominator).scaleb(-places)


def frac(v: Any) -> Fraction:
    return Fraction(str(v))


def dec(v: Any) -> Decimal:
    assert v is not None
    return v if isinstance(v, Decimal) else Decimal(str(v))


def dumps(record: dict) -> str:
    """One JSON line; Decimal values become JSON numbers written exactly as given."""
    marked = {k: (f"@@{v}@@" if isinstance(v, Decimal) else v) for k, v in record.items()}
    return re.sub(r'"@@(-?[0-9.Ee+-]+)@@"', r"\1", json.dumps(marked))


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(dumps(r) + "\n" for r in records))
    return path


def batch_body(records: list[dict]) -> str:
    """An operator import body, usage values written exactly as given."""
    return '{"records": [' + ", ".join(dumps(r) for r in records) + "]}"


def get(principal, path: str, **query) -> requests.Response:
    return principal.signed("GET", path, query={k: str(v) for k, v in query.items()})


def ok(resp: requests.Response) -> dict:
    assert resp.status_code == 200, f"{resp.status_code}: {resp.text}"
    return resp.json(parse_float=Decimal)


def all_pages(principal, path: str, key: str, total_key: str = "total_count", limit: int = 1000,
              **query) -> list[dict]:
    out, offset = [], 0
    while True:
        page = ok(get(principal, path, offset=offset, limit=limit, **query))
        items = page.get(key) or []
        out.extend(items)
        offset += len(items)
        if not items or offset >= page[total_key]:
            assert len(out) == page[total_key], (len(out), page[total_key])
            return out


# ----------------------------------------------------------------------------- the model

class PriceBook:
    """The pay-per-use part of `admin catalog export`, and unit conversions."""

    def __init__(self, doc: dict):
        self.products: dict[tuple, dict] = {}
        for p in doc["products"]:
            if p["charge_mode"] == "on_demand":
                key = (p["cloud_service_type"], p["resource_type"], p["resource_spec"], p["region"],
                       p["usage_factor"].lower())
                assert key not in self.products, f"two plans for {key}; the model expects one"
                self.products[key] = p
        self.edges: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
        for c in doc["conversions"]:
            # one `measure_id` is `ratio` of `ref_measure_id` (1 h = 60 min)
            r = frac(c["ratio"])
            self.edges[c["measure_id"]].append((c["ref_measure_id"], r))
            self.edges[c["ref_measure_id"]].append((c["measure_id"], 1 / r))

    def factor(self, src: int, dst: int) -> Fraction:
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

    def product(self, r: dict) -> dict:
        return self.products[(r["cloud_service_type"], r["resource_type"], r["resource_spec"],
                              r["region"], r["usage_type"].lower())]

    def raw(self, r: dict) -> Fraction:
        p = self.product(r)
        qty = frac(r["usage_value"]) * self.factor(r["usage_measure_id"], p["usage_measure_id"])
        if p.get("size_measure_id"):
            qty *= frac(r["resource_size"])
        if p.get("tiers"):
            total, floor = Fraction(0), Fraction(0)
            for t in p["tiers"]:
                cap = frac(t["up_to"]) if t.get("up_to") is not None else None
                part = (min(qty, cap) if cap is not None else qty) - floor
                if part > 0:
                    total += part * frac(t["unit_price"])
                if cap is None or qty <= cap:
                    break
                floor = cap
            return total
        return qty * frac(p["unit_price"])


@dataclass
class Coupon:
    coupon_id: str
    balance: Decimal
    valid: dt.datetime
    expires: dt.datetime
    services: Optional[set]

    def usable(self, now: dt.datetime) -> bool:
        return self.balance > 0 and self.valid <= now < self.expires


@dataclass
class Wallet:
    cash: Decimal = D(0)
    debt: Decimal = D(0)
    coupons: list[Coupon] = field(default_factory=list)


@dataclass
class Fee:
    record: dict
    official: Decimal
    discount: Decimal
    truncated: Decimal
    consume: Decimal
    coupon: Decimal
    cash: Decimal
    debt: Decimal
    trade_lo: str  # the business clock just before and just after the import:
    trade_hi: str  # the clock keeps running after `clock set`
    batch: str = ""

    @property
    def cycle(self) -> str:
        return cycle_of(self.record["begin_time"])

    @property
    def customer(self) -> str:
        return self.record["customer_id"]

    @property
    def service(self) -> str:
        return self.record["cloud_service_type"]

    @property
    def status(self) -> int:
        return 2 if self.debt > 0 else 1


class Model:
    def __init__(self, book: PriceBook):
        self.book = book
        self.now = parse_utc(START)
        self.wallets: dict[str, Wallet] = defaultdict(Wallet)
        self.discounts: list[tuple[str, str, Decimal, dt.datetime, dt.datetime]] = []
        self.fees: list[Fee] = []

    def rate(self, customer: str, service: str, at: dt.datetime) -> Optional[Decimal]:
        live = [r for c, s, r, eff, exp in self.discounts
                if c == customer and s == service and eff <= at < exp]
        return min(live) if live else None

    def bill(self, r: dict) -> Fee:
        raw = self.book.raw(r)
        rate = self.rate(r["customer_id"], r["cloud_service_type"], parse_utc(r["begin_time"]))
        official = trunc(raw, 8)
        exact = trunc(raw * frac(rate), 8) if rate is not None else official
        consume = trunc(frac(exact), 2)
        w = self.wallets[r["customer_id"]]
        left, from_coupons = consume, D(0)
        for c in sorted(w.coupons, key=lambda c: c.expires):
            if left == 0:
                break
            if not c.usable(self.now) or (c.services and r["cloud_service_type"] not in c.services):
                continue
            take = min(left, c.balance)
            c.balance -= take
            from_coupons += take
            left -= take
        from_cash = min(left, max(w.cash, D(0)))
        w.cash -= from_cash
        left -= from_cash
        w.debt += left
        fee = Fee(r, official, official - exact, exact - consume, consume, from_coupons, from_cash,
                  left, utc(self.now), utc(self.now))
        self.fees.append(fee)
        return fee

    def of(self, customer: str, cycle: str = CYCLE) -> list[Fee]:
        return [f for f in self.fees if f.customer == customer and f.cycle == cycle]


def record(customer: str, rid: str, kind: str, value: Any, measure: int, begin: str,
           hours: int = 1, usage_type: str = "Duration", region: str = REGION, **extra) -> dict:
    service, rtype, spec = SPEC[kind]
    end = utc(parse_utc(begin) + dt.timedelta(hours=hours))
    r = {"record_id": rid, "customer_id": customer, "resource_id": extra.pop("resource_id", f"res-{rid}"),
         "cloud_service_type": service, "resource_type": rtype, "resource_spec": spec,
         "region": region, "usage_type": usage_type, "usage_value": D(str(value)),
         "usage_measure_id": measure, "begin_time": begin, "end_time": end}
    r.update(extra)
    return r


# ----------------------------------------------------------------------------- the month

@dataclass
class World:
    srv: Any
    cli: Cli
    partners: PartnerFactory
    customers: CustomerFactory
    book: PriceBook
    model: Model
    tmp: Path
    dp: Any = None      # a solution provider: A and B are its direct customers
    dist: Any = None    # a distributor: R is a customer of its reseller
    resl: Any = None
    sp: Any = None
    dist2: Any = None
    resl2: Any = None
    A: Any = None
    B: Any = None
    R: Any = None
    S: Any = None
    pa: Any = None
    pb: Any = None
    pr: Any = None
    ps: Any = None
    coupons: dict = field(default_factory=dict)
    summaries: list = field(default_factory=list)
    snapshots: dict = field(default_factory=dict)
    operator: dict = field(default_factory=dict)

    def clock(self, *args: str) -> dict:
        out = self.cli("admin", "clock", *args, "--json")
        self.model.now = parse_utc(out["now"])
        return out

    def _billed(self, records: list[dict], name: str, send) -> dict:
        lo = self.clock("show")["now"]
        out = send()
        hi = self.cli("admin", "clock", "show", "--json")["now"]
        for r in records:
            fee = self.model.bill(r)
            fee.trade_lo, fee.trade_hi, fee.batch = lo, hi, name
        self.summaries.append((name, len(records), out))
        return out

    def import_file(self, records: list[dict], name: str, fmt: str = "jsonl") -> dict:
        path = self.tmp / f"{name}.{fmt}"
        if fmt == "jsonl":
            write_jsonl(path, records)
        else:
            write_csv(path, records)
        return self._billed(records, name, lambda: self.cli("admin", "usage", "import", str(path), "--json"))

    def import_http(self, records: list[dict], name: str) -> dict:
        return self._billed(records, name, lambda: ok(sign_and_send(
            self.srv.base_url, "POST", OPERATOR_IMPORT, self.operator["access_key"],
            self.operator["secret_key"], body=batch_body(records))))

    def partner_of(self, customer_id: str):
        return {self.A.domain_id: self.dp, self.B.domain_id: self.dp,
                self.R.domain_id: self.resl, self.S.domain_id: self.sp}[customer_id]


def issue_one(partner: Principal, quota_id: str, customer_id: str, face: str, **kw) -> str:
    resp = partner.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
        quota_id=quota_id, customer_ids=[customer_id], face_value=D(face), **kw)))
    assert not resp.error_details and len(resp.coupon_infos) == 1, resp
    return resp.coupon_infos[0].coupon_id


def write_csv(path: Path, records: list[dict]):
    keys = list(records[0].keys())
    assert all(list(r.keys()) == keys for r in records), "one column set per CSV file"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(keys)
    for r in records:
        w.writerow([str(r[k]) for k in keys])
    path.write_text(buf.getvalue())


@pytest.fixture(scope="module")
def world(start_server, binary, tmp_path_factory):
    srv = start_server("billing", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    book = PriceBook(json.loads(cli("admin", "catalog", "export")))
    w = World(srv, cli, partners, CustomerFactory(partners), book, Model(book),
              tmp_path_factory.mktemp("usage"))
    w.clock("set", START)
    w.operator = cli("admin", "key", "create", "--operator", "--json")
    m = w.model

    # --- partners and customers
    # A tier-1 distributor takes no direct customers (CBC.50010059): the direct customers
    # A and B belong to a solution provider, and R to the distributor's reseller.
    w.dp = partners.solution_provider()
    w.dist = partners.distributor()
    w.resl = partners.reseller(w.dist)
    w.sp = partners.solution_provider()
    w.dist2 = partners.distributor()
    w.resl2 = partners.reseller(w.dist2)
    fund(cli, w.dp.domain_id, "10000")
    fund(cli, w.dist.domain_id, "1000")
    fund(cli, w.sp.domain_id, "1000")
    grant_reseller(w.dist, w.resl.domain_id, "100")
    w.A = w.customers.create(w.dp)
    w.B = w.customers.create(w.dp)
    w.R = w.customers.create(w.resl)
    w.S = w.customers.create(w.sp)
    w.pa, w.pb, w.pr, w.ps = (w.customers.principal(c) for c in (w.A, w.B, w.R, w.S))

    # --- money: cash, coupons (two of them ECS-only), discounts
    # a reseller's customers are funded by its distributor, naming the reseller
    for partner, cust, amount, via in ((w.dp, w.A, "5", None), (w.dist, w.R, "2", w.resl.domain_id),
                                       (w.sp, w.S, "100", None)):
        grant(partner, cust.domain_id, amount, indirect=via)
        m.wallets[cust.domain_id].cash += D(amount)
    quota = cli("admin", "quota", "grant", "--domain-id", w.dp.domain_id, "--amount", "100",
                "--expires", "2026-12-31", "--json")["quota_id"]
    for name, face, expires, services in (("ec2_soon", "2", "2026-03-17T00:00:00Z", [EC2]),
                                          ("any", "3", "2026-03-31T00:00:00Z", None),
                                          ("ec2_late", "1.5", "2026-06-30T00:00:00Z", [EC2])):
        kw = {"expire_time": expires}
        if services:
            kw["cloud_service_types"] = services
        cid = issue_one(w.dp, quota, w.A.domain_id, face, **kw)
        w.coupons[name] = cid
        m.wallets[w.A.domain_id].coupons.append(
            Coupon(cid, D(face), parse_utc(START), parse_utc(expires), set(services) if services else None))
    sp_quota = cli("admin", "quota", "grant", "--domain-id", w.sp.domain_id, "--amount", "10",
                   "--expires", "2026-12-31", "--json")["quota_id"]
    cid = issue_one(w.sp, sp_quota, w.S.domain_id, "4", cloud_service_types=[RDS],
                    expire_time="2026-09-30T00:00:00Z")
    w.coupons["sp_rds"] = cid
    m.wallets[w.S.domain_id].coupons.append(
        Coupon(cid, D(4), parse_utc(START), parse_utc("2026-09-30T00:00:00Z"), {RDS}))

    for cust, service, rate, eff, exp in ((w.A, EC2, "0.85", "2026-03-01T00:00:00Z", "2026-12-31"),
                                          (w.A, EBS, "0.9", "2026-03-16T00:00:00Z", "2026-12-31"),
                                          (w.R, VPC, "0.8", "2026-03-01T00:00:00Z", "2026-12-31"),
                                          (w.S, EBS, "0.7", "2026-03-01T00:00:00Z", "2026-12-31")):
        cli("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", service,
            "--rate", rate, "--effective", eff, "--expires", exp, "--json")
        m.discounts.append((cust.domain_id, service, D(rate), parse_utc(eff),
                            parse_utc(exp + "T23:59:59Z") + dt.timedelta(seconds=1)))

    a, b, rr, s = w.A.domain_id, w.B.domain_id, w.R.domain_id, w.S.domain_id
    # --- day 1 (15 March, Beijing noon): yesterday's usage, through the CLI
    day1 = [
        record(a, "a1", "small", 150, 5, "2026-03-14T01:00:00Z", resource_id="vm-a1",
               resource_name="web-1"),                                   # minutes -> hours
        record(a, "a2", "large", 3601, 6, "2026-03-14T02:00:00Z"),       # seconds: 8-place truncation
        record(a, "a3", "ssd", 24, 4, "2026-03-14T03:00:00Z", hours=24, resource_size=100,
               size_measure_id=17),                                      # linear, before EBS discount
        record(a, "a4", "obs", 25000, 14, "2026-03-14T04:00:00Z", usage_type="reqNumber"),  # pcs -> 10k
        record(a, "a5", "eip", "0.1", 4, "2026-03-14T05:00:00Z"),        # 0.002: nothing due
        record(a, "a6", "small", 0, 4, "2026-03-14T06:00:00Z"),          # no usage at all
        record(a, "a7", "small", 1, 4, "2026-02-28T17:00:00Z"),          # 1 March 01:00 Beijing
        record(a, "a8", "small", 1, 4, "2026-02-28T15:59:59Z"),          # still February in Beijing
        record(a, "a9", "small", 2, 4, "2026-03-14T11:00:00Z", region=EAST),
        record(b, "b1", "obs", 11, 9, "2026-03-14T07:00:00Z", usage_type="downflow"),  # TB, two tiers
        record(b, "b2", "rds", 10, 4, "2026-03-14T08:00:00Z", hours=10),
        record(rr, "r1", "bw", 10, 4, "2026-03-14T09:00:00Z", hours=10, resource_size=5,
               size_measure_id=15),
        record(s, "s1", "ssd", 10, 4, "2026-03-14T10:00:00Z", hours=10, resource_size=40,
               size_measure_id=17, resource_name="disk-s1"),
    ]
    w.import_file(day1, "day1")
    w.snapshots["day1_same_day"] = monthly_bills_all(w)
    w.snapshots["pay_per_use_list"] = w.dp.signed(
        "POST", "/v2/orders/suscriptions/resources/query", {"customer_id": a})
    w.clock("advance", "1d")
    w.snapshots["day2_before_import"] = monthly_bills_all(w)

    # --- day 2 (16 March): through the operator API
    day2 = [
        record(a, "a10", "ssd", 10, 4, "2026-03-16T01:00:00Z", hours=10, resource_size=100,
               size_measure_id=17),                                      # EBS discount now in force
        record(a, "a11", "c6", 2, 4, "2026-03-15T20:00:00Z", hours=2),   # 16 March 04:00 Beijing
        record(a, "a12", "obs", 512, 11, "2026-03-16T02:00:00Z", usage_type="downflow"),  # MB
        record(b, "b3", "small", 1, 4, "2026-03-16T03:00:00Z"),
        record(rr, "r2", "upflow", 3, 10, "2026-03-16T04:00:00Z", usage_type="upflow"),
    ]
    w.import_http(day2, "day2")
    w.snapshots["day2_same_day"] = monthly_bills_all(w)
    w.clock("advance", "1d")

    # --- day 3 (17 March): CSV; the soonest ECS coupon expired at midnight UTC
    day3 = [
        record(a, "a13", "small", 5, 4, "2026-03-17T01:00:00Z", hours=5),
        record(a, "a14", "rdsx", 1, 4, "2026-03-17T02:00:00Z"),
        record(s, "s2", "small", 2, 4, "2026-03-17T03:00:00Z", hours=2),
        record(s, "s3", "rds", 3, 4, "2026-03-17T04:00:00Z", hours=3),
    ]
    w.import_file(day3, "day3", fmt="csv")

    # --- 2 April: the last evening of March in UTC is April in Beijing
    w.clock("advance", "16d")
    day4 = [record(a, "a15", "small", 1, 4, "2026-03-31T16:30:00Z")]
    w.import_file(day4, "day4")
    return w


def monthly_bills_all(w: World) -> dict:
    return {
        "dist": ok(get(w.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=100)),
        "resl": ok(get(w.dist, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=100,
                       indirect_partner_id=w.resl.domain_id)),
        "sp": ok(get(w.sp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=100)),
    }


# ----------------------------------------------------------------------------- expectations

def fee_sum(fees: list[Fee], attr: str) -> Decimal:
    return sum((getattr(f, attr) for f in fees), D(0))


def check_split(rec: dict, consume_key: str = "consume_amount"):
    consume = dec(rec[consume_key])
    paid = sum(dec(rec.get(k) or 0) for k in ("cash_amount", "credit_amount", "coupon_amount",
                                              "flexipurchase_coupon_amount",
                                              "stored_value_card_amount", "debt_amount"))
    assert paid == consume, f"payment split {paid} != {consume}: {rec}"


def expect_customer_record(got: dict, fee: Fee):
    r = fee.record
    assert got["consume_time"] == r["begin_time"], (got, r)
    assert fee.trade_lo <= got["trade_time"] <= fee.trade_hi, (got, fee)
    assert got["bill_cycle"] == fee.cycle
    assert got["customer_id"] == r["customer_id"]
    assert got["service_type_code"] == r["cloud_service_type"]
    assert got["resource_type_code"] == r["resource_type"]
    assert got["region_code"] == r["region"]
    assert got["bill_type"] == 5 and got["charging_mode"] == 3
    assert got["status"] == fee.status, (got, fee)
    amounts = {k: dec(got[k]) for k in ("official_amount", "official_discount_amount", "erase_amount",
                                        "consume_amount", "cash_amount", "coupon_amount",
                                        "debt_amount", "credit_amount")}
    assert amounts == {"official_amount": fee.official, "official_discount_amount": fee.discount,
                       "erase_amount": fee.truncated, "consume_amount": fee.consume,
                       "cash_amount": fee.cash, "coupon_amount": fee.coupon,
                       "debt_amount": fee.debt, "credit_amount": D(0)}, (r["record_id"], got)
    assert amounts["official_amount"] == (amounts["official_discount_amount"] + amounts["erase_amount"]
                                          + amounts["consume_amount"])
    check_split(got)
    assert got["id"] and got["trade_id"]


def customer_records(principal, cycle: str = CYCLE, **filters) -> list[dict]:
    return all_pages(principal, FEE_RECORDS, "records", bill_cycle=cycle, **filters)


def by_begin(fees: list[Fee]) -> dict[str, Fee]:
    out = {f.record["begin_time"]: f for f in fees}
    assert len(out) == len(fees), "begin times identify a customer's records in this month"
    return out


# ----------------------------------------------------------------------------- import summaries

def test_import_summaries(world):
    for name, n, out in world.summaries:
        assert set(out) == SUMMARY_KEYS, (name, out)
        assert out == {"imported": n, "duplicates": 0, "rejected": 0, "fee_records": n}, (name, out)
    verify_ledger(world.cli)


# ----------------------------------------------------------------------------- ListCustomerBillsFeeRecords

@pytest.mark.parametrize("who", ["A", "B", "R", "S"])
def test_fee_records_match_the_model(world, who):
    cust = getattr(world, who)
    principal = getattr(world, "p" + who.lower())
    expected = by_begin(world.model.of(cust.domain_id))
    got = customer_records(principal, include_zero_record="true")
    assert sorted(g["consume_time"] for g in got) == sorted(expected), got
    for g in got:
        expect_customer_record(g, expected[g["consume_time"]])
    assert len({g["id"] for g in got}) == len(got)
    assert len({g["trade_id"] for g in got}) == len(got)


def test_fee_record_amounts_by_hand(world):
    """A few records worked out by hand, so the model itself is checked too."""
    fees = {f.record["record_id"]: f for f in world.model.fees}
    # 150 min of s6.small (0.22/h) at 85%: 0.55 -> 0.4675, due 0.46, 0.0075 written off
    a1 = fees["a1"]
    assert (a1.official, a1.discount, a1.consume, a1.truncated) == (D("0.55"), D("0.0825"), D("0.46"), D("0.0075"))
    # 3601 s of s6.large (0.88/h): 0.880244444.. -> 0.88024444; x0.85 = 0.74820777(7..)
    a2 = fees["a2"]
    assert (a2.official, a2.discount, a2.consume) == (D("0.88024444"), D("0.13203667"), D("0.74"))
    # 11 TB downflow: 10240 GB at 0.5 + 1024 GB at 0.45
    assert fees["b1"].official == D("5580.8") and fees["b1"].debt == D("5580.8")
    # 100 GB SSD for 24 h at 0.0014 before the EBS discount starts; 10 h after it
    assert fees["a3"].official == D("3.36") and fees["a3"].discount == 0
    assert fees["a10"].official == D("1.4") and fees["a10"].consume == D("1.26")
    # 25 000 requests = 2.5 x 10k at 0.01
    assert fees["a4"].official == D("0.025") and fees["a4"].consume == D("0.02")
    # reseller's customer: 5 Mbps x 10 h x 0.063 at 80%, 2 yuan cash then arrears
    r1 = fees["r1"]
    assert (r1.official, r1.consume, r1.cash, r1.debt) == (D("3.15"), D("2.52"), D("2"), D("0.52"))


def test_zero_amount_records_hidden_unless_asked(world):
    a = world.model.of(world.A.domain_id)
    zero = {f.record["begin_time"] for f in a if f.consume == 0}
    assert len(zero) == 2
    shown = customer_records(world.pa)
    assert {g["consume_time"] for g in shown} == {f.record["begin_time"] for f in a if f.consume != 0}
    page = ok(get(world.pa, FEE_RECORDS, bill_cycle=CYCLE, include_zero_record="false", limit=1000))
    assert page["total_count"] == len(a) - 2


def test_fee_record_filters(world):
    a = world.model.of(world.A.domain_id)
    nonzero = [f for f in a if f.consume != 0]

    def begins(fees):
        return sorted(f.record["begin_time"] for f in fees)

    def got(**filters):
        return sorted(g["consume_time"] for g in customer_records(world.pa, **filters))

    assert got(service_type_code=EC2) == begins([f for f in nonzero if f.service == EC2])
    assert got(resource_type_code=OBS_RT) == begins([f for f in nonzero if f.record["resource_type"] == OBS_RT])
    assert got(region_code=EAST) == begins([f for f in nonzero if f.record["region"] == EAST])
    assert got(charging_mode=3) == begins(nonzero)
    assert got(charging_mode=1) == [] and got(charging_mode=10) == [] and got(charging_mode=11) == []
    assert got(bill_type=5) == begins(nonzero)
    assert got(bill_type=1) == []
    assert got(status=1) == begins([f for f in nonzero if f.debt == 0])
    assert got(status=2) == begins([f for f in nonzero if f.debt > 0])
    assert got(status=2), "A ends the month in arrears"
    one = customer_records(world.pa, service_type_code=RDS)
    assert len(one) == 1
    assert [g["id"] for g in customer_records(world.pa, trade_id=one[0]["trade_id"])] == [one[0]["id"]]
    assert got(trade_id="TRnosuchtrade") == []
    # Beijing days: 14 March 01:00Z .. 11:00Z are 14 March in Beijing; 15 March 20:00Z is the 16th
    for b, e in (("2026-03-14", "2026-03-14"), ("2026-03-16", "2026-03-17"), ("2026-03-01", "2026-03-01"),
                 ("2026-03-01", "2026-03-31")):
        want = begins([f for f in nonzero if b <= beijing_day(f.record["begin_time"]) <= e])
        assert got(bill_date_begin=b, bill_date_end=e) == want, (b, e)
    assert got(bill_date_begin="2026-03-01", bill_date_end="2026-03-01") == ["2026-02-28T17:00:00Z"]
    # zero records with filters
    assert len(customer_records(world.pa, service_type_code=VPC, include_zero_record="true")) == 1
    assert customer_records(world.pa, service_type_code=VPC) == []


def test_fee_record_paging(world):
    full = customer_records(world.pa, include_zero_record="true")
    for limit in (1, 3, 5):
        paged = all_pages(world.pa, FEE_RECORDS, "records", limit=limit, bill_cycle=CYCLE,
                          include_zero_record="true")
        assert [g["id"] for g in paged] == [g["id"] for g in full], limit
    page = ok(get(world.pa, FEE_RECORDS, bill_cycle=CYCLE, include_zero_record="true",
                  offset=len(full), limit=10))
    assert page["records"] == [] and page["total_count"] == len(full)


def test_bill_cycles_follow_beijing_time(world):
    a = world.A.domain_id
    feb = customer_records(world.pa, cycle="2026-02")
    assert [g["consume_time"] for g in feb] == ["2026-02-28T15:59:59Z"]
    assert feb[0]["bill_cycle"] == "2026-02"
    apr = customer_records(world.pa, cycle="2026-04")
    assert [g["consume_time"] for g in apr] == ["2026-03-31T16:30:00Z"]
    expect_customer_record(apr[0], world.model.of(a, "2026-04")[0])
    assert apr[0]["trade_time"].startswith("2026-04-02T04:")
    assert customer_records(world.pa, cycle="2026-05") == []


def test_fee_records_through_the_sdk(world):
    resp = world.pa.client.list_customer_bills_fee_records(ListCustomerBillsFeeRecordsRequest(
        bill_cycle=CYCLE, include_zero_record=True, limit=100))
    expected = by_begin(world.model.of(world.A.domain_id))
    assert resp.total_count == len(expected) == len(resp.records)
    for r in resp.records:
        f = expected[r.consume_time]
        assert dec(r.consume_amount) == f.consume and dec(r.debt_amount) == f.debt
        assert dec(r.coupon_amount) == f.coupon and dec(r.cash_amount) == f.cash
    assert resp.currency == "CNY"


# ----------------------------------------------------------------------------- ShowCustomerMonthlySum

def expected_sums(fees: list[Fee]) -> dict:
    rows: dict[tuple, dict] = {}
    for f in fees:
        key = (f.service, f.record["resource_type"])
        row = rows.setdefault(key, defaultdict(lambda: D(0)))
        for attr, name in (("official", "official_amount"), ("discount", "official_discount_amount"),
                           ("truncated", "truncated_amount"), ("consume", "consume_amount"),
                           ("coupon", "coupon_amount"), ("cash", "cash_amount"), ("debt", "debt_amount")):
            row[name] += getattr(f, attr)
    return rows


ROW_KEYS = ("official_amount", "official_discount_amount", "truncated_amount", "consume_amount",
            "coupon_amount", "cash_amount", "debt_amount")


@pytest.mark.parametrize("who", ["A", "B", "R", "S"])
def test_monthly_sum_matches_the_model(world, who):
    cust = getattr(world, who)
    principal = getattr(world, "p" + who.lower())
    fees = world.model.of(cust.domain_id)
    want = expected_sums(fees)
    data = ok(get(principal, MONTHLY_SUM, bill_cycle=CYCLE, limit=1000))
    assert data["total_count"] == len(want) == len(data["bill_sums"])
    for row in data["bill_sums"]:
        key = (row["service_type_code"], row["resource_type_code"])
        assert key in want, row
        assert row["charging_mode"] == 3 and row["bill_type"] == 1
        assert row["bill_cycle"] == CYCLE and row["customer_id"] == cust.domain_id
        assert dec(row["credit_amount"]) == 0
        assert {k: dec(row[k]) for k in ROW_KEYS} == {k: want[key][k] for k in ROW_KEYS}, (key, row)
        assert dec(row["consume_amount"]) == (dec(row["official_amount"]) - dec(row["official_discount_amount"])
                                              - dec(row["truncated_amount"]))
        check_split(row)
    for k, attr in (("consume_amount", "consume"), ("coupon_amount", "coupon"),
                    ("cash_amount", "cash"), ("debt_amount", "debt")):
        assert dec(data[k]) == fee_sum(fees, attr), (k, data)
    assert dec(data["credit_amount"]) == 0
    assert data["currency"] == "CNY" and data["measure_id"] == 1


def test_monthly_sum_filters_and_paging(world):
    p = world.pa
    full = ok(get(p, MONTHLY_SUM, bill_cycle=CYCLE, limit=1000))
    assert ok(get(p, MONTHLY_SUM, bill_cycle=CYCLE, method="oneself", limit=1000)) == full
    assert ok(get(p, MONTHLY_SUM, bill_cycle=CYCLE, method="all", limit=1000)) == full
    sub = ok(get(p, MONTHLY_SUM, bill_cycle=CYCLE, method="sub_customer",
                 sub_customer_id=world.B.domain_id))
    assert sub["total_count"] == 0 and sub["bill_sums"] == [] and dec(sub["consume_amount"]) == 0
    ec2 = ok(get(p, MONTHLY_SUM, bill_cycle=CYCLE, service_type_code=EC2, limit=1000))
    assert [r["service_type_code"] for r in ec2["bill_sums"]] == [EC2]
    ec2_fees = [f for f in world.model.of(world.A.domain_id) if f.service == EC2]
    assert dec(ec2["consume_amount"]) == fee_sum(ec2_fees, "consume")
    # totals are over every row, not the page
    rows = []
    for offset in range(full["total_count"]):
        page = ok(get(p, MONTHLY_SUM, bill_cycle=CYCLE, offset=offset, limit=1))
        assert page["total_count"] == full["total_count"] and len(page["bill_sums"]) == 1
        for k in ("consume_amount", "debt_amount", "coupon_amount", "cash_amount"):
            assert page[k] == full[k], k
        rows += page["bill_sums"]
    assert sorted(json.dumps(r, sort_keys=True, default=str) for r in rows) == sorted(
        json.dumps(r, sort_keys=True, default=str) for r in full["bill_sums"])
    empty = ok(get(p, MONTHLY_SUM, bill_cycle="2025-11"))
    assert empty["total_count"] == 0 and dec(empty["consume_amount"]) == 0


def test_monthly_sum_through_the_sdk(world):
    resp = world.pa.client.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=CYCLE, limit=100))
    fees = world.model.of(world.A.domain_id)
    assert resp.total_count == len(expected_sums(fees))
    assert dec(resp.consume_amount) == fee_sum(fees, "consume")
    assert dec(resp.debt_amount) == fee_sum(fees, "debt")


# ----------------------------------------------------------------------------- ListSubCustomerBillDetail

def partner_records(principal, cycle: str = CYCLE, **filters) -> list[dict]:
    return all_pages(principal, RES_FEE_RECORDS, "fee_records", bill_cycle=cycle, **filters)


def expect_partner_record(w: World, got: dict, fee: Fee):
    r = fee.record
    assert got["customer_id"] == r["customer_id"]
    assert got["consume_time"] == r["begin_time"]
    assert fee.trade_lo <= got["trade_time"] <= fee.trade_hi, (got, fee)
    assert got["association_type"] == "2"
    assert got["service_type_code"] == r["cloud_service_type"]
    assert got["resource_type_code"] == r["resource_type"]
    assert got["charging_mode"] == 3 and got["bill_detail_type"] == 5
    assert got["resource_id"] == r["resource_id"]
    if "resource_name" in r:
        assert got["resource_name"] == r["resource_name"]
    assert got["region_code"] == r["region"]
    assert got["product_id"] == w.book.product(r)["product_id"]
    assert got["usage_type"] == r["usage_type"]
    assert dec(got["usage_amount"]) == r["usage_value"] and got["usage_measure_id"] == r["usage_measure_id"]
    amounts = {k: dec(got[k]) for k in ("official_amount", "official_discount_amount", "payment_amount",
                                        "cash_amount", "credit_amount", "coupon_amount", "debt_amount")}
    assert amounts == {"official_amount": fee.official, "official_discount_amount": fee.discount,
                       "payment_amount": fee.consume, "cash_amount": fee.cash, "credit_amount": D(0),
                       "coupon_amount": fee.coupon, "debt_amount": fee.debt}, (r["record_id"], got)
    check_split(got, "payment_amount")
    assert got["partner_id"] == w.partner_of(r["customer_id"]).domain_id
    assert got["bill_cycle"] == fee.cycle and got["id"] and got["trade_id"]


def key_of(customer_id: str, begin: str) -> tuple:
    return (customer_id, begin)


def test_partner_records_match_the_model(world):
    cases = ((world.dp, {}, [world.A, world.B]),
             (world.dist, {}, [world.R]),  # a distributor's records include its resellers' customers
             (world.dist, {"indirect_partner_id": world.resl.domain_id}, [world.R]),
             (world.sp, {}, [world.S]))
    for caller, extra, custs in cases:
        want = {key_of(f.customer, f.record["begin_time"]): f
                for c in custs for f in world.model.of(c.domain_id)}
        got = partner_records(caller, **extra)
        assert sorted((g["customer_id"], g["consume_time"]) for g in got) == sorted(want), (caller.kind, extra)
        for g in got:
            expect_partner_record(world, g, want[(g["customer_id"], g["consume_time"])])
    # the customer's view and the partner's view are the same records
    mine = {g["id"]: g for g in customer_records(world.pa, include_zero_record="true")}
    theirs = {g["id"]: g for g in partner_records(world.dp, customer_id=world.A.domain_id)}
    assert set(mine) == set(theirs)
    for i, g in mine.items():
        assert theirs[i]["trade_id"] == g["trade_id"] and dec(theirs[i]["payment_amount"]) == dec(g["consume_amount"])


def test_partner_record_filters(world):
    d = world.dp
    a = world.A.domain_id
    a_fees = world.model.of(a)
    mine = [f for c in (world.A, world.B) for f in world.model.of(c.domain_id)]

    def keys(fees):
        return sorted((f.customer, f.record["begin_time"]) for f in fees)

    def got(**filters):
        return sorted((g["customer_id"], g["consume_time"]) for g in partner_records(d, **filters))

    assert got(customer_id=a) == keys(a_fees)
    assert got(service_type_code=OBS) == keys([f for f in mine if f.service == OBS])
    assert got(region_code=EAST) == keys([f for f in mine if f.record["region"] == EAST])
    assert got(charging_mode=3) == keys(mine)
    assert got(charging_mode=1) == []
    assert got(bill_detail_type=5) == keys(mine)
    assert got(bill_detail_type=1) == []
    assert got(resource_id="vm-a1") == keys([f for f in mine if f.record["resource_id"] == "vm-a1"])
    assert got(resource_name="web-1") == keys([f for f in mine if f.record.get("resource_name") == "web-1"])
    assert got(resource_id="no-such-resource") == []
    assert got(association_type="2") == keys(mine)
    assert got(association_type="1") == []
    one = partner_records(d, customer_id=world.B.domain_id, service_type_code=RDS)
    assert len(one) == 1
    assert [g["id"] for g in partner_records(d, trade_id=one[0]["trade_id"])] == [one[0]["id"]]
    for b, e in (("2026-03-14", "2026-03-14"), ("2026-03-16", "2026-03-16"), ("2026-03-01", "2026-03-31")):
        want = keys([f for f in mine if b <= beijing_day(f.record["begin_time"]) <= e])
        assert got(bill_date_begin=b, bill_date_end=e) == want, (b, e)
    for limit in (1, 4):
        assert [g["id"] for g in all_pages(d, RES_FEE_RECORDS, "fee_records", limit=limit, bill_cycle=CYCLE)] == \
            [g["id"] for g in partner_records(d)]
    apr = partner_records(d, cycle="2026-04")
    assert [(g["customer_id"], g["consume_time"]) for g in apr] == [(a, "2026-03-31T16:30:00Z")]
    feb = partner_records(d, cycle="2026-02")
    assert [(g["customer_id"], g["consume_time"]) for g in feb] == [(a, "2026-02-28T15:59:59Z")]
    # an older month inside the 18-month window is simply empty
    assert partner_records(d, cycle="2025-01") == []


def test_partner_records_through_the_sdk(world):
    resp = world.dp.client.list_sub_customer_bill_detail(ListSubCustomerBillDetailRequest(
        bill_cycle=CYCLE, customer_id=world.B.domain_id, limit=100))
    fees = world.model.of(world.B.domain_id)
    assert resp.total_count == len(fees) == len(resp.fee_records)
    assert sum((dec(r.payment_amount) for r in resp.fee_records), D(0)) == fee_sum(fees, "consume")
    assert sum((dec(r.debt_amount) for r in resp.fee_records), D(0)) == fee_sum(fees, "debt")


# ----------------------------------------------------------------------------- ListSubcustomerMonthlyBills

def expected_monthly_bills(fees: list[Fee]) -> dict:
    rows: dict[tuple, dict] = {}
    for f in fees:
        key = (f.customer, f.service, f.record["resource_type"])
        row = rows.setdefault(key, defaultdict(lambda: D(0)))
        row["amount"] += f.consume
        row["debt_amount"] += f.debt
        row["discount_amount"] += f.discount
        row["BALANCE_TYPE_DEBIT"] += f.cash
        row["BALANCE_TYPE_COUPON"] += f.coupon
    return rows


def check_monthly_bills(data: dict, fees: list[Fee]):
    want = expected_monthly_bills(fees)
    rows = data["bill_sums"]
    assert data["count"] == len(rows), data
    got = {}
    for row in rows:
        key = (row["customer_id"], row["cloud_service_type"], row["resource_type_code"])
        assert key not in got, f"row listed twice: {row}"
        got[key] = row
        assert row["bill_type"] == "0" and row["charge_mode"] == "3" and row["measure_id"] == 1
        details = {}
        for d in row.get("account_details") or []:
            assert d["balance_type"] in ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT", "BALANCE_TYPE_COUPON"), d
            assert d["bill_type"] == "0" and dec(d["amount"]) != 0, f"zero entries are omitted: {row}"
            assert d["balance_type"] not in details
            details[d["balance_type"]] = dec(d["amount"])
        assert sum(details.values(), D(0)) + dec(row["debt_amount"]) == dec(row["amount"]), row
        w = want.get(key)
        if w is None:
            # a row of fees with nothing due may be listed (all zero) or left out
            assert dec(row["amount"]) == 0 and not details, row
            continue
        assert dec(row["amount"]) == w["amount"], (key, row, dict(w))
        assert dec(row["debt_amount"]) == w["debt_amount"], (key, row)
        assert dec(row["discount_amount"]) == w["discount_amount"], (key, row)
        assert details == {k: w[k] for k in ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_COUPON") if w[k] != 0}, (key, row)
    missing = [k for k, w in want.items() if k not in got and w["amount"] != 0]
    assert not missing, f"rows missing: {missing}"


def test_monthly_bills_match_the_model(world):
    m = world.model
    cases = ((world.dp, {}, [world.A, world.B]),
             (world.dist, {}, []),  # monthly bills without indirect_partner_id: its own customers, none
             (world.dist, {"indirect_partner_id": world.resl.domain_id}, [world.R]),
             (world.sp, {}, [world.S]))
    for caller, extra, custs in cases:
        data = ok(get(caller, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=100, **extra))
        check_monthly_bills(data, [f for c in custs for f in m.of(c.domain_id)])
    one = ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", customer_id=world.B.domain_id))
    check_monthly_bills(one, m.of(world.B.domain_id))
    obs = ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", cloud_service_type=OBS))
    check_monthly_bills(obs, [f for c in (world.A, world.B) for f in m.of(c.domain_id) if f.service == OBS])
    for bt in ("1", "2"):
        assert ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", bill_type=bt))["count"] == 0
    check_monthly_bills(ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", bill_type="0",
                               limit=100)), [f for c in (world.A, world.B) for f in m.of(c.domain_id)])
    for mode in ("1", "11"):
        assert ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode=mode))["count"] == 0
    # paging
    full = ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=100))
    rows = []
    for offset in range(0, full["count"], 2):
        page = ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", offset=offset, limit=2))
        assert page["count"] == full["count"]
        rows += page["bill_sums"]
    assert rows == full["bill_sums"]
    # April: the fee of 31 March 16:30 UTC was charged today (2 April), so not yet
    assert ok(get(world.dp, PARTNER_MONTHLY, cycle="2026-04", charge_mode="3"))["count"] == 0


def test_monthly_bills_through_the_sdk(world):
    resp = world.dp.client.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(
        cycle=CYCLE, charge_mode="3", customer_id=world.A.domain_id, limit=100))
    fees = world.model.of(world.A.domain_id)
    assert sum((dec(r.amount) for r in resp.bill_sums), D(0)) == fee_sum(fees, "consume")


def test_monthly_bills_only_count_days_that_have_passed(world):
    """A fee shows from midnight (Beijing) after the business day it was charged on."""
    m = world.model
    day1 = [f for f in m.fees if f.batch == "day1" and f.cycle == CYCLE]
    snap = world.snapshots
    for who in ("dist", "resl", "sp"):
        assert snap["day1_same_day"][who]["count"] == 0, snap["day1_same_day"][who]
    for snap_name in ("day2_before_import", "day2_same_day"):
        s = snap[snap_name]
        check_monthly_bills(s["dist"], [f for f in day1 if f.customer in (world.A.domain_id, world.B.domain_id)])
        check_monthly_bills(s["resl"], [f for f in day1 if f.customer == world.R.domain_id])
        check_monthly_bills(s["sp"], [f for f in day1 if f.customer == world.S.domain_id])


# ----------------------------------------------------------------------------- invariants

def test_the_three_views_of_a_month_agree(world):
    """Σ fee records = ShowCustomerMonthlySum = Σ ListSubcustomerMonthlyBills, per customer."""
    for cust, principal, partner, extra in ((world.A, world.pa, world.dp, {}),
                                            (world.B, world.pb, world.dp, {}),
                                            (world.R, world.pr, world.dist, {"indirect_partner_id": world.resl.domain_id}),
                                            (world.S, world.ps, world.sp, {})):
        recs = customer_records(principal, include_zero_record="true")
        total = sum((dec(r["consume_amount"]) for r in recs), D(0))
        summary = ok(get(principal, MONTHLY_SUM, bill_cycle=CYCLE, limit=1000))
        bills = ok(get(partner, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", customer_id=cust.domain_id,
                       limit=100, **extra))
        assert total == dec(summary["consume_amount"]) == sum((dec(b["amount"]) for b in bills["bill_sums"]), D(0))
        assert total == fee_sum(world.model.of(cust.domain_id), "consume")
        for k in ("debt_amount", "coupon_amount", "cash_amount"):
            assert dec(summary[k]) == sum((dec(r[k]) for r in recs), D(0)), k
        detail = partner_records(partner, customer_id=cust.domain_id, **extra)
        assert sum((dec(r["payment_amount"]) for r in detail), D(0)) == total
        for r in recs:
            check_split(r)
            assert dec(r["official_amount"]) == (dec(r["official_discount_amount"]) + dec(r["erase_amount"])
                                                 + dec(r["consume_amount"]))


def test_balances_after_the_month(world):
    m = world.model
    for cust, principal in ((world.A, world.pa), (world.B, world.pb), (world.R, world.pr), (world.S, world.ps)):
        wallet = m.wallets[cust.domain_id]
        resp = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
        by_type = {b.account_type: dec(b.amount) for b in resp.account_balances or []}
        assert by_type.get(1, D(0)) == wallet.cash, (cust.domain_id, resp)
        coupons = sum((c.balance for c in wallet.coupons if c.usable(m.now)), D(0))
        assert by_type.get(5, D(0)) == coupons, (cust.domain_id, resp)
        assert dec(resp.debt_amount) == wallet.debt, (cust.domain_id, resp)
        partner, via = ((world.dist, world.resl.domain_id) if cust is world.R
                        else (world.partner_of(cust.domain_id), None))
        got = customer_balances(partner, [cust.domain_id], via)[cust.domain_id]
        assert dec(got.debt_amount) == wallet.debt and dec(got.amount) == wallet.cash, got
    assert m.wallets[world.B.domain_id].debt > 5000
    assert m.wallets[world.A.domain_id].debt > 0


def test_coupons_used_soonest_expiring_first(world):
    m = world.model
    wallet = {c.coupon_id: c for c in m.wallets[world.A.domain_id].coupons + m.wallets[world.S.domain_id].coupons}
    statuses = {}
    for partner, cust in ((world.dp, world.A), (world.sp, world.S)):
        resp = partner.client.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(customer_id=cust.domain_id))
        for c in resp.user_coupons:
            statuses[c.coupon_id] = c
    for name, cid in world.coupons.items():
        c, want = statuses[cid], wallet[cid]
        assert D(str(round(c.balance, 2))) == want.balance, (name, c)
        if want.balance == 0:
            assert c.status == 3, (name, c)
        elif want.expires <= m.now:
            assert c.status == 4, (name, c)
        else:
            assert c.status == 2, (name, c)
    # the ECS-only coupon expiring first was spent before anything else paid for ECS
    assert wallet[world.coupons["ec2_soon"]].balance == 0
    assert wallet[world.coupons["sp_rds"]].balance < D(4), "S's RDS usage was paid by its RDS coupon"
    first_ec2 = next(f for f in m.fees if f.record["record_id"] == "a1")
    assert first_ec2.coupon == first_ec2.consume


def test_ledger_stays_balanced(world):
    verify_ledger(world.cli)


def test_pay_per_use_resources_are_not_subscriptions(world):
    r = world.snapshots["pay_per_use_list"]
    body = ok(r)
    ids = {d.get("resource_id") for d in body.get("data") or []}
    assert not ids & {f.record["resource_id"] for f in world.model.fees}, body


# ----------------------------------------------------------------------------- bill API errors

def test_bill_apis_refuse_the_wrong_callers(world):
    for who in (world.dp, world.dist, world.sp, world.resl):
        assert_error(get(who, MONTHLY_SUM, bill_cycle=CYCLE), 403, "CBC.0151")
        assert_error(get(who, FEE_RECORDS, bill_cycle=CYCLE), 403, "CBC.0151")
    for who in (world.pa, world.resl):
        assert_error(get(who, RES_FEE_RECORDS, bill_cycle=CYCLE), 403, "CBC.0151")
        assert_error(get(who, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3"), 403, "CBC.0151")
    expect_sdk_error(lambda: world.dp.client.show_customer_monthly_sum(
        ShowCustomerMonthlySumRequest(bill_cycle=CYCLE)), 403, "CBC.0151")
    expect_sdk_error(lambda: world.pa.client.list_sub_customer_bill_detail(
        ListSubCustomerBillDetailRequest(bill_cycle=CYCLE)), 403, "CBC.0151")


MONTHLY_SUM_BAD = [
    {}, {"bill_cycle": ""}, {"bill_cycle": "2026-3"}, {"bill_cycle": "2026-13"}, {"bill_cycle": "202603"},
    {"bill_cycle": "2026-03-01"}, {"bill_cycle": CYCLE, "method": "sub_customer"},
    {"bill_cycle": CYCLE, "method": "everyone"}, {"bill_cycle": CYCLE, "limit": "0"},
    {"bill_cycle": CYCLE, "limit": "1001"}, {"bill_cycle": CYCLE, "offset": "-1"},
    {"bill_cycle": CYCLE, "limit": "ten"},
]


@pytest.mark.parametrize("query", MONTHLY_SUM_BAD, ids=lambda q: json.dumps(q))
def test_monthly_sum_parameter_errors(world, query):
    assert_error(world.pa.signed("GET", MONTHLY_SUM, query=query), 400, "CBC.0100")


FEE_RECORDS_BAD = [
    {}, {"bill_cycle": "2026/03"}, {"bill_cycle": "2026-00"},
    {"bill_cycle": CYCLE, "bill_date_begin": "2026-03-02"},
    {"bill_cycle": CYCLE, "bill_date_end": "2026-03-02"},
    {"bill_cycle": CYCLE, "bill_date_begin": "2026-02-28", "bill_date_end": "2026-03-02"},
    {"bill_cycle": CYCLE, "bill_date_begin": "2026-03-02", "bill_date_end": "2026-04-01"},
    {"bill_cycle": CYCLE, "bill_date_begin": "2026-03-05", "bill_date_end": "2026-03-02"},
    {"bill_cycle": CYCLE, "bill_date_begin": "20260302", "bill_date_end": "20260303"},
    {"bill_cycle": CYCLE, "charging_mode": "2"}, {"bill_cycle": CYCLE, "status": "4"},
    {"bill_cycle": CYCLE, "limit": "0"}, {"bill_cycle": CYCLE, "offset": "-1"},
]


@pytest.mark.parametrize("query", FEE_RECORDS_BAD, ids=lambda q: json.dumps(q))
def test_fee_records_parameter_errors(world, query):
    assert_error(world.pa.signed("GET", FEE_RECORDS, query=query), 400, "CBC.0100")


RES_FEE_BAD = [
    {}, {"bill_cycle": "2026-3"}, {"bill_cycle": "2024-01"}, {"bill_cycle": "2023-03"},
    {"bill_cycle": CYCLE, "charging_mode": ""}, {"bill_cycle": CYCLE, "charging_mode": "2"},
    {"bill_cycle": CYCLE, "resource_id": ""}, {"bill_cycle": CYCLE, "resource_name": ""},
    {"bill_cycle": CYCLE, "trade_id": ""}, {"bill_cycle": CYCLE, "association_type": "3"},
    {"bill_cycle": CYCLE, "association_type": ""}, {"bill_cycle": CYCLE, "bill_detail_type": ""},
    {"bill_cycle": CYCLE, "limit": "0"}, {"bill_cycle": CYCLE, "limit": "1001"},
    {"bill_cycle": CYCLE, "offset": "-1"},
    {"bill_cycle": CYCLE, "bill_date_begin": "2026-03-02"},
    {"bill_cycle": CYCLE, "bill_date_begin": "2026-02-02", "bill_date_end": "2026-03-02"},
]


@pytest.mark.parametrize("query", RES_FEE_BAD, ids=lambda q: json.dumps(q))
def test_partner_records_parameter_errors(world, query):
    assert_error(world.dp.signed("GET", RES_FEE_RECORDS, query=query), 400, "CBC.0100")


MONTHLY_BILLS_BAD = [
    {"cycle": CYCLE}, {"charge_mode": "3"}, {"cycle": "2026-3", "charge_mode": "3"},
    {"cycle": CYCLE, "charge_mode": "2"}, {"cycle": CYCLE, "charge_mode": ""},
    {"cycle": CYCLE, "charge_mode": "3", "bill_type": "3"},
    {"cycle": CYCLE, "charge_mode": "3", "limit": "0"}, {"cycle": CYCLE, "charge_mode": "3", "limit": "101"},
    {"cycle": CYCLE, "charge_mode": "3", "offset": "-1"},
]


@pytest.mark.parametrize("query", MONTHLY_BILLS_BAD, ids=lambda q: json.dumps(q))
def test_monthly_bills_parameter_errors(world, query):
    assert_error(world.dp.signed("GET", PARTNER_MONTHLY, query=query), 400, "CBC.0100")


def test_limits_at_the_edges_are_accepted(world):
    ok(get(world.pa, MONTHLY_SUM, bill_cycle=CYCLE, limit=1000))
    ok(get(world.pa, MONTHLY_SUM, bill_cycle=CYCLE, limit=1))
    ok(get(world.dp, RES_FEE_RECORDS, bill_cycle=CYCLE, limit=1000))
    ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=100))
    ok(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=1))
    # 16 months back from the business clock (April 2026) is inside the 18-month window
    ok(get(world.dp, RES_FEE_RECORDS, bill_cycle="2024-12"))


def test_indirect_partner_must_be_the_callers_reseller(world):
    assert_error(get(world.dist, RES_FEE_RECORDS, bill_cycle=CYCLE, indirect_partner_id=world.resl2.domain_id),
                 400, "CBC.99000037")
    assert_error(get(world.dist2, RES_FEE_RECORDS, bill_cycle=CYCLE, indirect_partner_id=world.resl.domain_id),
                 400, "CBC.99000037")


# ----------------------------------------------------------------------------- tenancy

def test_no_partner_sees_another_partners_customers(world):
    def visible(resp) -> list:
        # asking about a customer that is not yours may be refused or answered empty;
        # it must never return that customer's records
        if resp.status_code != 200:
            assert 400 <= resp.status_code < 500, resp.text
            return []
        data = resp.json()
        return data.get("fee_records", data.get("bill_sums")) or []

    assert partner_records(world.dist2) == []
    assert ok(get(world.dist2, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3"))["count"] == 0
    s = world.S.domain_id
    assert visible(get(world.dp, RES_FEE_RECORDS, bill_cycle=CYCLE, customer_id=s)) == []
    assert visible(get(world.dp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", customer_id=s)) == []
    for c in (world.A, world.B):
        assert visible(get(world.dist, RES_FEE_RECORDS, bill_cycle=CYCLE, customer_id=c.domain_id)) == []
    assert visible(get(world.dp, RES_FEE_RECORDS, bill_cycle=CYCLE, customer_id=world.R.domain_id)) == []
    for c in (world.A, world.B, world.R):
        assert visible(get(world.sp, RES_FEE_RECORDS, bill_cycle=CYCLE, customer_id=c.domain_id)) == []
        assert visible(get(world.dist2, RES_FEE_RECORDS, bill_cycle=CYCLE, customer_id=c.domain_id)) == []
        assert visible(get(world.sp, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", customer_id=c.domain_id)) == []
    assert {g["customer_id"] for g in partner_records(world.sp)} == {s}
    # without indirect_partner_id a distributor's monthly bills cover its own customers only,
    # and it has none
    rows = ok(get(world.dist, PARTNER_MONTHLY, cycle=CYCLE, charge_mode="3", limit=100))["bill_sums"]
    assert rows == []


def test_customers_see_only_their_own_bills(world):
    for cust, principal in ((world.A, world.pa), (world.B, world.pb), (world.R, world.pr), (world.S, world.ps)):
        recs = customer_records(principal, include_zero_record="true")
        assert {r["customer_id"] for r in recs} <= {cust.domain_id}
        rows = ok(get(principal, MONTHLY_SUM, bill_cycle=CYCLE, limit=1000))["bill_sums"]
        assert {r["customer_id"] for r in rows} == {cust.domain_id}
    # naming someone else as a sub-customer shows nothing of theirs
    other = ok(get(world.pb, MONTHLY_SUM, bill_cycle=CYCLE, method="sub_customer", sub_customer_id=world.A.domain_id))
    assert other["bill_sums"] == [] and dec(other["consume_amount"]) == 0


# ----------------------------------------------------------------------------- import: refusals and idempotency

@pytest.fixture(scope="module")
def side(world):
    """A partner and a funded customer of its own, so imports here do not touch the month above."""
    dist = world.partners.solution_provider()
    fund(world.cli, dist.domain_id, "1000")
    cust = world.customers.create(dist)
    grant(dist, cust.domain_id, "10")
    return dist, cust, world.customers.principal(cust)


def good(customer_id: str, rid: str, begin: str = "2026-04-01T01:00:00Z") -> dict:
    return record(customer_id, rid, "small", 1, 4, begin)


def state(world, cust, principal) -> tuple:
    recs = customer_records(principal, cycle="2026-04", include_zero_record="true")
    bal = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    return (sorted(r["id"] for r in recs), sorted((b.account_type, str(b.amount)) for b in bal.account_balances),
            str(bal.debt_amount))


def bad_cases(cust: str) -> list[tuple[str, dict, str]]:
    """(name, record, field the error must name)."""
    base = good(cust, "x")
    linear = record(cust, "x", "ssd", 1, 4, "2026-04-01T01:00:00Z")
    return [
        ("unknown key", dict(base, colour="blue"), "colour"),
        ("missing key", {k: v for k, v in base.items() if k != "region"}, "region"),
        ("usage_value as text", dict(base, usage_value="1"), "usage_value"),
        ("measure as text", dict(base, usage_measure_id="4"), "usage_measure_id"),
        ("negative usage", dict(base, usage_value=D("-1")), "usage_value"),
        ("nine places", dict(base, usage_value=D("0.123456789")), "usage_value"),
        ("unknown customer", dict(base, customer_id="0" * 32), "customer_id"),
        ("usage type of another resource type", dict(base, usage_type="upflow"), "usage_type"),
        ("no product", dict(base, resource_spec="s9.huge.linux"), "resource_spec"),
        ("no product in region", dict(base, region="eu-west-0"), "resource_spec"),
        ("linear without size", linear, "resource_size"),
        ("unconvertible unit", dict(base, usage_measure_id=10), "usage_measure_id"),
        ("end before begin", dict(base, end_time="2026-04-01T00:59:59Z"), "end_time"),
        ("local time", dict(base, begin_time="2026-04-01 01:00:00"), "begin_time"),
        ("offset time", dict(base, begin_time="2026-04-01T01:00:00+08:00"), "begin_time"),
        ("empty record id", dict(base, record_id=""), "record_id"),
    ]


def case_ids(cases):
    return [c[0] for c in cases]


BAD_NAMES = case_ids(bad_cases("c"))


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_row_refuses_the_whole_file(world, side, tmp_path, name):
    dist, cust, principal = side
    case = {n: (r, f) for n, r, f in bad_cases(cust.domain_id)}[name]
    bad, fieldname = case
    bad = dict(bad, record_id=bad["record_id"] and f"bad-{name.replace(' ', '-')}")
    before = state(world, cust, principal)
    slug = name.replace(" ", "-")
    rows = [good(cust.domain_id, f"ok-{slug}-1", "2026-04-01T02:00:00Z"), bad,
            good(cust.domain_id, f"ok-{slug}-2", "2026-04-01T03:00:00Z")]
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    proc = world.cli.run("admin", "usage", "import", str(path))
    assert proc.returncode == 1, proc
    assert re.search(rf"^error: {re.escape(str(path))}: line 2: {re.escape(fieldname)}: \S", proc.stderr, re.M), proc.stderr
    assert "line 1:" not in proc.stderr and "line 3:" not in proc.stderr, proc.stderr
    assert state(world, cust, principal) == before
    # the same batch over HTTP names records[1]
    r = sign_and_send(world.srv.base_url, "POST", OPERATOR_IMPORT, world.operator["access_key"],
                      world.operator["secret_key"], body=batch_body(rows))
    body = assert_error(r, 400, "CBC.0100")
    assert f"records[1].{fieldname}" in body["error_msg"], body
    assert "records[0]" not in body["error_msg"] and "records[2]" not in body["error_msg"], body
    assert state(world, cust, principal) == before


def test_every_bad_row_is_named(world, side, tmp_path):
    dist, cust, principal = side
    c = cust.domain_id
    before = state(world, cust, principal)
    # rows that parse but cannot be rated, then the same with a row that does not parse
    semantic = [good(c, "many-1"), dict(good(c, "many-2"), usage_type="upflow"), good(c, "many-3"),
                dict(good(c, "many-4"), customer_id="0" * 32)]
    for rows, named in ((semantic, ((2, "usage_type"), (4, "customer_id"))),
                        (semantic + [dict(good(c, "many-5"), extra=1)],
                         ((2, "usage_type"), (4, "customer_id"), (5, "extra")))):
        path = write_jsonl(tmp_path / f"many-{len(rows)}.jsonl", rows)
        proc = world.cli.run("admin", "usage", "import", str(path), "--json")
        assert proc.returncode == 1
        for line, fieldname in named:
            assert f"error: {path}: line {line}: {fieldname}: " in proc.stderr, proc.stderr
        assert state(world, cust, principal) == before
    path = tmp_path / "broken.jsonl"
    # a line that is not JSON at all
    path.write_text(dumps(good(c, "many-6")) + "\n{not json\n")
    proc = world.cli.run("admin", "usage", "import", str(path))
    assert proc.returncode == 1 and f"error: {path}: line 2:" in proc.stderr, proc.stderr
    assert state(world, cust, principal) == before


def test_bad_csv_row_refuses_the_file(world, side, tmp_path):
    dist, cust, principal = side
    c = cust.domain_id
    rows = [good(c, "csv-1"), dict(good(c, "csv-2", "2026-04-01T05:00:00Z"), usage_value="lots"),
            good(c, "csv-3", "2026-04-01T06:00:00Z")]
    path = tmp_path / "bad.csv"
    write_csv(path, rows)
    before = state(world, cust, principal)
    proc = world.cli.run("admin", "usage", "import", str(path))
    assert proc.returncode == 1
    # line 1 is the header, so the second record is line 3
    assert f"error: {path}: line 3: usage_value: " in proc.stderr, proc.stderr
    assert state(world, cust, principal) == before


def test_batch_size_limits_over_http(world, side):
    dist, cust, principal = side

    def post(body):
        return sign_and_send(world.srv.base_url, "POST", OPERATOR_IMPORT, world.operator["access_key"],
                             world.operator["secret_key"], body=body)

    assert_error(post({"records": []}), 400, "CBC.0100")
    assert_error(post({}), 400, "CBC.0100")
    many = [good(cust.domain_id, f"big-{i}", "2026-04-01T07:00:00Z") for i in range(1001)]
    assert_error(post(batch_body(many)), 400, "CBC.0100")
    assert_error(post({"records": "none"}), 400, "CBC.0100")
    assert_error(post("not json"), 400, "CBC.0100")
    # the operator API is for the operator
    assert_error(dist.signed("POST", OPERATOR_IMPORT, batch_body(many[:1])), 403, "CBC.0151")
    assert_error(principal.signed("POST", OPERATOR_IMPORT, batch_body(many[:1])), 403, "CBC.0151")
    assert state(world, cust, principal)[0] == []


def test_same_file_twice_changes_nothing(world, side, tmp_path):
    dist, cust, principal = side
    c = cust.domain_id
    rows = [record(c, f"twice-{i}", "small", i + 1, 4, f"2026-04-01T0{i}:00:00Z") for i in range(5)]
    path = write_jsonl(tmp_path / "twice.jsonl", rows)
    first = world.cli("admin", "usage", "import", str(path), "--json")
    assert first == {"imported": 5, "duplicates": 0, "rejected": 0, "fee_records": 5}
    after = state(world, cust, principal)
    second = world.cli("admin", "usage", "import", str(path), "--json")
    assert second == {"imported": 0, "duplicates": 5, "rejected": 0, "fee_records": 0}
    assert state(world, cust, principal) == after
    # and over HTTP, mixed with one new record
    r = sign_and_send(world.srv.base_url, "POST", OPERATOR_IMPORT, world.operator["access_key"],
                      world.operator["secret_key"],
                      body=batch_body(rows[:2] + [good(c, "twice-new", "2026-04-02T01:00:00Z")]))
    assert ok(r) == {"imported": 1, "duplicates": 2, "rejected": 0, "fee_records": 1}
    assert len(state(world, cust, principal)[0]) == 6
    # a record repeated inside one file is one record
    path2 = write_jsonl(tmp_path / "repeat.jsonl", [good(c, "rep", "2026-04-02T02:00:00Z")] * 2)
    out = world.cli("admin", "usage", "import", str(path2), "--json")
    assert out["imported"] == 1 and out["fee_records"] == 1 and out["duplicates"] == 1, out
    # the same id with other content is refused, whole batch
    changed = dict(rows[0], usage_value=D("7"))
    before = state(world, cust, principal)
    path3 = write_jsonl(tmp_path / "changed.jsonl", [good(c, "fresh-1", "2026-04-02T03:00:00Z"), changed])
    proc = world.cli.run("admin", "usage", "import", str(path3))
    assert proc.returncode == 1 and f"error: {path3}: line 2: record_id: " in proc.stderr, proc.stderr
    path4 = write_jsonl(tmp_path / "clash.jsonl", [good(c, "clash", "2026-04-02T04:00:00Z"),
                                                   dict(good(c, "clash", "2026-04-02T04:00:00Z"), usage_value=D(2))])
    proc = world.cli.run("admin", "usage", "import", str(path4))
    assert proc.returncode == 1 and f"error: {path4}: line 2: record_id: " in proc.stderr, proc.stderr
    assert state(world, cust, principal) == before
    verify_ledger(world.cli)


def minute_records(world, cash: str, prefix: str, n: int):
    """A funded distributor's customer with `cash` yuan, and `n` one-hour small-VM records
    (0.22 each) starting a minute apart on 1 April 2026."""
    dist = world.partners.solution_provider()
    fund(world.cli, dist.domain_id, "1000")
    cust = world.customers.create(dist)
    grant(dist, cust.domain_id, cash)
    rows = [record(cust.domain_id, f"{prefix}-{i}", "small", 1, 4,
                   utc(parse_utc("2026-04-01T00:00:00Z") + dt.timedelta(minutes=i))) for i in range(n)]
    return dist, cust, world.customers.principal(cust), rows


def test_concurrent_imports_of_the_same_file_rate_each_record_once(world, tmp_path):
    n = 300
    dist, cust, principal, rows = minute_records(world, "30", "conc", n)
    path = write_jsonl(tmp_path / "conc.jsonl", rows)
    argv = [str(world.cli.binary), "admin", "usage", "import", str(path), "--json", "--database", world.cli.database]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=pc_env())
             for _ in range(3)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(json.loads(out))
    assert sum(o["imported"] for o in outs) == n, outs
    assert sum(o["fee_records"] for o in outs) == n, outs
    assert sum(o["duplicates"] for o in outs) == 2 * n, outs
    recs = customer_records(principal, cycle="2026-04")
    assert len(recs) == n
    # 0.22 each: 30 yuan of cash pays 136 of them, then 0.08 of the 137th, the rest is arrears
    assert sum((dec(r["consume_amount"]) for r in recs), D(0)) == D("0.22") * n
    assert sum((dec(r["cash_amount"]) for r in recs), D(0)) == D(30)
    assert sum((dec(r["debt_amount"]) for r in recs), D(0)) == D("0.22") * n - 30
    bal = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    assert dec(bal.debt_amount) == D("0.22") * n - 30
    assert {b.account_type: dec(b.amount) for b in bal.account_balances}.get(1, D(0)) == 0
    verify_ledger(world.cli)


def test_a_large_import_shows_its_progress_and_pays_every_fee(world, tmp_path):
    """3000 records: the CLI's bar moves in steps as records are written, ends at the
    total, and the fees (rated and paid while the next ones were checked) add up."""
    n = 3000
    dist, cust, principal, rows = minute_records(world, "100", "bar", n)
    path = write_jsonl(tmp_path / "bar.jsonl", rows)
    # bytes, not text: text mode would turn the bar's carriage returns into newlines
    proc = subprocess.run([str(world.cli.binary), "admin", "usage", "import", str(path), "--json", "--database", world.cli.database],
                          capture_output=True, env=pc_env(), timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert json.loads(proc.stdout) == {"imported": n, "duplicates": 0, "rejected": 0, "fee_records": n}
    frames = [f for f in err.split("\r") if f.startswith("importing [")]
    counts = [int(f.split("] ")[1].split("/")[0]) for f in frames]
    assert counts[0] == 0 and counts[-1] == n, counts
    assert {1000, 2000} <= set(counts), counts
    assert counts == sorted(counts), counts
    assert frames[-1].endswith(f"[{'#' * 30}] {n}/{n}\n"), frames[-1]
    recs = customer_records(principal, cycle="2026-04")
    assert len(recs) == n
    # 0.22 each: 100 yuan of cash pays 454 of them and 0.12 of the 455th, the rest is arrears
    assert sum((dec(r["cash_amount"]) for r in recs), D(0)) == D(100)
    assert sum((dec(r["debt_amount"]) for r in recs), D(0)) == D("0.22") * n - 100
    verify_ledger(world.cli)


def test_a_bad_row_late_in_a_large_file_undoes_what_was_already_written(world, tmp_path):
    """Records are written while later ones are still checked: a bad row at line 2501 of
    3000 must still leave nothing behind (fees, payments, inventory), and the same file
    without it then imports whole."""
    n = 3000
    dist, cust, principal, rows = minute_records(world, "100", "late", n)
    bad = dict(rows[2500], customer_id="no-such-customer")
    path = write_jsonl(tmp_path / "late.jsonl", rows[:2500] + [bad] + rows[2501:])
    argv = [str(world.cli.binary), "admin", "usage", "import", str(path), "--json", "--database", world.cli.database]
    proc = subprocess.run(argv, capture_output=True, text=True, env=pc_env(), timeout=300)
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"imported": 0, "duplicates": 0, "rejected": 1, "fee_records": 0}
    assert "line 2501" in proc.stderr and "customer_id" in proc.stderr, proc.stderr
    assert customer_records(principal, cycle="2026-04") == []
    assert customer_cash(dist, cust.domain_id) == D(100)
    assert dec(own_balances(principal).debt_amount) == 0
    verify_ledger(world.cli)
    good = write_jsonl(tmp_path / "good.jsonl", rows[:2500] + rows[2501:])
    proc = subprocess.run(argv[:4] + [str(good)] + argv[5:], capture_output=True, text=True, env=pc_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"imported": n - 1, "duplicates": 0, "rejected": 0, "fee_records": n - 1}
    assert len(customer_records(principal, cycle="2026-04")) == n - 1
    verify_ledger(world.cli)


def test_usage_is_priced_with_the_plan_in_force_at_begin_time(world, tmp_path):
    """A price change on 20 March: usage is rated by when it happened, not when it was imported."""
    region = f"bill-region-{tmp_path.name[-8:].lower()}"
    header = ("cloud_service_type,resource_type,resource_spec,region,charge_mode,usage_factor,"
              "usage_measure_id,effective_from,effective_until,unit_price")
    plans = [
        f"{EC2},{VM},step.linux,{region},on_demand,Duration,4,2026-01-01T00:00:00Z,,1.00",
        f"{EC2},{VM},step.linux,{region},on_demand,Duration,4,2026-03-20T00:00:00Z,,2.00",
        f"{EC2},{VM},gone.linux,{region},on_demand,Duration,4,2026-01-01T00:00:00Z,2026-03-10T00:00:00Z,5.00",
    ]
    catalog = tmp_path / "plans.csv"
    catalog.write_text(header + "\n" + "\n".join(plans) + "\n")
    world.cli("admin", "catalog", "import", str(catalog), "--json")
    dist = world.partners.solution_provider()
    cust = world.customers.create(dist)
    principal = world.customers.principal(cust)
    c = cust.domain_id

    def vm(rid, spec, begin):
        return {"record_id": rid, "customer_id": c, "resource_id": f"vm-{rid}", "cloud_service_type": EC2,
                "resource_type": VM, "resource_spec": spec, "region": region, "usage_type": "Duration",
                "usage_value": D(3), "usage_measure_id": 4, "begin_time": begin,
                "end_time": utc(parse_utc(begin) + dt.timedelta(hours=3))}

    gone_late = vm("p-gone-late", "gone.linux", "2026-03-10T00:00:00Z")
    path = write_jsonl(tmp_path / "late.jsonl", [vm("p-x", "step.linux", "2026-03-19T00:00:00Z"), gone_late])
    proc = world.cli.run("admin", "usage", "import", str(path))
    assert proc.returncode == 1 and f"error: {path}: line 2: resource_spec: " in proc.stderr, proc.stderr
    rows = [vm("p-before", "step.linux", "2026-03-19T23:59:59Z"),
            vm("p-after", "step.linux", "2026-03-20T00:00:00Z"),
            vm("p-gone", "gone.linux", "2026-03-09T23:00:00Z")]
    out = world.cli("admin", "usage", "import", str(write_jsonl(tmp_path / "plans.jsonl", rows)), "--json")
    assert out["imported"] == 3, out
    got = {r["consume_time"]: dec(r["official_amount"]) for r in customer_records(principal)}
    assert got == {"2026-03-19T23:59:59Z": D(3), "2026-03-20T00:00:00Z": D(6), "2026-03-09T23:00:00Z": D(15)}
    # no cash and no coupon: all of it is owed
    bal = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    assert dec(bal.debt_amount) == D(24)


def test_coupons_not_yet_valid_or_for_other_services_are_not_used(world, tmp_path):
    dist = world.partners.solution_provider()
    fund(world.cli, dist.domain_id, "100")
    cust = world.customers.create(dist)
    principal = world.customers.principal(cust)
    grant(dist, cust.domain_id, "1")
    now = parse_utc(world.cli("admin", "clock", "show", "--json")["now"])
    quota = world.cli("admin", "quota", "grant", "--domain-id", dist.domain_id, "--amount", "50",
                      "--expires", "2026-12-31", "--json")["quota_id"]
    later = issue_one(dist, quota, cust.domain_id, "10", valid_time=utc(now + dt.timedelta(days=2)),
                      expire_time="2026-12-01T00:00:00Z")
    rds_only = issue_one(dist, quota, cust.domain_id, "10", cloud_service_types=[RDS],
                         expire_time="2026-12-01T00:00:00Z")
    usable = issue_one(dist, quota, cust.domain_id, "0.5", cloud_service_types=[EC2],
                       expire_time="2026-12-01T00:00:00Z")
    rows = [record(cust.domain_id, "cv-1", "small", 10, 4, "2026-04-01T00:00:00Z", hours=10)]  # 2.20
    out = world.cli("admin", "usage", "import", str(write_jsonl(tmp_path / "cv.jsonl", rows)), "--json")
    assert out["imported"] == 1
    [rec] = customer_records(principal, cycle="2026-04")
    assert (dec(rec["coupon_amount"]), dec(rec["cash_amount"]), dec(rec["debt_amount"])) == (D("0.5"), D(1), D("0.7"))
    assert rec["status"] == 2
    coupons = {c.coupon_id: c for c in dist.client.list_issued_partner_coupons(
        ListIssuedPartnerCouponsRequest(customer_id=cust.domain_id)).user_coupons}
    assert coupons[usable].status == 3
    assert coupons[later].status == 1 and D(str(coupons[later].balance)) == 10
    assert coupons[rds_only].status == 2 and D(str(coupons[rds_only].balance)) == 10
    bal = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    by_type = {b.account_type: dec(b.amount) for b in bal.account_balances}
    assert by_type.get(1, D(0)) == 0 and by_type.get(5) == D(10) and dec(bal.debt_amount) == D("0.7")
    verify_ledger(world.cli)
