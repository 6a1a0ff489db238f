"""Resource packages sold as yearly/monthly products.

A `period` product of the catalog may carry `package_usage_type`, `package_amount` (what one
month carries; a year carries twelve times it) and `package_measure_id`. Buying it
(`admin resource provision`) charges the subscription like any other and opens a resource
package for the customer, listed by ListFreeResourceInfos and ListFreeResourceUsages and used
by the customer's pay-per-use usage before any money; renewing (`admin resource renew`)
extends and tops it up, unsubscribing ends it (status 4).

Everything runs on servers of their own (the scenarios set the business clock), and every
expected amount is computed here, exactly, from the catalog and the clock around each call.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import re
import subprocess
import uuid
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

import pytest
import requests

from huaweicloudsdkbss.v2 import (
    ListFreeResourceInfosReq,
    ListFreeResourceInfosRequest,
    ListFreeResourcesUsageRecordsRequest,
    ListFreeResourceUsagesReq,
    ListFreeResourceUsagesRequest,
    ShowCustomerAccountBalancesRequest,
)

from conftest import Cli, CustomerFactory, PartnerFactory, pc_env, sign_and_send
from funds_support import fund, grant, verify_ledger

D = Decimal
OBS, OBS_RT = "hws.service.type.obs", "hws.resource.type.obs"
EC2, VM = "hws.service.type.ec2", "hws.resource.type.vm"
REGION, EAST = "cn-north-4", "cn-east-3"
BEIJING = dt.timezone(dt.timedelta(hours=8))
GB, MB, TB = 10, 11, 9

PKG_100 = "obs_downflow_package_100GB"     # 100 GB a month, imported as JSON
PKG_TB = "obs_downflow_package_half_TB"    # 0.5 TB a month, imported as CSV

PACKAGES = "/v3/payments/free-resources/query"
PACKAGE_USAGE = "/v2/bills/customer-bills/free-resources-usage-records"
FEE_RECORDS = "/v2/bills/customer-bills/fee-records"
RES_FEE_RECORDS = "/v2/bills/subcustomer-bills/res-fee-records"

CSV_HEADER = ("product_id,cloud_service_type,resource_type,resource_spec,region,charge_mode,"
              "usage_factor,usage_measure_id,size_measure_id,effective_from,effective_until,"
              "unit_price,tiers,hour_price,day_price,month_price,year_price")
PACKAGE_COLUMNS = "package_usage_type,package_amount,package_measure_id"


def package_product(spec: str = PKG_100, **extra) -> dict:
    p = {"cloud_service_type": OBS, "resource_type": OBS_RT, "resource_spec": spec, "region": REGION,
         "charge_mode": "period", "month_price": "49", "year_price": "490",
         "package_usage_type": "downflow", "package_amount": "100", "package_measure_id": 10}
    p.update(extra)
    return {k: v for k, v in p.items() if v is not None}


# ----------------------------------------------------------------------------- helpers

def parse_utc(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_months(d: dt.date, months: int) -> dt.date:
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def expiry_after(start: str, period_type: int, period_num: int) -> str:
    """End (23:59:59 Beijing) of the Beijing day N months/years after the Beijing date of `start`."""
    months = period_num if period_type == 2 else 12 * period_num
    day = parse_utc(start).astimezone(BEIJING).date()
    return f"{add_months(day, months).isoformat()}T15:59:59Z"


def frac(v: Any) -> Fraction:
    return Fraction(str(v))


def fdec(x: Fraction) -> Decimal:
    d = Decimal(x.numerator) / Decimal(x.denominator)
    assert Fraction(str(d)) == x, f"{x} has no short decimal form"
    return d


def trunc(x: Fraction, places: int) -> Decimal:
    assert x >= 0
    scale = 10 ** places
    return Decimal(x.numerator * scale // x.denominator).scaleb(-places)


def round2(x: Fraction) -> Decimal:
    """Half up to two decimals."""
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
    """A package quantity as the v3 API writes it: a decimal string."""
    assert isinstance(v, str) and re.fullmatch(r"\d+(\.\d+)?", v), f"not a decimal string: {v!r}"
    return Decimal(v)


def dumps(record: dict) -> str:
    """One JSON line; Decimal values become JSON numbers written exactly as given."""
    marked = {k: (f"@@{v}@@" if isinstance(v, Decimal) else v) for k, v in record.items()}
    return re.sub(r'"@@(-?[0-9.Ee+-]+)@@"', r"\1", json.dumps(marked))


def ok(resp: requests.Response) -> dict:
    assert resp.status_code == 200, f"{resp.status_code}: {resp.text}"
    return resp.json(parse_float=Decimal)


def get(principal, path: str, **query) -> requests.Response:
    return principal.signed("GET", path, query={k: str(v) for k, v in query.items()})


def all_pages(principal, path: str, key: str, **query) -> list[dict]:
    out, offset = [], 0
    while True:
        page = ok(get(principal, path, offset=offset, limit=1000, **query))
        items = page.get(key) or []
        out.extend(items)
        offset += len(items)
        if not items or offset >= page["total_count"]:
            assert len(out) == page["total_count"], (len(out), page["total_count"])
            return out


def packages_of(principal, **body) -> dict[str, dict]:
    """ListFreeResourceInfos (raw JSON), by free_resource_id."""
    page = ok(principal.signed("POST", PACKAGES, dict(body, limit=1000)))
    out = {}
    for p in page["free_resource_packages"]:
        assert len(p["free_resources"]) == 1, p
        out[p["free_resources"][0]["free_resource_id"]] = p
    assert len(out) == page["total_count"], page
    return out


def item_details(principal, ids: list[str]) -> dict[str, Any]:
    """ListFreeResourceUsages through the SDK, by free_resource_id."""
    resp = principal.client.list_free_resource_usages(
        ListFreeResourceUsagesRequest(body=ListFreeResourceUsagesReq(free_resource_ids=ids)))
    return {d.free_resource_id: d for d in resp.free_resources or []}


def deductions(principal, begin: str, end: str, **filters) -> list[dict]:
    return all_pages(principal, PACKAGE_USAGE, "free_resource_records", deduct_time_begin=begin,
                     deduct_time_end=end, **filters)


def partner_records(partner, cycle: str, **filters) -> list[dict]:
    return all_pages(partner, RES_FEE_RECORDS, "fee_records", bill_cycle=cycle, **filters)


def customer_records(principal, cycle: str, **filters) -> list[dict]:
    return all_pages(principal, FEE_RECORDS, "records", bill_cycle=cycle, **filters)


def balance(principal) -> tuple[Decimal, Decimal]:
    """(cash, arrears) from ShowCustomerAccountBalances."""
    resp = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    by_type = {b.account_type: dec(b.amount) for b in resp.account_balances or []}
    return by_type.get(1, D(0)), dec(resp.debt_amount)


# ----------------------------------------------------------------------------- the shop

class Shop:
    """One private server with the package products imported, and a model of the money."""

    def __init__(self, srv, cli: Cli, tmp: Path):
        self.srv, self.cli, self.tmp = srv, cli, tmp
        self.partners = PartnerFactory(cli, srv.base_url)
        self.customers = CustomerFactory(self.partners)
        self.cash: dict[str, Decimal] = defaultdict(lambda: D(0))
        self.debt: dict[str, Decimal] = defaultdict(lambda: D(0))
        self._n = 0
        self.operator = cli("admin", "key", "create", "--operator", "--json")
        self.load_catalog()

    def load_catalog(self):
        doc = json.loads(self.cli("admin", "catalog", "export"))
        self.products = doc["products"]
        self.edges: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
        for c in doc["conversions"]:
            r = frac(c["ratio"])  # one measure_id is `ratio` ref_measure_id
            self.edges[c["measure_id"]].append((c["ref_measure_id"], r))
            self.edges[c["ref_measure_id"]].append((c["measure_id"], 1 / r))

    def product(self, spec: str, mode: str = "period", region: str = REGION, factor: Optional[str] = None) -> dict:
        [p] = [p for p in self.products if p["resource_type"] == OBS_RT and p["resource_spec"] == spec
               and p["region"] == region and p["charge_mode"] == mode
               and (factor is None or p.get("usage_factor") == factor)]
        return p

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

    def usage_cost(self, r: dict, value: Fraction) -> Decimal:
        """What `value` (in the record's unit) of the record's product costs, at list price."""
        p = self.product(r["resource_spec"], "on_demand", r["region"], r["usage_type"])
        qty = value * self.factor(r["usage_measure_id"], p["usage_measure_id"])
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
        else:
            total = qty * frac(p["unit_price"])
        return trunc(total, 2)

    # --- clock
    def now(self) -> dt.datetime:
        return parse_utc(self.cli("admin", "clock", "show", "--json")["now"])

    def set_clock(self, when: str) -> dt.datetime:
        return parse_utc(self.cli("admin", "clock", "set", when, "--json")["now"])

    def advance(self, by: str) -> dt.datetime:
        return parse_utc(self.cli("admin", "clock", "advance", by, "--json")["now"])

    # --- parties
    def customer(self, cash: Optional[str] = None, dist=None, referral: bool = False):
        """A customer; a referral one (whose orders may carry its partner's discount) pays
        its cash in itself."""
        if dist is None:
            dist = self.partners.solution_provider()
            fund(self.cli, dist.domain_id, "100000")
        cust = self.customers.create(dist, cooperation_type="1" if referral else None)
        if cash:
            if referral:
                self.cli("admin", "customer", "top-up", "--customer-id", cust.domain_id, "--amount", cash, "--json")
            else:
                grant(dist, cust.domain_id, cash)
            self.cash[cust.domain_id] += D(cash)
        return dist, cust.domain_id, self.customers.principal(cust)

    def pay(self, c: str, amount: Decimal):
        take = min(amount, max(self.cash[c], D(0)))
        self.cash[c] -= take
        self.debt[c] += amount - take

    def refund(self, c: str, amount: Decimal):
        """An unsubscription's refund returns to where the money came from: here, cash."""
        self.cash[c] += amount

    def expect_balance(self, principal, c: str):
        assert balance(principal) == (self.cash[c], self.debt[c]), (self.cash[c], self.debt[c])

    # --- subscriptions
    def provision(self, c: str, spec: str, period_type: int, period_num: int, effective: str,
                  resource_id: Optional[str] = None) -> dict:
        rid = resource_id or f"pkg-{uuid.uuid4().hex[:12]}"
        out = self.cli("admin", "resource", "provision", "--customer-id", c, "--service-type", OBS,
                       "--resource-type", OBS_RT, "--spec", spec, "--region", REGION,
                       f"--period-type={period_type}", f"--period-num={period_num}", "--resource-id", rid,
                       "--effective", effective, "--json")
        assert out["resource_id"] == rid, out
        assert out["effective_time"] == effective, out
        assert out["expire_time"] == expiry_after(effective, period_type, period_num), out
        return out

    def renew(self, rid: str, period_num: int, period_type: Optional[int] = None) -> dict:
        args = ["admin", "resource", "renew", "--resource-id", rid, f"--period-num={period_num}"]
        if period_type is not None:
            args.append(f"--period-type={period_type}")
        return self.cli(*args, "--json")

    # --- usage
    def usage(self, c: str, value: Any, measure: int, begin: str, region: str = REGION,
              usage_type: str = "downflow", resource_id: Optional[str] = None) -> dict:
        self._n += 1
        rid = f"u-{uuid.uuid4().hex[:10]}-{self._n}"
        return {"record_id": rid, "customer_id": c, "resource_id": resource_id or f"bucket-{rid}",
                "cloud_service_type": OBS, "resource_type": OBS_RT, "resource_spec": "obs_standard",
                "region": region, "usage_type": usage_type, "usage_value": D(str(value)),
                "usage_measure_id": measure, "begin_time": begin,
                "end_time": utc(parse_utc(begin) + dt.timedelta(hours=1))}

    def import_usage(self, records: list[dict]):
        path = self.tmp / f"usage-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("".join(dumps(r) + "\n" for r in records))
        out = self.cli("admin", "usage", "import", str(path), "--json")
        assert out == {"imported": len(records), "duplicates": 0, "rejected": 0,
                       "fee_records": len(records)}, out


@pytest.fixture(scope="module")
def shop(start_server, binary, tmp_path_factory):
    srv = start_server("package-products", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    tmp = tmp_path_factory.mktemp("pkgprod")
    # one package product as JSON, one as CSV (0.5 TB a month)
    path = tmp / "packages.json"
    path.write_text(json.dumps({"products": [package_product()]}))
    assert cli("admin", "catalog", "import", str(path), "--json")["products"] == 1
    path = tmp / "packages.csv"
    row = dict(zip(CSV_HEADER.split(","), [""] * 17))
    row.update(cloud_service_type=OBS, resource_type=OBS_RT, resource_spec=PKG_TB, region=REGION,
               charge_mode="period", month_price="199", year_price="1990")
    path.write_text(CSV_HEADER + "," + PACKAGE_COLUMNS + "\n"
                    + ",".join(row.values()) + ",downflow,0.5,9\n")
    assert cli("admin", "catalog", "import", str(path), "--json")["products"] == 1
    s = Shop(srv, cli, tmp)
    yield s
    cli("admin", "clock", "reset", "--json")


# ============================================================================= catalog

@pytest.fixture(scope="module")
def catalog(start_server, binary, tmp_path_factory):
    """A server of its own whose catalog starts as the default one."""
    srv = start_server("package-catalog", ["--rate-limit", "0"])
    return Cli(binary, srv.database), tmp_path_factory.mktemp("pkgcat")


def export_json(cli: Cli) -> dict:
    return json.loads(cli("admin", "catalog", "export"))


def export_csv(cli: Cli) -> list[list[str]]:
    return list(csv.reader(io.StringIO(cli("admin", "catalog", "export", "--format", "csv") + "\n")))


def test_catalog_without_packages_exports_the_plain_layout(catalog):
    cli, _ = catalog
    rows = export_csv(cli)
    assert ",".join(rows[0]) == CSV_HEADER
    assert all(len(r) == 17 for r in rows), [r for r in rows if len(r) != 17][:3]
    for p in export_json(cli)["products"]:
        assert not {"package_usage_type", "package_amount", "package_measure_id"} & set(p), p


ON_DEMAND_OBS = {"cloud_service_type": OBS, "resource_type": OBS_RT, "resource_spec": "obs_pkgtest",
                 "region": REGION, "charge_mode": "on_demand", "usage_factor": "downflow",
                 "usage_measure_id": 10, "unit_price": "0.5", "package_usage_type": "downflow",
                 "package_amount": "100", "package_measure_id": 10}

BAD_PACKAGES = [
    ("usage_type_only", dict(package_amount=None, package_measure_id=None), "package_usage_type"),
    ("no_measure", dict(package_measure_id=None), "package_usage_type"),
    ("no_usage_type", dict(package_usage_type=None), "package_usage_type"),
    ("measure_only", dict(package_usage_type=None, package_amount=None), "package_usage_type"),
    ("amount_only", dict(package_usage_type=None, package_measure_id=None), "package_usage_type"),
    ("usage_type_of_vm", dict(package_usage_type="Duration"), "package_usage_type"),
    ("usage_type_of_bandwidth", dict(package_usage_type="upflow"), "package_usage_type"),
    ("unknown_usage_type", dict(package_usage_type="sideflow"), "package_usage_type"),
    ("zero_amount", dict(package_amount="0"), "package_amount"),
    ("negative_amount", dict(package_amount="-5"), "package_amount"),
    ("text_amount", dict(package_amount="lots"), "package_amount"),
    ("exponent_amount", dict(package_amount="1e2"), "package_amount"),
    ("nine_places", dict(package_amount="1.123456789"), "package_amount"),
    ("unknown_measure", dict(package_measure_id=999), "package_measure_id"),
    ("on_demand", "on_demand", "package_usage_type"),
]


def bad_product(change) -> dict:
    if change == "on_demand":
        return dict(ON_DEMAND_OBS)
    return package_product("obs_bad_package", **change)


def csv_text(products: list[dict]) -> str:
    cols = CSV_HEADER.split(",") + PACKAGE_COLUMNS.split(",")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for p in products:
        w.writerow(["" if p.get(c) is None else str(p[c]) for c in cols])
    return buf.getvalue()


@pytest.mark.parametrize("change,field", [(c, f) for _, c, f in BAD_PACKAGES], ids=[n for n, _, _ in BAD_PACKAGES])
def test_bad_package_fields_refuse_the_whole_file(catalog, change, field):
    cli, tmp = catalog
    before = export_json(cli)
    for fmt in ("json", "csv"):
        good = package_product("obs_good_package_" + uuid.uuid4().hex[:6])
        bad = bad_product(change)
        path = tmp / f"bad-{uuid.uuid4().hex[:8]}.{fmt}"
        if fmt == "json":
            # the bad product is the second one, and on the second line of the file
            path.write_text('{"products": [' + json.dumps(good) + ",\n" + json.dumps(bad) + "]}")
        else:
            path.write_text(csv_text([good, bad]))  # header, good (line 2), bad (line 3)
        line = 2 if fmt == "json" else 3
        proc = cli.run("admin", "catalog", "import", str(path), "--json")
        assert proc.returncode == 1, (fmt, proc.returncode, proc.stdout, proc.stderr)
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        assert lines and all(l.startswith("error: ") for l in lines), proc.stderr
        assert any(l.startswith(f"error: {path}: line {line}: {field}: ") for l in lines), (fmt, proc.stderr)
        # only the bad product is named
        assert not [l for l in lines if ": line " in l and f": line {line}: " not in l], (fmt, proc.stderr)
    # nothing of either file was imported
    assert export_json(cli) == before


def test_csv_measure_must_be_an_integer(catalog):
    cli, tmp = catalog
    before = export_json(cli)
    path = tmp / "bad-measure.csv"
    path.write_text(csv_text([package_product("obs_pkg_measure", package_measure_id="GB")]))
    proc = cli.run("admin", "catalog", "import", str(path), "--json")
    assert proc.returncode == 1, proc
    assert f"error: {path}: line 2: package_measure_id: " in proc.stderr, proc.stderr
    assert export_json(cli) == before


def test_package_products_import_and_export(catalog):
    cli, tmp = catalog
    assert ",".join(export_csv(cli)[0]) == CSV_HEADER  # nothing was imported so far
    month = package_product()
    exact = package_product("obs_downflow_package_fine", package_amount="0.12345678", package_measure_id=TB,
                            month_price="1.5", year_price="15")
    path = tmp / "good.json"
    path.write_text(json.dumps({"products": [month, exact]}))
    assert cli("admin", "catalog", "import", str(path), "--json") == {
        "service_types": 0, "resource_types": 0, "usage_types": 0, "products": 2, "price_plans": 2}
    # CSV: the package columns are optional; rows without them are plain products
    plain = {"cloud_service_type": EC2, "resource_type": VM, "resource_spec": "s6.pkgtest.linux",
             "region": REGION, "charge_mode": "period", "month_price": "10", "year_price": "100"}
    by_csv = package_product("obs_downflow_package_csv", package_amount="2.5", package_measure_id=TB)
    metered = {k: v for k, v in ON_DEMAND_OBS.items() if not k.startswith("package_")}
    path = tmp / "good.csv"
    path.write_text(csv_text([by_csv, plain, metered]))
    assert cli("admin", "catalog", "import", str(path), "--json")["products"] == 3

    doc = export_json(cli)
    mine = {p["resource_spec"]: p for p in doc["products"]
            if p["resource_spec"] in (PKG_100, exact["resource_spec"], by_csv["resource_spec"], plain["resource_spec"],
                                      metered["resource_spec"])}
    assert set(mine) == {PKG_100, exact["resource_spec"], by_csv["resource_spec"], plain["resource_spec"],
                         metered["resource_spec"]}
    for want in (month, exact, by_csv):
        got = mine[want["resource_spec"]]
        assert got["charge_mode"] == "period", got
        assert got["package_usage_type"] == "downflow", got
        assert dec(got["package_amount"]) == D(want["package_amount"]), got
        assert got["package_measure_id"] == want["package_measure_id"], got
        assert (dec(got["month_price"]), dec(got["year_price"])) == (D(want["month_price"]), D(want["year_price"])), got
    for spec in (plain["resource_spec"], metered["resource_spec"]):
        assert not {"package_usage_type", "package_amount", "package_measure_id"} & set(mine[spec]), mine[spec]
    # other products carry no package
    assert [p for p in doc["products"] if p.get("package_usage_type")
            and p["resource_spec"] not in mine] == []

    rows = export_csv(cli)
    assert ",".join(rows[0]) == CSV_HEADER + "," + PACKAGE_COLUMNS
    body = [dict(zip(rows[0], r)) for r in rows[1:] if r]
    assert all(len(r) == 20 for r in rows if r)
    by_spec = {r["resource_spec"]: r for r in body}
    for want in (month, exact, by_csv):
        r = by_spec[want["resource_spec"]]
        assert (r["package_usage_type"], D(r["package_amount"]), r["package_measure_id"]) == (
            "downflow", D(want["package_amount"]), str(want["package_measure_id"])), r
    for r in body:
        if r["resource_spec"] not in (PKG_100, exact["resource_spec"], by_csv["resource_spec"]):
            assert (r["package_usage_type"], r["package_amount"], r["package_measure_id"]) == ("", "", ""), r
    # the exports import back unchanged, JSON and CSV alike
    path = tmp / "export.json"
    cli("admin", "catalog", "export", "--output", str(path))
    cli("admin", "catalog", "import", str(path), "--json")
    assert export_json(cli) == doc
    path = tmp / "export.csv"
    cli("admin", "catalog", "export", "--format", "csv", "--output", str(path))
    cli("admin", "catalog", "import", str(path), "--json")
    assert export_json(cli) == doc


# ============================================================================= buying, using, renewing

def expect_item(pkg: dict, *, status: int, effective: str, expires: str, remaining: Any, total: Any,
                measure: int = GB, product_id: Optional[str] = None):
    assert pkg["status"] == status, pkg
    assert pkg["effective_time"] == effective and pkg["expire_time"] == expires, pkg
    assert pkg["service_type_code"] == OBS and pkg["region_code"] == REGION, pkg
    if product_id is not None:
        assert pkg["product_id"] == product_id, pkg
    assert isinstance(pkg["product_name"], str) and pkg["product_name"], pkg
    [item] = pkg["free_resources"]
    assert isinstance(item["usage_type_name"], str) and item["usage_type_name"], item
    assert quantity(item["amount"]) == D(str(remaining)), (item, remaining)
    assert quantity(item["original_amount"]) == D(str(total)), (item, total)
    assert item["measure_id"] == measure, item


def expect_detail(d, *, effective: str, expires: str, remaining: Any, total: Any, measure: int = GB):
    assert d is not None
    assert (d.start_time, d.end_time) == (effective, expires), d
    assert dec(d.amount) == D(str(remaining)) and dec(d.original_amount) == D(str(total)), d
    assert d.measure_id == measure, d


def usage_fees(dist, c: str, cycle: str) -> dict[str, dict]:
    """Pay-per-use records of the cycle, by resource id."""
    return {r["resource_id"]: r for r in partner_records(dist, cycle, customer_id=c) if r["charging_mode"] == 3}


def test_monthly_package_bought_used_renewed_and_unsubscribed(shop):
    s = shop
    s.set_clock("2026-08-10T04:00:00Z")
    dist, c, me = s.customer(cash="1000")
    _, other_c, other = s.customer(cash="10", dist=dist)
    product = s.product(PKG_100)
    month, year = D(product["month_price"]), D(product["year_price"])
    assert (month, year) == (D(49), D(490))
    per_month = D(product["package_amount"])
    assert per_month == 100 and product["package_measure_id"] == GB

    start = "2026-08-10T04:00:00Z"
    rid = f"pkg-{uuid.uuid4().hex[:10]}"
    sub = s.provision(c, PKG_100, 2, 1, start, resource_id=rid)
    expires = sub["expire_time"]
    assert expires == "2026-09-10T15:59:59Z"
    s.pay(c, month)
    s.expect_balance(me, c)

    # the purchase is a bill-type-1 record of the subscription's price
    [buy] = partner_records(dist, "2026-08", customer_id=c, bill_detail_type=1)
    assert buy["resource_id"] == rid and buy["charging_mode"] == 1, buy
    assert (dec(buy["official_amount"]), dec(buy["payment_amount"]), dec(buy["cash_amount"])) == (month, month, month), buy
    [mine] = customer_records(me, "2026-08", bill_type=1)
    assert (dec(mine["official_amount"]), dec(mine["consume_amount"])) == (month, month), mine

    # ... and it opens a package of 100 GB for the subscription's life
    pkgs = packages_of(me)
    assert len(pkgs) == 1, pkgs
    [(item, pkg)] = pkgs.items()
    expect_item(pkg, status=1, effective=start, expires=expires, remaining=100, total=100,
                product_id=product["product_id"])
    resp = me.client.list_free_resource_infos(ListFreeResourceInfosRequest(body=ListFreeResourceInfosReq(status=1)))
    assert resp.total_count == 1
    [sdk_pkg] = resp.free_resource_packages
    assert (sdk_pkg.status, sdk_pkg.effective_time, sdk_pkg.expire_time) == (1, start, expires)
    [sdk_item] = sdk_pkg.free_resources
    assert (sdk_item.free_resource_id, D(sdk_item.amount), D(sdk_item.original_amount), sdk_item.measure_id) == (
        item, D(100), D(100), GB)
    expect_detail(item_details(me, [item]).get(item), effective=start, expires=expires, remaining=100, total=100)
    # the other customer sees none of it
    assert packages_of(other) == {} and item_details(other, [item]) == {}
    verify_ledger(s.cli)

    # usage of the bought package's kind is covered first
    s.set_clock("2026-08-12T04:00:00Z")
    r1 = s.usage(c, 30, GB, "2026-08-11T01:00:00Z")
    r2 = s.usage(c, 51200, MB, "2026-08-11T02:00:00Z")               # 50 GB
    r3 = s.usage(c, 25, GB, "2026-08-11T03:00:00Z")                  # 20 covered, 5 paid
    cap = s.usage(c, 1000, GB, "2026-08-11T04:00:00Z", usage_type="capacity")  # not downflow
    east = s.usage(c, 2, GB, "2026-08-11T05:00:00Z", region=EAST)     # another region
    theirs = s.usage(other_c, 4, GB, "2026-08-11T06:00:00Z")         # another customer
    early = s.usage(c, 3, GB, "2026-08-10T02:00:00Z")                # before the subscription started
    s.import_usage([early, r1, r2, r3, cap, east, theirs])
    costs = {r1["resource_id"]: D(0), r2["resource_id"]: D(0), r3["resource_id"]: s.usage_cost(r3, Fraction(5)),
             cap["resource_id"]: s.usage_cost(cap, Fraction(1000)), east["resource_id"]: s.usage_cost(east, Fraction(2)),
             early["resource_id"]: s.usage_cost(early, Fraction(3))}
    assert costs[r3["resource_id"]] == D("2.50")
    for amount in costs.values():
        s.pay(c, amount)
    other_cost = s.usage_cost(theirs, Fraction(4))
    s.pay(other_c, other_cost)
    covered = {r1["resource_id"]: D(30), r2["resource_id"]: D(51200), r3["resource_id"]: D(20),
               cap["resource_id"]: D(0), east["resource_id"]: D(0), early["resource_id"]: D(0)}
    fees = usage_fees(dist, c, "2026-08")
    assert set(fees) == set(costs), fees
    for res, f in fees.items():
        assert dec(f.get("free_resource_usage") or 0) == covered[res], f
        assert dec(f["payment_amount"]) == costs[res] == dec(f["cash_amount"]), f
    assert dec(fees[r2["resource_id"]]["free_resource_measure_id"]) == MB
    [f] = usage_fees(dist, other_c, "2026-08").values()
    assert dec(f.get("free_resource_usage") or 0) == 0 and dec(f["payment_amount"]) == other_cost
    s.expect_balance(me, c)
    s.expect_balance(other, other_c)

    recs = deductions(me, "2026-08-12", "2026-08-12")
    got = sorted((g["resource_id"], quantity(g["available_amount"]), quantity(g["used_amount"]),
                  quantity(g["remaining_amount"])) for g in recs)
    assert got == sorted([(r1["resource_id"], D(100), D(30), D(70)), (r2["resource_id"], D(70), D(50), D(20)),
                          (r3["resource_id"], D(20), D(20), D(0))]), recs
    for g in recs:
        assert g["free_resource_id"] == item and g["product_id"] == product["product_id"], g
        assert g["usage_type_code"] == "downflow" and g["measure_id"] == GB and g["resource_type_code"] == OBS_RT, g
    sdk = me.client.list_free_resources_usage_records(ListFreeResourcesUsageRecordsRequest(
        deduct_time_begin="2026-08-12", deduct_time_end="2026-08-12", free_resource_id=item, limit=10))
    assert sdk.total_count == 3
    assert deductions(other, "2026-08-12", "2026-08-12") == []
    # used up
    expect_item(packages_of(me)[item], status=2, effective=start, expires=expires, remaining=0, total=100)
    assert set(packages_of(me, status=2)) == {item} and packages_of(me, status=1) == {}
    assert set(packages_of(me, product_id=product["product_id"])) == {item}
    assert set(packages_of(me, region_code=REGION, service_type_code_list=[OBS])) == {item}
    assert packages_of(me, region_code=EAST) == {}
    verify_ledger(s.cli)

    # renewing two months: to the new expiry, with 200 GB more
    out = s.renew(rid, 2)
    expires2 = expiry_after(expires, 2, 2)
    assert out["expire_time"] == expires2 == "2026-11-10T15:59:59Z"
    s.pay(c, 2 * month)
    expect_item(packages_of(me)[item], status=1, effective=start, expires=expires2, remaining=200, total=300)
    expect_detail(item_details(me, [item])[item], effective=start, expires=expires2, remaining=200, total=300)
    renewals = partner_records(dist, "2026-08", customer_id=c, bill_detail_type=2)
    assert [(r["resource_id"], dec(r["official_amount"]), dec(r["payment_amount"])) for r in renewals] == [
        (rid, 2 * month, 2 * month)]
    s.set_clock("2026-09-20T04:00:00Z")  # after the first month, inside the renewed ones
    r4 = s.usage(c, 10, GB, "2026-09-19T01:00:00Z")
    s.import_usage([r4])
    assert dec(usage_fees(dist, c, "2026-09")[r4["resource_id"]]["free_resource_usage"]) == 10
    expect_item(packages_of(me)[item], status=1, effective=start, expires=expires2, remaining=190, total=300)

    # a year more: twelve months' worth
    out = s.renew(rid, 1, period_type=3)
    expires3 = expiry_after(expires2, 3, 1)
    assert out["expire_time"] == expires3 == "2027-11-10T15:59:59Z"
    s.pay(c, year)
    expect_item(packages_of(me)[item], status=1, effective=start, expires=expires3, remaining=1390, total=1500)
    s.expect_balance(me, c)
    verify_ledger(s.cli)

    # unsubscribing refunds the unused share and ends the package
    s.advance("2d")
    lo = s.now()
    done = s.cli("admin", "resource", "unsubscribe", "--resource-id", rid, "--json")
    hi = s.now()
    assert done["resource_ids"] == [rid], done
    # The first month is over; the two-month renewal is in effect and returns its unused
    # share (truncated to the fen); the year, not begun, returns in full.
    begun, ends = parse_utc(expires), parse_utc(expires2)

    def refund_at(t: dt.datetime) -> Decimal:
        share = Fraction(int((ends - t).total_seconds()), int((ends - begun).total_seconds()))
        return trunc(frac(2 * month) * share, 2) + year

    refund = dec(done["refund"])
    assert refund_at(hi + dt.timedelta(seconds=1)) <= refund <= refund_at(lo), (refund, refund_at(lo))
    [rec] = partner_records(dist, "2026-09", customer_id=c, bill_detail_type=4)
    assert rec["resource_id"] == rid and dec(rec["payment_amount"]) == -refund, rec
    s.refund(c, refund)
    s.expect_balance(me, c)
    pkg = packages_of(me)[item]
    assert pkg["status"] == 4, pkg
    assert set(packages_of(me, status=4)) == {item}
    assert packages_of(me, status=1) == {}
    assert me.client.list_free_resource_infos(ListFreeResourceInfosRequest(
        body=ListFreeResourceInfosReq(status=4))).free_resource_packages[0].status == 4
    # later usage is paid for
    s.set_clock("2026-09-25T04:00:00Z")
    r5 = s.usage(c, 6, GB, "2026-09-24T01:00:00Z")
    s.import_usage([r5])
    cost = s.usage_cost(r5, Fraction(6))
    assert cost == D("3.00")
    s.pay(c, cost)
    f = usage_fees(dist, c, "2026-09")[r5["resource_id"]]
    assert dec(f.get("free_resource_usage") or 0) == 0 and dec(f["payment_amount"]) == cost, f
    assert [g for g in deductions(me, "2026-09-25", "2026-09-25")] == []
    s.expect_balance(me, c)
    # closed: neither renewed nor unsubscribed again
    for verb in ("renew", "unsubscribe"):
        proc = s.cli.run("admin", "resource", verb, "--resource-id", rid, "--json")
        assert proc.returncode == 1, proc
    assert packages_of(me)[item]["status"] == 4
    verify_ledger(s.cli)


def test_yearly_purchase_with_discount_in_terabytes(shop):
    s = shop
    s.set_clock("2026-03-31T04:00:00Z")
    dist, c, me = s.customer(cash="10000", referral=True)
    s.cli("admin", "discount", "set", "--customer-id", c, "--service-type", OBS, "--rate", "0.83",
          "--effective", "2026-03-01T00:00:00Z", "--expires", "2027-12-31", "--json")
    rate = Fraction(83, 100)
    tb = s.product(PKG_TB)
    assert (tb["package_usage_type"], D(tb["package_amount"]), tb["package_measure_id"]) == ("downflow", D("0.5"), TB)
    hundred = s.product(PKG_100)

    # two years of 0.5 TB a month: 12 TB
    start = "2026-03-31T04:00:00Z"
    a = s.provision(c, PKG_TB, 3, 2, start)
    assert a["expire_time"] == "2028-03-31T15:59:59Z"
    official = frac(tb["year_price"]) * 2
    consume = round2(official * rate)
    s.pay(c, consume)
    # a month of 100 GB, bought the same day (expiring first)
    b = s.provision(c, PKG_100, 2, 1, start)
    assert b["expire_time"] == "2026-04-30T15:59:59Z"  # 31 March + 1 month, clamped
    consume_b = round2(frac(hundred["month_price"]) * rate)
    s.pay(c, consume_b)
    buys = {r["resource_id"]: r for r in partner_records(dist, "2026-03", customer_id=c, bill_detail_type=1)}
    assert {k: (dec(r["official_amount"]), dec(r["payment_amount"])) for k, r in buys.items()} == {
        a["resource_id"]: (fdec(official), consume), b["resource_id"]: (D(49), consume_b)}
    assert consume == D("3303.40") and consume_b == D("40.67")
    s.expect_balance(me, c)

    pkgs = packages_of(me)
    assert len(pkgs) == 2
    by_expiry = sorted(pkgs.items(), key=lambda kv: kv[1]["expire_time"])
    (item_b, pkg_b), (item_a, pkg_a) = by_expiry
    expect_item(pkg_a, status=1, effective=start, expires=a["expire_time"], remaining=12, total=12, measure=TB,
                product_id=tb["product_id"])
    expect_item(pkg_b, status=1, effective=start, expires=b["expire_time"], remaining=100, total=100,
                product_id=hundred["product_id"])
    details = item_details(me, [item_a, item_b])
    expect_detail(details[item_a], effective=start, expires=a["expire_time"], remaining=12, total=12, measure=TB)

    # 150 GB: the 100 GB package expires first, then 50 GB = 50/1024 TB from the other
    s.set_clock("2026-04-02T04:00:00Z")
    r = s.usage(c, 150, GB, "2026-04-01T01:00:00Z")
    s.import_usage([r])
    left_a = Fraction(12) - Fraction(50, 1024)
    expect_item(packages_of(me)[item_a], status=1, effective=start, expires=a["expire_time"],
                remaining=fdec(left_a), total=12, measure=TB)
    expect_item(packages_of(me)[item_b], status=2, effective=start, expires=b["expire_time"], remaining=0, total=100)
    recs = deductions(me, "2026-04-02", "2026-04-02")
    assert sorted((g["free_resource_id"], quantity(g["used_amount"]), g["measure_id"]) for g in recs) == sorted(
        [(item_b, D(100), GB), (item_a, fdec(Fraction(50, 1024)), TB)]), recs
    [f] = usage_fees(dist, c, "2026-04").values()
    assert dec(f["free_resource_usage"]) == 150 and dec(f["payment_amount"]) == 0, f

    # three months more of the yearly one: 1.5 TB, charged at the month price
    out = s.renew(a["resource_id"], 3, period_type=2)
    assert out["expire_time"] == "2028-06-30T15:59:59Z"
    official_r = frac(tb["month_price"]) * 3
    s.pay(c, round2(official_r * rate))
    [ren] = partner_records(dist, "2026-04", customer_id=c, bill_detail_type=2)
    assert (dec(ren["official_amount"]), dec(ren["payment_amount"])) == (fdec(official_r), round2(official_r * rate)), ren
    left_a += Fraction(3, 2)
    expect_item(packages_of(me)[item_a], status=1, effective=start, expires="2028-06-30T15:59:59Z",
                remaining=fdec(left_a), total=D("13.5"), measure=TB)
    # the month package expires with its subscription; usage after that is not covered by it
    s.set_clock("2026-05-02T04:00:00Z")
    assert packages_of(me)[item_b]["status"] == 3
    assert set(packages_of(me, status=3)) == {item_b}
    r2 = s.usage(c, 10, GB, "2026-05-01T01:00:00Z")
    s.import_usage([r2])
    left_a -= Fraction(10, 1024)
    assert dec(usage_fees(dist, c, "2026-05")[r2["resource_id"]]["free_resource_usage"]) == 10
    expect_item(packages_of(me)[item_a], status=1, effective=start, expires="2028-06-30T15:59:59Z",
                remaining=fdec(left_a), total=D("13.5"), measure=TB)
    # renewing the expired month (in its grace period) continues from its expiry, and brings
    # its package back with 100 GB
    out = s.renew(b["resource_id"], 1)
    assert out["expire_time"] == "2026-05-30T15:59:59Z"
    s.pay(c, consume_b)
    expect_item(packages_of(me)[item_b], status=1, effective=start, expires="2026-05-30T15:59:59Z",
                remaining=100, total=200)
    s.set_clock("2026-05-03T04:00:00Z")
    r3 = s.usage(c, 40, GB, "2026-05-02T06:00:00Z")
    s.import_usage([r3])
    expect_item(packages_of(me)[item_b], status=1, effective=start, expires="2026-05-30T15:59:59Z",
                remaining=60, total=200)
    s.expect_balance(me, c)
    verify_ledger(s.cli)


def test_granted_and_bought_packages_together(shop):
    s = shop
    s.set_clock("2026-06-15T04:00:00Z")
    dist, c, me = s.customer(cash="200")
    granted = s.cli("admin", "package", "grant", "--customer-id", c, "--resource-type", OBS_RT,
                    "--usage-type", "downflow", "--amount=10", f"--measure-id={GB}",
                    "--effective", "2026-06-01T00:00:00Z", "--expires", "2026-12-31T00:00:00Z", "--json")
    start = "2026-06-15T04:00:00Z"
    sub = s.provision(c, PKG_100, 2, 1, start)
    s.pay(c, D(49))
    bought = [k for k in packages_of(me) if k != granted["free_resource_id"]]
    assert len(bought) == 1
    [item] = bought
    # the bought package expires first and is used first
    s.set_clock("2026-06-17T04:00:00Z")
    r = s.usage(c, 104, GB, "2026-06-16T01:00:00Z")
    s.import_usage([r])
    pkgs = packages_of(me)
    expect_item(pkgs[item], status=2, effective=start, expires=sub["expire_time"], remaining=0, total=100)
    assert quantity(pkgs[granted["free_resource_id"]]["free_resources"][0]["amount"]) == 6
    # ending the subscription leaves the granted package alone
    done = s.cli("admin", "resource", "unsubscribe", "--resource-id", sub["resource_id"], "--json")
    s.refund(c, dec(done["refund"]))
    pkgs = packages_of(me)
    assert pkgs[item]["status"] == 4 and pkgs[granted["free_resource_id"]]["status"] == 1
    s.set_clock("2026-06-18T04:00:00Z")
    r2 = s.usage(c, 8, GB, "2026-06-17T01:00:00Z")
    s.import_usage([r2])
    cost = s.usage_cost(r2, Fraction(2))
    s.pay(c, cost)
    f = usage_fees(dist, c, "2026-06")[r2["resource_id"]]
    assert dec(f["free_resource_usage"]) == 6 and dec(f["payment_amount"]) == cost == D("1.00"), f
    assert quantity(packages_of(me)[granted["free_resource_id"]]["free_resources"][0]["amount"]) == 0
    s.expect_balance(me, c)
    verify_ledger(s.cli)


def test_package_follows_the_periods_bought(shop):
    s = shop
    s.set_clock("2026-07-01T04:00:00Z")
    dist, c, me = s.customer(cash="5000")
    start = "2026-07-01T04:00:00Z"
    three = s.provision(c, PKG_100, 2, 3, start)
    year = s.provision(c, PKG_TB, 3, 1, start)
    pkgs = packages_of(me)
    assert len(pkgs) == 2
    by_product = {p["product_id"]: p for p in pkgs.values()}
    expect_item(by_product[s.product(PKG_100)["product_id"]], status=1, effective=start,
                expires="2026-10-01T15:59:59Z", remaining=300, total=300)
    expect_item(by_product[s.product(PKG_TB)["product_id"]], status=1, effective=start,
                expires="2027-07-01T15:59:59Z", remaining=6, total=6, measure=TB)
    assert three["expire_time"] == "2026-10-01T15:59:59Z" and year["expire_time"] == "2027-07-01T15:59:59Z"
    buys = {r["resource_id"]: dec(r["payment_amount"])
            for r in partner_records(dist, "2026-07", customer_id=c, bill_detail_type=1)}
    assert buys == {three["resource_id"]: D(147), year["resource_id"]: D(1990)}
    s.pay(c, D(147) + D(1990))
    s.expect_balance(me, c)
    # A bought package carries its subscription's order; the order_id filter finds it alone.
    orders = {p["order_id"] for p in pkgs.values()}
    assert len(orders) == 2 and all(o.startswith("CS") for o in orders), orders
    for p in pkgs.values():
        assert set(packages_of(me, order_id=p["order_id"])) == {p["free_resources"][0]["free_resource_id"]}
    assert packages_of(me, order_id="CS000000000000000000") == {}


def test_other_products_open_no_package(shop):
    s = shop
    s.set_clock("2026-07-01T04:00:00Z")
    dist, c, me = s.customer(cash="500")
    out = s.cli("admin", "resource", "provision", "--customer-id", c, "--service-type", EC2,
                "--resource-type", VM, "--spec", "s6.small.1.linux", "--region", REGION,
                "--period-type=2", "--period-num=1", "--json")
    assert out["resource_id"]
    assert packages_of(me) == {}
    s.cli("admin", "resource", "renew", "--resource-id", out["resource_id"], "--json")
    s.cli("admin", "resource", "unsubscribe", "--resource-id", out["resource_id"], "--json")
    assert packages_of(me) == {}
    verify_ledger(s.cli)


def test_renewals_during_a_usage_import_keep_every_deduction(shop):
    """A renewal tops the package up while a usage import is using it: neither may undo the other."""
    s = shop
    s.set_clock("2026-10-05T04:00:00Z")
    dist, c, me = s.customer(cash="5000")
    start = "2026-10-05T04:00:00Z"
    sub = s.provision(c, PKG_100, 3, 1, start)
    s.pay(c, D(490))
    [item] = packages_of(me)
    s.set_clock("2026-10-07T04:00:00Z")
    records = [s.usage(c, "0.01", GB, f"2026-10-06T{i % 24:02d}:00:00Z", resource_id="bucket-race") for i in range(200)]
    path = s.tmp / f"race-{uuid.uuid4().hex[:8]}.jsonl"
    path.write_text("".join(dumps(r) + "\n" for r in records))
    op = s.operator
    imp = subprocess.Popen([str(s.cli.binary), "admin", "usage", "import", str(path), "--json",
                            "--database", s.cli.database],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=pc_env())
    renewals = 0
    try:
        # renew a month at a time for as long as the import runs
        while imp.poll() is None:
            r = sign_and_send(s.srv.base_url, "POST", f"/operator/v1/resources/{sub['resource_id']}/renew",
                              op["access_key"], op["secret_key"], body={"period_num": 1, "period_type": 2})
            assert r.status_code == 200, r.text
            renewals += 1
        out, err = imp.communicate(timeout=60)
    finally:
        if imp.poll() is None:
            imp.kill()
    assert imp.returncode == 0, err
    assert renewals >= 1
    assert json.loads(out)["imported"] == 200, out
    for _ in range(renewals):
        s.pay(c, D(49))
    # remaining = total - deductions, for every package item
    verify_ledger(s.cli)
    expires = expiry_after(expiry_after(start, 3, 1), 2, renewals)
    total = 1200 + 100 * renewals
    expect_item(packages_of(me)[item], status=1, effective=start, expires=expires,
                remaining=D(total) - D("2.00"), total=total)
    assert sum(quantity(g["used_amount"]) for g in deductions(me, "2026-10-07", "2026-10-07")) == D(2)
    s.expect_balance(me, c)
