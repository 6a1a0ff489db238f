"""Customers' yearly/monthly resources and the quotes built on them.

Covers `admin resource provision` and its operator HTTP twin, ListPayPerUseCustomerResources
(despite the name: the subscription resource list), ListRenewRateOnPeriod, and the legacy
v1.0 QueryRatingOld / QueryChangeRatingOld. Every expected amount is computed here from the
published default price book, with Decimal, so a pricing slip shows up as an exact mismatch.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Optional

import pytest

from huaweicloudsdkbss.v2 import (
    ListPayPerUseCustomerResourcesRequest,
    ListRenewRateOnPeriodReq,
    ListRenewRateOnPeriodRequest,
    QueryResourcesReq,
)

from conftest import (CliError, 
    assert_error,
    error_of,
    expect_sdk_error,
    sign_and_send,
    token_request,
)

EC2, VM = "hws.service.type.ec2", "hws.resource.type.vm"
EBS, VOLUME = "hws.service.type.ebs", "hws.resource.type.volume"
VPC, IP, BANDWIDTH = "hws.service.type.vpc", "hws.resource.type.ip", "hws.resource.type.bandwidth"
REGION = "cn-north-4"

LIST_PATH = "/v2/orders/suscriptions/resources/query"
RENEW_PATH = "/v2/bills/ratings/period-resources/renew-rate"
OPERATOR_PATH = "/operator/v1/resources"

D = Decimal
CENT = D("0.01")

# The published default price book (cn-north-4), yuan. Linear products are per GB / Mbps.
PRODUCTS = {
    "small": (EC2, VM, "s6.small.1.linux"),
    "medium": (EC2, VM, "s6.medium.2.linux"),
    "SATA": (EBS, VOLUME, "SATA"),
    "SAS": (EBS, VOLUME, "SAS"),
    "GPSSD": (EBS, VOLUME, "GPSSD"),
    "SSD": (EBS, VOLUME, "SSD"),
    "eip": (VPC, IP, "5_bgp"),
    "bw": (VPC, BANDWIDTH, "19_bgp"),
}
MONTH = {"small": D("28.20"), "medium": D("56.40"), "SATA": D("0.30"), "SAS": D("0.35"),
         "GPSSD": D("0.50"), "SSD": D("1.00"), "eip": D("20"), "bw": D("23")}
YEAR = {"small": D("287.64"), "eip": D("200"), "bw": D("230"),
        **{k: MONTH[k] * 10 for k in ("SATA", "SAS", "GPSSD", "SSD")}}
SIZE_UNIT = {"SATA": 17, "SAS": 17, "GPSSD": 17, "SSD": 17, "bw": 15}

BEIJING = dt.timezone(dt.timedelta(hours=8))
NO_ID = "0" * 32


def q2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def add_months(d: dt.date, months: int) -> dt.date:
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def expected_expiry(start: dt.datetime, period_type: int, period_num: int) -> str:
    """End of the Beijing day that lies N months/years after the Beijing start date."""
    day = start.astimezone(BEIJING).date()
    months = period_num if period_type == 2 else 12 * period_num
    return f"{add_months(day, months).isoformat()}T15:59:59Z"


def money(value: Any) -> Decimal:
    """A v2 amount: a decimal string of at most two places."""
    assert isinstance(value, str), f"amount must be a decimal string, got {value!r}"
    amount = D(value)
    assert amount.as_tuple().exponent >= -2, f"more than 2 decimal places: {value!r}"
    return amount


def num(value: Any) -> Decimal:
    """A v1.0 amount: a JSON number parsed with parse_float=Decimal."""
    assert isinstance(value, (int, Decimal)) and not isinstance(value, bool), value
    return D(value)


# ------------------------------------------------------------------ provisioning helpers

def provision_args(customer_id: str, product: str, *, region: str = REGION,
                   charge_mode: Optional[str] = None, period_type: Optional[int] = None,
                   period_num: Optional[int] = None, size: Optional[int] = None,
                   parent: Optional[str] = None, resource_id: Optional[str] = None,
                   name: Optional[str] = None, project_id: Optional[str] = None,
                   effective: Any = None, auto_renew: bool = False,
                   spec: Optional[str] = None) -> list[str]:
    service, rtype, default_spec = PRODUCTS.get(product, (EC2, VM, product))
    args = ["admin", "resource", "provision", "--customer-id", customer_id,
            "--service-type", service, "--resource-type", rtype, "--spec", spec or default_spec,
            "--region", region]
    if size is None and product in SIZE_UNIT:
        size = 40 if product != "bw" else 5
    for flag, value in (("--charge-mode", charge_mode), ("--period-type", period_type),
                        ("--period-num", period_num), ("--size", size), ("--parent", parent),
                        ("--resource-id", resource_id), ("--name", name),
                        ("--project-id", project_id)):
        if value is not None:
            args.append(f"{flag}={value}")  # `=` keeps negative numbers from reading as flags
    if effective is not None:
        args += ["--effective", effective if isinstance(effective, str) else utc(effective)]
    if auto_renew:
        args.append("--auto-renew")
    return args


_FUNDED: set = set()


def pay_in(cli, customer_id: str) -> None:
    """A provision is a new-purchase order paid at once: the customer pays into its cash
    (once, enough for every purchase these tests make) before its first one."""
    if customer_id not in _FUNDED:
        cli("admin", "customer", "top-up", "--customer-id", customer_id, "--amount", "10000000", "--json")
        _FUNDED.add(customer_id)


def provision(cli, customer_id: str, product: str = "small", **kw) -> dict:
    pay_in(cli, customer_id)
    return cli(*provision_args(customer_id, product, **kw), "--json")


def provision_fails(cli, customer_id: str, product: str = "small", **kw) -> str:
    if len(customer_id) == 32 and customer_id.isalnum():
        try:
            pay_in(cli, customer_id)
        except CliError:
            pass  # an unknown or unbound customer: the provision itself must say so
    proc = cli.run(*provision_args(customer_id, product, **kw), "--json")
    assert proc.returncode == 1, (
        f"expected exit 1, got {proc.returncode}: {proc.stdout} {proc.stderr}")
    assert proc.stderr.strip(), "a refused provision must explain itself on stderr"
    return proc.stderr


def list_res(principal, **filters):
    return principal.client.list_pay_per_use_customer_resources(
        ListPayPerUseCustomerResourcesRequest(body=QueryResourcesReq(**filters)))


def listed_ids(resp) -> list[str]:
    return [r.resource_id for r in resp.data or []]


def renew(principal, resource_ids, period_type=2, period_num=1, **kw):
    return principal.client.list_renew_rate_on_period(ListRenewRateOnPeriodRequest(
        body=ListRenewRateOnPeriodReq(resource_ids=resource_ids, period_type=period_type,
                                      period_num=period_num, **kw)))


def renew_raw(principal, body: dict):
    return principal.signed("POST", RENEW_PATH, body)


def rating_path(domain_id: str) -> str:
    return f"/v1.0/{domain_id}/customer/product-mgr/query-rating"


def change_path(domain_id: str) -> str:
    return f"/v1.0/{domain_id}/customer/product-mgr/query-change-rating"


def info(product: str, pid: str = "1", size: Optional[int] = None, **extra) -> dict:
    service, rtype, spec = PRODUCTS.get(product, (EC2, VM, product))
    body = {"id": pid, "cloudServiceType": service, "resourceType": rtype,
            "resourceSpecCode": spec}
    if size is not None:
        body["resourceSize"] = size
        body["resouceSizeMeasureId"] = SIZE_UNIT.get(product, 17)
    body.update(extra)
    return body


def rating_body(products: list[dict], mode: int = 0, period_type: Optional[int] = 2,
                period_num: Optional[int] = 1, subs: int = 1, **extra) -> dict:
    body = {"tenantId": "proj-" + uuid.uuid4().hex[:8], "regionId": REGION, "chargingMode": mode,
            "subscriptionNum": subs, "productInfos": products}
    if period_type is not None:
        body["periodType"] = period_type
    if period_num is not None:
        body["periodNum"] = period_num
    body.update(extra)
    return body


def change_body(resource_id: str, product: str, size: Optional[int] = None,
                inquiry: Optional[str] = None, **extra) -> dict:
    service, rtype, spec = PRODUCTS[product]
    pinfo = {"cloudServiceType": service, "resourceType": rtype, "resourceSpecCode": spec}
    if size is not None:
        pinfo["resourceSize"] = size
        pinfo["resouceSizeMeasureId"] = SIZE_UNIT[product]
    body = {"resourceId": resource_id, "productInfo": pinfo}
    if inquiry is not None:
        body["inquiryTime"] = inquiry
    body.update(extra)
    return body


def success_json(resp) -> dict:
    assert resp.status_code == 200, f"{resp.status_code}: {resp.text}"
    body = resp.json(parse_float=Decimal)
    assert body.get("error_code") == "CBC.0000", body
    assert body.get("error_msg") == "Success", body
    return body


def assume_role(partner, customer_id: str):
    body = {"auth": {"identity": {"methods": ["assume_role"],
                                  "assume_role": {"domain_id": customer_id,
                                                  "agency_name": "op_svc_bss"}}}}
    return sign_and_send(partner.base_url, "POST", "/v3/auth/tokens", partner.access_key,
                         partner.secret_key, body=body, domain_id=partner.domain_id)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def catalog(cli) -> dict:
    """Period product ids of the default price book, keyed by spec code (cn-north-4)."""
    doc = json.loads(cli("admin", "catalog", "export"))
    ids = {}
    for p in doc["products"]:
        if p["region"] == REGION and p["charge_mode"] == "period":
            ids[(p["cloud_service_type"], p["resource_type"], p["resource_spec"])] = p
    return ids


def product_id(catalog, product: str) -> str:
    return catalog[PRODUCTS[product]]["product_id"]


@pytest.fixture(scope="module")
def custom_products(cli, tmp_path_factory) -> dict:
    """Extra products: one sold by the month only, one whose price changed on 2025-01-01."""
    tag = uuid.uuid4().hex[:10]
    month_only = f"rt{tag}.month.linux"
    planned = f"rt{tag}.plan.linux"
    fine_disk = f"rt{tag}.disk"
    header = ("product_id,cloud_service_type,resource_type,resource_spec,region,charge_mode,"
              "usage_factor,usage_measure_id,size_measure_id,effective_from,effective_until,"
              "unit_price,tiers,hour_price,day_price,month_price,year_price")
    rows = [
        f"OFFIRT{tag}M,{EC2},{VM},{month_only},{REGION},period,,,,,,,,,,10,",
        f"OFFIRT{tag}P,{EC2},{VM},{planned},{REGION},period,,,,2020-01-01T00:00:00Z,"
        f"2025-01-01T00:00:00Z,,,,,10,100",
        f"OFFIRT{tag}P,{EC2},{VM},{planned},{REGION},period,,,,2025-01-01T00:00:00Z,,,,,,12,120",
        # a price of a fraction of a cent per GB, so that quotes must round
        f"OFFIRT{tag}D,{EBS},{VOLUME},{fine_disk},{REGION},period,,,17,,,,,,,0.125,1.255",
    ]
    path = Path(tmp_path_factory.mktemp("catalog")) / "products.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    cli("admin", "catalog", "import", str(path), "--json")
    return {"month_only": month_only, "month_only_id": f"OFFIRT{tag}M",
            "planned": planned, "planned_id": f"OFFIRT{tag}P", "fine_disk": fine_disk}


@pytest.fixture
def dist_customer(partners, customers):
    """A distributor, one of its customers, and that customer as a caller."""
    dist = partners.solution_provider()
    cust = customers.create(dist)
    return dist, cust, customers.principal(cust)


# =================================================================== provisioning

def test_default_catalog_prices(catalog):
    for product, (service, rtype, spec) in PRODUCTS.items():
        row = catalog[(service, rtype, spec)]
        assert D(row["month_price"]) == MONTH[product], (product, row)
        if product in YEAR:
            assert D(row["year_price"]) == YEAR[product], (product, row)
        if product in SIZE_UNIT:
            assert row.get("size_measure_id") == SIZE_UNIT[product], row


def test_provision_shape_and_defaults(dist_customer, cli, catalog):
    _, cust, _ = dist_customer
    before = now_utc()
    vm = provision(cli, cust.domain_id)
    after = now_utc()
    for key in ("id", "resource_id", "resource_name", "product_spec_desc", "update_time"):
        assert isinstance(vm.get(key), str) and vm[key], (key, vm)
    assert vm["region_code"] == REGION
    assert (vm["service_type_code"], vm["resource_type_code"], vm["resource_spec_code"]) == \
        PRODUCTS["small"]
    assert vm["resource_type_name"] and vm["service_type_name"]
    assert vm["product_id"] == product_id(catalog, "small")
    assert vm["project_id"]
    assert vm.get("parent_resource_id") in (None, "")
    assert vm["is_main_resource"] == 1
    assert vm["status"] == 2
    assert vm["expire_policy"] == 0
    assert vm["enterprise_project"] == {"id": "0", "name": "default"}
    assert vm.get("spec_size") is None and vm.get("spec_size_measure_id") is None
    start = parse_utc(vm["effective_time"])
    assert before <= start <= after, vm
    assert vm["expire_time"] == expected_expiry(start, 2, 1)
    assert before <= parse_utc(vm["update_time"]) <= after + dt.timedelta(seconds=1)


def test_provision_explicit_fields(dist_customer, cli):
    _, cust, _ = dist_customer
    rid = "res-" + uuid.uuid4().hex
    start = now_utc() - dt.timedelta(days=3)
    vm = provision(cli, cust.domain_id, "small", period_type=3, period_num=2, resource_id=rid,
                   name="web-01", project_id="proj-42", effective=start, auto_renew=True)
    assert vm["resource_id"] == rid
    assert vm["resource_name"] == "web-01"
    assert vm["project_id"] == "proj-42"
    assert vm["expire_policy"] == 3
    assert vm["effective_time"] == utc(start)
    assert vm["expire_time"] == expected_expiry(start, 3, 2)
    assert vm["id"] != rid


@pytest.mark.parametrize("start,period_type,period_num,expire", [
    ("2026-01-31T02:00:00Z", 2, 1, "2026-02-28T15:59:59Z"),
    ("2024-01-31T02:00:00Z", 2, 1, "2024-02-29T15:59:59Z"),
    ("2024-02-29T02:00:00Z", 3, 1, "2025-02-28T15:59:59Z"),
    ("2020-02-29T02:00:00Z", 3, 4, "2024-02-29T15:59:59Z"),
    ("2024-02-29T02:00:00Z", 3, 5, "2029-02-28T15:59:59Z"),
    ("2025-05-31T02:00:00Z", 2, 1, "2025-06-30T15:59:59Z"),
    ("2025-11-30T02:00:00Z", 2, 3, "2026-02-28T15:59:59Z"),
    ("2024-12-15T02:00:00Z", 2, 11, "2025-11-15T15:59:59Z"),
    # the Beijing calendar day decides: 15:59:59Z is still the 10th there, 16:00Z the 11th
    ("2025-03-10T15:59:59Z", 2, 1, "2025-04-10T15:59:59Z"),
    ("2025-03-10T16:00:00Z", 2, 1, "2025-04-11T15:59:59Z"),
    ("2025-01-30T17:00:00Z", 2, 1, "2025-02-28T15:59:59Z"),
    ("2024-12-31T16:30:00Z", 3, 1, "2026-01-01T15:59:59Z"),
])
def test_expiry_arithmetic(dist_customer, cli, start, period_type, period_num, expire):
    dist, cust, _ = dist_customer
    assert expected_expiry(parse_utc(start), period_type, period_num) == expire
    vm = provision(cli, cust.domain_id, period_type=period_type, period_num=period_num,
                   effective=start)
    assert vm["effective_time"] == start
    assert vm["expire_time"] == expire
    [row] = list_res(dist, customer_id=cust.domain_id, resource_ids=[vm["resource_id"]]).data
    assert row.expire_time == expire
    assert row.status == (5 if parse_utc(expire) < now_utc() else 2)


def test_attached_resource_takes_parent_expiry(dist_customer, cli, catalog):
    _, cust, _ = dist_customer
    start = now_utc() - dt.timedelta(days=2)
    vm = provision(cli, cust.domain_id, period_num=3, effective=start)
    disk = provision(cli, cust.domain_id, "SAS", size=40, parent=vm["resource_id"],
                     period_type=3, period_num=1)
    assert disk["parent_resource_id"] == vm["resource_id"]
    assert disk["is_main_resource"] == 0
    assert disk["expire_time"] == vm["expire_time"] == expected_expiry(start, 2, 3)
    assert D(str(disk["spec_size"])) == 40
    assert disk["spec_size_measure_id"] == 17
    assert disk["product_id"] == product_id(catalog, "SAS")
    assert disk["status"] == 2
    bw_main = provision(cli, cust.domain_id, "eip")
    bw = provision(cli, cust.domain_id, "bw", size=5, parent=bw_main["resource_id"])
    assert bw["spec_size_measure_id"] == 15 and D(str(bw["spec_size"])) == 5
    assert bw["expire_time"] == bw_main["expire_time"]


def test_provision_period_boundaries(dist_customer, cli):
    _, cust, _ = dist_customer
    start = now_utc()
    assert provision(cli, cust.domain_id, period_type=2, period_num=11,
                     effective=start)["expire_time"] == expected_expiry(start, 2, 11)
    assert provision(cli, cust.domain_id, period_type=3, period_num=5,
                     effective=start)["expire_time"] == expected_expiry(start, 3, 5)


def test_provision_errors(partners, customers, cli, custom_products):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    other = customers.create(partners.solution_provider())
    cid = cust.domain_id
    provision_fails(cli, NO_ID)
    provision_fails(cli, cid, spec="s6.nosuch.9.linux")
    provision_fails(cli, cid, region="xx-nowhere-1")
    # OBS is sold pay-per-use only: there is no period product to subscribe to
    provision_fails(cli, cid, "obs", spec="obs_standard")
    provision_fails(cli, cid, "small", spec="SAS")  # spec of another resource type
    # linear product without a size
    proc = cli.run("admin", "resource", "provision", "--customer-id", cid, "--service-type", EBS,
                   "--resource-type", VOLUME, "--spec", "SAS", "--region", REGION, "--json")
    assert proc.returncode == 1 and proc.stderr.strip(), proc
    for ptype, pnum in ((2, 0), (2, 12), (3, 0), (3, 6), (2, -1), (4, 1), (1, 1)):
        provision_fails(cli, cid, period_type=ptype, period_num=pnum)
    rid = "dup-" + uuid.uuid4().hex
    provision(cli, cid, resource_id=rid)
    provision_fails(cli, cid, resource_id=rid)
    provision_fails(cli, other.domain_id, resource_id=rid)
    # parents: unknown, another customer's, an attached resource
    provision_fails(cli, cid, "SAS", parent="no-such-resource")
    foreign_vm = provision(cli, other.domain_id)
    provision_fails(cli, cid, "SAS", parent=foreign_vm["resource_id"])
    vm = provision(cli, cid)
    disk = provision(cli, cid, "SAS", parent=vm["resource_id"])
    provision_fails(cli, cid, "SAS", parent=disk["resource_id"])
    # nothing half-made: the customer holds exactly the three successful resources
    assert list_res(dist, customer_id=cid).total_count == 3


def test_operator_http_provision(dist_customer, operator, partners, catalog, cli):
    dist, cust, _ = dist_customer
    pay_in(cli, cust.domain_id)
    start = now_utc() - dt.timedelta(hours=5)
    rid = "op-" + uuid.uuid4().hex
    resp = operator.signed("POST", OPERATOR_PATH, {
        "customer_id": cust.domain_id, "cloud_service_type": EC2, "resource_type": VM,
        "resource_spec": "s6.small.1.linux", "region": REGION, "charge_mode": "period",
        "period_type": 3, "period_num": 1, "resource_id": rid, "resource_name": "op-vm",
        "project_id": "op-proj", "auto_renew": True, "effective_time": utc(start)})
    assert resp.status_code == 201, resp.text
    vm = resp.json()
    assert vm["resource_id"] == rid and vm["resource_name"] == "op-vm"
    assert vm["project_id"] == "op-proj" and vm["expire_policy"] == 3
    assert vm["effective_time"] == utc(start)
    assert vm["expire_time"] == expected_expiry(start, 3, 1)
    assert vm["product_id"] == product_id(catalog, "small")
    assert vm["is_main_resource"] == 1 and vm["status"] == 2

    resp = operator.signed("POST", OPERATOR_PATH, {
        "customer_id": cust.domain_id, "cloud_service_type": EBS, "resource_type": VOLUME,
        "resource_spec": "SSD", "region": REGION, "resource_size": 100, "size_measure_id": 17,
        "parent_resource_id": rid})
    assert resp.status_code == 201, resp.text
    disk = resp.json()
    assert disk["parent_resource_id"] == rid and disk["is_main_resource"] == 0
    assert disk["expire_time"] == vm["expire_time"]
    assert D(str(disk["spec_size"])) == 100 and disk["spec_size_measure_id"] == 17
    assert disk["expire_policy"] == 0

    listed = list_res(dist, customer_id=cust.domain_id)
    assert sorted(listed_ids(listed)) == sorted([rid, disk["resource_id"]])

    base = {"customer_id": cust.domain_id, "cloud_service_type": EC2, "resource_type": VM,
            "resource_spec": "s6.small.1.linux", "region": REGION}
    for bad in ({**base, "customer_id": NO_ID}, {**base, "resource_spec": "nope"},
                {**base, "period_type": 2, "period_num": 12},
                {**base, "period_type": 3, "period_num": 6},
                {**base, "resource_id": rid},
                {**base, "cloud_service_type": EBS, "resource_type": VOLUME,
                 "resource_spec": "SAS"}):
        r = operator.signed("POST", OPERATOR_PATH, bad)
        assert 400 <= r.status_code < 500, (bad, r.status_code, r.text)
        assert error_of(r).get("error_code"), r.text
    # partners and customers do not reach the operator API
    r = dist.signed("POST", OPERATOR_PATH, base)
    assert r.status_code in (401, 403), r.text
    assert list_res(dist, customer_id=cust.domain_id).total_count == 2


# =================================================================== ListPayPerUseCustomerResources

def test_list_by_customer_and_by_partner(partners, customers, cli):
    # the partner kind with direct customers (a distributor's are its resellers')
    for kind in ("solution-provider",):
        partner = partners.create(kind)
        cust = customers.create(partner)
        other = customers.create(partner)
        me = customers.principal(cust)
        start = now_utc() - dt.timedelta(hours=2)
        vm = provision(cli, cust.domain_id, effective=start, name="web")
        disk = provision(cli, cust.domain_id, "SAS", size=40, parent=vm["resource_id"],
                         effective=start + dt.timedelta(minutes=1))
        provision(cli, other.domain_id)
        by_partner = list_res(partner, customer_id=cust.domain_id)
        # the customer_id is ignored for a customer caller, even when it names someone else
        for by_customer in (list_res(me), list_res(me, customer_id=other.domain_id),
                            list_res(me, customer_id=NO_ID), list_res(me, customer_id="")):
            assert by_customer.total_count == 2
            assert listed_ids(by_customer) == listed_ids(by_partner)
        assert by_partner.total_count == 2
        rows = {r.resource_id: r for r in by_partner.data}
        v, d = rows[vm["resource_id"]], rows[disk["resource_id"]]
        for row, src in ((v, vm), (d, disk)):
            for key in ("id", "resource_name", "region_code", "service_type_code",
                        "resource_type_code", "resource_type_name", "service_type_name",
                        "resource_spec_code", "project_id", "product_id", "is_main_resource",
                        "status", "effective_time", "expire_time", "expire_policy",
                        "product_spec_desc"):
                assert getattr(row, key) == src[key], (key, getattr(row, key), src[key])
            assert row.enterprise_project.id == "0"
            assert row.enterprise_project.name == "default"
        assert d.parent_resource_id == vm["resource_id"] and d.is_main_resource == 0
        assert D(str(d.spec_size)) == 40 and d.spec_size_measure_id == 17
        assert v.parent_resource_id in (None, "")


def test_list_excludes_pay_per_use(dist_customer, cli):
    dist, cust, me = dist_customer
    periodic = provision(cli, cust.domain_id)
    provision(cli, cust.domain_id, charge_mode="on_demand")
    provision(cli, cust.domain_id, "SAS", size=10, charge_mode="on_demand")
    for resp in (list_res(me), list_res(dist, customer_id=cust.domain_id)):
        assert resp.total_count == 1
        assert listed_ids(resp) == [periodic["resource_id"]]


def test_list_newest_first_and_paging(dist_customer, cli):
    dist, cust, me = dist_customer
    base = now_utc() - dt.timedelta(hours=20)
    made = [provision(cli, cust.domain_id, effective=base + dt.timedelta(hours=i))["resource_id"]
            for i in range(12)]
    newest_first = list(reversed(made))

    default = list_res(me)
    assert default.total_count == 12
    assert listed_ids(default) == newest_first[:10]

    pages = []
    for offset in range(0, 12, 5):
        page = list_res(dist, customer_id=cust.domain_id, offset=offset, limit=5)
        assert page.total_count == 12
        pages += listed_ids(page)
    assert pages == newest_first

    assert listed_ids(list_res(me, limit=1)) == newest_first[:1]
    assert listed_ids(list_res(me, offset=11, limit=500)) == newest_first[11:]
    beyond = list_res(me, offset=12, limit=10)
    assert beyond.total_count == 12 and listed_ids(beyond) == []
    assert listed_ids(list_res(me, offset=1000)) == []

    for bad in ({"limit": 0}, {"limit": 501}, {"limit": -1}, {"offset": -1}):
        expect_sdk_error(lambda: list_res(me, **bad), 400, "CBC.0100")
        expect_sdk_error(lambda: list_res(dist, customer_id=cust.domain_id, **bad),
                         400, "CBC.0100")


def test_list_resource_ids_and_only_main(dist_customer, cli):
    dist, cust, me = dist_customer
    vm = provision(cli, cust.domain_id)["resource_id"]
    d1 = provision(cli, cust.domain_id, "SAS", parent=vm)["resource_id"]
    d2 = provision(cli, cust.domain_id, "SSD", parent=vm)["resource_id"]
    eip = provision(cli, cust.domain_id, "eip")["resource_id"]
    bw = provision(cli, cust.domain_id, "bw", size=5, parent=eip)["resource_id"]
    lone = provision(cli, cust.domain_id, "medium")["resource_id"]

    def ids(**f):
        resp = list_res(dist, customer_id=cust.domain_id, **f)
        assert resp.total_count == len(resp.data or []), resp
        return set(listed_ids(resp))

    assert ids() == {vm, d1, d2, eip, bw, lone}
    assert ids(only_main_resource=0) == {vm, d1, d2, eip, bw, lone}
    assert ids(only_main_resource=1) == {vm, eip, lone}
    # a named main resource brings its attached ones unless only_main_resource=1
    assert ids(resource_ids=[vm]) == {vm, d1, d2}
    assert ids(resource_ids=[vm], only_main_resource=0) == {vm, d1, d2}
    assert ids(resource_ids=[vm, eip], only_main_resource=0) == {vm, d1, d2, eip, bw}
    assert ids(resource_ids=[vm], only_main_resource=1) == {vm}
    assert ids(resource_ids=[vm, eip], only_main_resource=1) == {vm, eip}
    # a named attached resource comes alone
    assert ids(resource_ids=[d1]) == {d1}
    assert ids(resource_ids=[d1], only_main_resource=0) == {d1}
    assert ids(resource_ids=[d1, bw], only_main_resource=1) == {d1, bw}
    assert ids(resource_ids=["no-such-resource"]) == set()
    assert ids(resource_ids=[]) == {vm, d1, d2, eip, bw, lone}
    # 50 ids is the limit
    assert ids(resource_ids=[vm] + [f"x-{i}" for i in range(49)]) == {vm, d1, d2}
    expect_sdk_error(lambda: list_res(dist, customer_id=cust.domain_id,
                                      resource_ids=[f"x-{i}" for i in range(51)]),
                     400, "CBC.0100")
    for bad in (2, -1, 9):
        expect_sdk_error(lambda: list_res(me, only_main_resource=bad), 400, "CBC.0100")
    # the customer sees the same
    assert set(listed_ids(list_res(me, resource_ids=[vm], limit=50))) == {vm, d1, d2}


def test_list_status_and_service_type_filters(dist_customer, cli):
    dist, cust, me = dist_customer
    live = provision(cli, cust.domain_id)["resource_id"]
    live_disk = provision(cli, cust.domain_id, "SAS", parent=live)["resource_id"]
    old = provision(cli, cust.domain_id, effective="2025-01-05T02:00:00Z")["resource_id"]
    old_disk = provision(cli, cust.domain_id, "SATA", parent=old)["resource_id"]

    def ids(**f):
        return set(listed_ids(list_res(me, limit=100, **f)))

    assert ids(status_list=[2]) == {live, live_disk}
    assert ids(status_list=[5]) == {old, old_disk}
    assert ids(status_list=[2, 5]) == {live, live_disk, old, old_disk}
    assert ids(status_list=[3]) == set()
    assert ids(status_list=[4]) == set()
    assert ids(status_list=[3, 4]) == set()
    assert ids(status_list=[]) == {live, live_disk, old, old_disk}
    assert ids(status_list=[2, 3, 4, 5, 2, 3, 4, 5, 2, 3]) == {live, live_disk, old, old_disk}
    for bad in ([1], [0], [6], [2, 7], [2] * 11):
        expect_sdk_error(lambda: list_res(me, status_list=bad), 400, "CBC.0100")

    assert ids(service_type_code=EBS) == {live_disk, old_disk}
    assert ids(service_type_code=EC2) == {live, old}
    assert ids(service_type_code=EC2, status_list=[5]) == {old}
    assert ids(service_type_code=VPC) == set()
    assert ids(service_type_code="hws.service.type.nosuch") == set()
    expect_sdk_error(lambda: list_res(me, service_type_code=""), 400, "CBC.0100")
    expect_sdk_error(lambda: list_res(dist, customer_id=cust.domain_id, service_type_code=""),
                     400, "CBC.0100")

    # resources made by no order are not found by an order id
    assert ids(order_id="CS" + uuid.uuid4().hex[:16].upper()) == set()


def test_list_expire_window(dist_customer, cli):
    _, cust, me = dist_customer
    start = now_utc() - dt.timedelta(days=1)
    made = [provision(cli, cust.domain_id, period_num=n, effective=start) for n in (1, 2, 3)]
    e1, e2, e3 = (m["expire_time"] for m in made)
    r1, r2, r3 = (m["resource_id"] for m in made)
    assert e1 < e2 < e3

    def ids(**f):
        return set(listed_ids(list_res(me, limit=100, **f)))

    assert ids(expire_time_begin=e2) == {r2, r3}
    assert ids(expire_time_end=e2) == {r1, r2}
    assert ids(expire_time_begin=e2, expire_time_end=e2) == {r2}
    one_later = utc(parse_utc(e2) + dt.timedelta(seconds=1))
    one_earlier = utc(parse_utc(e2) - dt.timedelta(seconds=1))
    assert ids(expire_time_begin=one_later) == {r3}
    assert ids(expire_time_end=one_earlier) == {r1}
    assert ids(expire_time_begin=e1, expire_time_end=e3) == {r1, r2, r3}
    for bad in ({"expire_time_begin": "2026-01-01"}, {"expire_time_end": "yesterday"},
                {"expire_time_begin": "2026-13-01T00:00:00Z"}):
        expect_sdk_error(lambda: list_res(me, **bad), 400, "CBC.0100")


def test_list_partner_callers_errors(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    provision(cli, cust.domain_id)
    expect_sdk_error(lambda: list_res(dist), 400, "CBC.0100")
    expect_sdk_error(lambda: list_res(dist, customer_id=""), 400, "CBC.0100")
    foreign = customers.create(partners.solution_provider())
    provision(cli, foreign.domain_id)
    for cid in (foreign.domain_id, NO_ID, dist.domain_id):
        expect_sdk_error(lambda: list_res(dist, customer_id=cid), 403, "CBC.0151")
    parent = partners.distributor()
    reseller = partners.reseller(parent)
    mine = customers.create(parent, indirect_partner_id=reseller.domain_id)
    provision(cli, mine.domain_id)
    expect_sdk_error(lambda: list_res(reseller, customer_id=mine.domain_id), 403, "CBC.0151")


def test_list_with_tokens(partners, customers, cli, server, token_for):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    vm = provision(cli, cust.domain_id)["resource_id"]
    tok = token_for(cust.domain_name, cust.password)
    resp = token_request(server.base_url, "POST", LIST_PATH, tok, {})
    assert resp.status_code == 200, resp.text
    assert [r["resource_id"] for r in resp.json()["data"]] == [vm]
    ptok = token_for(dist.domain_name, dist.password)
    resp = token_request(server.base_url, "POST", LIST_PATH, ptok, {"customer_id": cust.domain_id})
    assert resp.status_code == 200, resp.text
    assert resp.json()["total_count"] == 1
    assert_error(token_request(server.base_url, "POST", LIST_PATH, ptok, {}), 400, "CBC.0100")


# =================================================================== ListRenewRateOnPeriod

def renewal(product: str, period_type: int, period_num: int, size: int = 1) -> Decimal:
    unit = MONTH[product] if period_type == 2 else YEAR[product]
    return q2(unit * size * period_num)


def test_renew_happy_path(dist_customer, cli):
    _, cust, me = dist_customer
    vm = provision(cli, cust.domain_id)["resource_id"]
    provision(cli, cust.domain_id, "SAS", size=40, parent=vm)
    provision(cli, cust.domain_id, "SSD", size=100, parent=vm)
    eip = provision(cli, cust.domain_id, "eip")["resource_id"]
    provision(cli, cust.domain_id, "bw", size=5, parent=eip)
    lone = provision(cli, cust.domain_id, "medium", period_type=3)["resource_id"]

    cases = [(2, 1), (2, 3), (2, 11), (3, 1), (3, 2), (3, 3)]
    for ptype, pnum in cases:
        expected = {
            vm: renewal("small", ptype, pnum) + renewal("SAS", ptype, pnum, 40)
                + renewal("SSD", ptype, pnum, 100),
            eip: renewal("eip", ptype, pnum) + renewal("bw", ptype, pnum, 5),
        }
        if ptype == 2:
            expected[lone] = renewal("medium", ptype, pnum)
        ids = list(expected)
        resp = renew(me, ids, ptype, pnum)
        assert resp.currency in ("CNY", None, "")
        got = {r.resource_id: money(r.amount) for r in resp.renew_inquiry_results}
        assert got == expected, (ptype, pnum)
        assert money(resp.official_website_rating_result.official_website_amount) == \
            sum(expected.values())
        assert not resp.fail_resource_infos
        assert not resp.optional_discount_rating_results

    # spot values, written out: 3 months of VM + 40 GB SAS + 100 GB SSD = 84.60 + 42 + 300
    resp = renew(me, [vm], 2, 3, include_relative_resources=True)
    assert money(resp.renew_inquiry_results[0].amount) == D("426.60")
    resp = renew(me, [eip], 3, 1)
    assert money(resp.renew_inquiry_results[0].amount) == D("200") + 5 * D("230")


def test_renew_rounds_each_attached_resource(dist_customer, cli, custom_products):
    _, cust, me = dist_customer
    spec = custom_products["fine_disk"]
    vm = provision(cli, cust.domain_id)["resource_id"]
    for size in (1, 3, 7):
        proc = cli.run("admin", "resource", "provision", "--customer-id", cust.domain_id,
                       "--service-type", EBS, "--resource-type", VOLUME, "--spec", spec,
                       "--region", REGION, f"--size={size}", f"--parent={vm}", "--json")
        assert proc.returncode == 0, proc.stderr
    for ptype, pnum, unit in ((2, 1, D("0.125")), (2, 3, D("0.125")), (3, 1, D("1.255"))):
        own = MONTH["small"] * pnum if ptype == 2 else YEAR["small"] * pnum
        disks = sum(q2(size * unit * pnum) for size in (1, 3, 7))
        resp = renew(me, [vm], ptype, pnum)
        assert money(resp.renew_inquiry_results[0].amount) == own + disks, (ptype, pnum)
    # spelled out for one month: 0.125 -> 0.13, 0.375 -> 0.38, 0.875 -> 0.88
    assert money(renew(me, [vm], 2, 1).renew_inquiry_results[0].amount) == D("28.20") + D("1.39")


def test_renew_include_relative_resources_flag(dist_customer, cli):
    _, cust, me = dist_customer
    vm = provision(cli, cust.domain_id)["resource_id"]
    provision(cli, cust.domain_id, "GPSSD", size=60, parent=vm)
    expected = D("28.20") + D("30.00")
    for flag in (None, False, True):
        extra = {} if flag is None else {"include_relative_resources": flag}
        resp = renew(me, [vm], 2, 1, **extra)
        assert [(r.resource_id, money(r.amount)) for r in resp.renew_inquiry_results] == \
            [(vm, expected)], flag


def test_renew_per_resource_failures(partners, customers, cli, custom_products):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)
    other = customers.create(dist)
    vm = provision(cli, cust.domain_id)["resource_id"]
    disk = provision(cli, cust.domain_id, "SAS", size=40, parent=vm)["resource_id"]
    theirs = provision(cli, other.domain_id)["resource_id"]
    monthly = provision(cli, cust.domain_id, custom_products["month_only"],
                        spec=custom_products["month_only"])["resource_id"]
    ppu = provision(cli, cust.domain_id, charge_mode="on_demand")["resource_id"]

    resp = renew(me, [vm, disk, theirs, "no-such-resource", monthly], 3, 1)
    fails = {f.resource_id: f.error_code for f in resp.fail_resource_infos}
    assert fails == {disk: "CBC.30050007", theirs: "CBC.30050009",
                     "no-such-resource": "CBC.30050009", monthly: "CBC.30050008"}
    assert all(f.error_msg for f in resp.fail_resource_infos)
    expected = renewal("small", 3, 1) + renewal("SAS", 3, 1, 40)
    assert {r.resource_id: money(r.amount) for r in resp.renew_inquiry_results} == {vm: expected}
    assert money(resp.official_website_rating_result.official_website_amount) == expected

    # sold by the month: renewable by the month
    resp = renew(me, [monthly], 2, 2)
    assert [money(r.amount) for r in resp.renew_inquiry_results] == [D("20")]

    # everything failed: still HTTP 200 (an unknown id and another customer's look alike)
    raw = renew_raw(me, {"resource_ids": [theirs, "no-such-resource"], "period_type": 2,
                         "period_num": 1})
    assert raw.status_code == 200, raw.text
    body = raw.json()
    assert not body.get("renew_inquiry_results")
    assert {f["resource_id"]: f["error_code"] for f in body["fail_resource_infos"]} == \
        {theirs: "CBC.30050009", "no-such-resource": "CBC.30050009"}
    official = (body.get("official_website_rating_result") or {}).get("official_website_amount")
    assert official is None or money(official) == 0

    # a pay-per-use resource is no yearly/monthly resource
    resp = renew(me, [ppu], 2, 1)
    assert [f.resource_id for f in resp.fail_resource_infos] == [ppu]
    assert not resp.renew_inquiry_results


def test_renew_parameter_errors(dist_customer, cli):
    _, cust, me = dist_customer
    vm = provision(cli, cust.domain_id)["resource_id"]
    ok = renew(me, [vm], 2, 11)
    assert money(ok.renew_inquiry_results[0].amount) == renewal("small", 2, 11)
    ok = renew(me, [vm], 3, 3)
    assert money(ok.renew_inquiry_results[0].amount) == renewal("small", 3, 3)
    ten = [vm] + [f"missing-{i}" for i in range(9)]
    assert len(renew(me, ten, 2, 1).fail_resource_infos) == 9

    bad_bodies = [
        {"resource_ids": [], "period_type": 2, "period_num": 1},
        {"period_type": 2, "period_num": 1},
        {"resource_ids": [vm] + [f"m-{i}" for i in range(10)], "period_type": 2, "period_num": 1},
        {"resource_ids": [vm], "period_num": 1},
        {"resource_ids": [vm], "period_type": 1, "period_num": 1},
        {"resource_ids": [vm], "period_type": 4, "period_num": 1},
        {"resource_ids": [vm], "period_type": 2},
        {"resource_ids": [vm], "period_type": 2, "period_num": 0},
        {"resource_ids": [vm], "period_type": 2, "period_num": 12},
        {"resource_ids": [vm], "period_type": 3, "period_num": 0},
        {"resource_ids": [vm], "period_type": 3, "period_num": 4},
        {"resource_ids": [vm], "period_type": 2, "period_num": -1},
    ]
    for body in bad_bodies:
        assert_error(renew_raw(me, body), 400, "CBC.0100")
    expect_sdk_error(lambda: renew(me, [vm, vm], 2, 1), 400, "CBC.30050012")
    assert_error(renew_raw(me, {"resource_ids": ["a", "b", "a"], "period_type": 2,
                                "period_num": 1}), 400, "CBC.30050012")


def test_renew_callers(partners, customers, cli, server, token_for):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    vm = provision(cli, cust.domain_id)["resource_id"]
    expected = renewal("small", 2, 1)
    body = {"resource_ids": [vm], "period_type": 2, "period_num": 1}

    # partners own no yearly/monthly resources: refused whatever they name
    spro = partners.solution_provider()
    reseller = partners.reseller(partners.distributor())
    for partner in (dist, spro, reseller):
        expect_sdk_error(lambda: renew(partner, [vm]), 403, "CBC.0151")
    ptok = token_for(dist.domain_name, dist.password)
    assert_error(token_request(server.base_url, "POST", RENEW_PATH, ptok, body), 403, "CBC.0151")

    # the customer's password token
    tok = token_for(cust.domain_name, cust.password)
    resp = token_request(server.base_url, "POST", RENEW_PATH, tok, body)
    assert resp.status_code == 200, resp.text
    assert money(resp.json()["renew_inquiry_results"][0]["amount"]) == expected

    # a token the partner obtained for its customer with assume_role
    issued = assume_role(dist, cust.domain_id)
    assert issued.status_code == 201, issued.text
    atok = issued.headers["X-Subject-Token"]
    resp = token_request(server.base_url, "POST", RENEW_PATH, atok, body)
    assert resp.status_code == 200, resp.text
    assert money(resp.json()["renew_inquiry_results"][0]["amount"]) == expected

    # another partner cannot assume the role in this customer's account
    other = partners.solution_provider()
    refused = assume_role(other, cust.domain_id)
    assert refused.status_code == 403, refused.text


def test_renew_with_discount(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)
    cli("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", EC2,
        "--rate", "0.85", "--expires", "2030-01-01", "--json")
    vm = provision(cli, cust.domain_id)["resource_id"]
    provision(cli, cust.domain_id, "SAS", size=40, parent=vm)
    eip = provision(cli, cust.domain_id, "eip")["resource_id"]

    resp = renew(me, [vm, eip], 2, 2)
    vm_part, disk_part, eip_part = D("56.40"), D("28.00"), D("40.00")
    official = vm_part + disk_part + eip_part
    assert {r.resource_id: money(r.amount) for r in resp.renew_inquiry_results} == \
        {vm: vm_part + disk_part, eip: eip_part}
    assert money(resp.official_website_rating_result.official_website_amount) == official
    assert len(resp.optional_discount_rating_results or []) == 1, resp
    offer = resp.optional_discount_rating_results[0]
    saving = q2(vm_part * D("0.15"))  # only the ECS part is of the discounted service type
    assert money(offer.official_website_amount) == official
    assert money(offer.discount_amount) == saving == D("8.46")
    assert money(offer.amount) == official - saving
    assert offer.best_offer == 1
    assert offer.discount_id
    assert isinstance(offer.discount_type, int)

    # no ECS in the quote: nothing saved
    resp = renew(me, [eip], 2, 1)
    for offer in resp.optional_discount_rating_results or []:
        assert money(offer.discount_amount) == 0
        assert money(offer.amount) == D("20")


def test_expired_discount_is_not_offered(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)
    cli("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", EC2,
        "--rate", "0.5", "--effective", "2024-01-01", "--expires", "2024-12-31", "--json")
    vm = provision(cli, cust.domain_id)["resource_id"]
    resp = renew(me, [vm], 2, 1)
    assert money(resp.official_website_rating_result.official_website_amount) == D("28.20")
    assert not resp.optional_discount_rating_results
    body = success_json(me.signed("POST", rating_path(cust.domain_id),
                                  rating_body([info("small")])))
    assert num(body["ratingResult"]["amount"]) == D("28.20")
    assert num(body["ratingResult"]["discountAmount"]) == 0


# =================================================================== QueryRatingOld

def check_rating(body: dict, expected: dict[str, tuple[Decimal, Decimal]], pids: dict[str, str]):
    """expected: id -> (original, discount)."""
    result = body["ratingResult"]
    assert result["measureId"] == 1 and result["currency"] == "CNY"
    rows = {r["id"]: r for r in result["productRatingResult"]}
    assert set(rows) == set(expected)
    for pid, (orig, disc) in expected.items():
        row = rows[pid]
        assert num(row["originalAmount"]) == orig, (pid, row)
        assert num(row["discountAmount"]) == disc, (pid, row)
        assert num(row["amount"]) == orig - disc, (pid, row)
        assert row["measureId"] == 1
        assert row["productId"] == pids[pid], (pid, row)
    assert num(result["originalAmount"]) == sum(o for o, _ in expected.values())
    assert num(result["discountAmount"]) == sum(d for _, d in expected.values())
    assert num(result["amount"]) == sum(o - d for o, d in expected.values())


def test_rating_old_subscription_prices(dist_customer, catalog):
    _, cust, me = dist_customer
    products = [info("small", "vm"), info("SAS", "sas", size=40), info("eip", "eip"),
                info("bw", "bw", size=5), info("GPSSD", "gp", size=200)]
    pids = {"vm": product_id(catalog, "small"), "sas": product_id(catalog, "SAS"),
            "eip": product_id(catalog, "eip"), "bw": product_id(catalog, "bw"),
            "gp": product_id(catalog, "GPSSD")}
    sizes = {"vm": 1, "sas": 40, "eip": 1, "bw": 5, "gp": 200}
    names = {"vm": "small", "sas": "SAS", "eip": "eip", "bw": "bw", "gp": "GPSSD"}
    for ptype, pnum, subs in ((2, 1, 1), (2, 3, 2), (3, 1, 1), (3, 2, 3)):
        body = success_json(me.signed("POST", rating_path(cust.domain_id), rating_body(
            products, period_type=ptype, period_num=pnum, subs=subs)))
        table = MONTH if ptype == 2 else YEAR
        expected = {k: (q2(table[names[k]] * sizes[k] * pnum * subs), D(0)) for k in names}
        check_rating(body, expected, pids)
    # written out: one month of s6.small + 40 GB SAS = 28.20 + 14.00
    body = success_json(me.signed("POST", rating_path(cust.domain_id), rating_body(
        [info("small", "a"), info("SAS", "b", size=40)])))
    assert num(body["ratingResult"]["amount"]) == D("42.20")


def test_rating_old_on_demand(dist_customer):
    _, cust, me = dist_customer
    body = success_json(me.signed("POST", rating_path(cust.domain_id), rating_body(
        [info("small", "vm", usageFactor="Duration", usageValue=10, usageMeasureId=4),
         info("SAS", "disk", size=40, usageFactor="Duration", usageValue=10,
              usageMeasureId=4)],
        mode=1, period_type=None, period_num=None)))
    rows = {r["id"]: r for r in body["ratingResult"]["productRatingResult"]}
    assert num(rows["vm"]["amount"]) == D("2.2")  # 0.22/hour
    assert num(rows["disk"]["amount"]) == D("0.2")  # 0.0005/GB/hour
    assert num(body["ratingResult"]["amount"]) == D("2.4")


def test_rating_old_inquiry_time_picks_plan(dist_customer, custom_products):
    _, cust, me = dist_customer
    spec = custom_products["planned"]

    def quote(**extra):
        body = success_json(me.signed("POST", rating_path(cust.domain_id), rating_body(
            [info(spec, "p")], period_num=2, **extra)))
        row = body["ratingResult"]["productRatingResult"][0]
        assert row["productId"] == custom_products["planned_id"]
        return num(body["ratingResult"]["amount"])

    assert quote(inquiryTime="2024-06-01T00:00:00Z") == D("20")
    assert quote(inquiryTime="2024-12-31T23:59:59Z") == D("20")
    assert quote(inquiryTime="2025-06-01T00:00:00Z") == D("24")
    assert quote() == D("24")
    # before the first plan there is no price
    resp = me.signed("POST", rating_path(cust.domain_id), rating_body(
        [info(spec, "p")], inquiryTime="2019-06-01T00:00:00Z"))
    assert resp.status_code == 200, resp.text
    assert resp.json()["error_code"] == "CBC.6006"
    assert_error(me.signed("POST", rating_path(cust.domain_id),
                           rating_body([info("small")], inquiryTime="June 1st")), 400, "CBC.0100")


def test_rating_old_unknown_products(dist_customer):
    _, cust, me = dist_customer
    for products, extra in (
            ([info("s6.nosuch.1.linux")], {}),
            ([info("small", "1"), info("s6.nosuch.1.linux", "2")], {}),
            ([info("small")], {"regionId": "xx-nowhere-1"}),
            ([info("obs_standard") | {"cloudServiceType": "hws.service.type.obs",
                                      "resourceType": "hws.resource.type.obs"}], {}),
    ):
        resp = me.signed("POST", rating_path(cust.domain_id), rating_body(products, **extra))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["error_code"] == "CBC.6006", body
        assert body.get("error_msg")
        assert body.get("ratingResult") is None, body
    # one-off charging has no product here
    resp = me.signed("POST", rating_path(cust.domain_id),
                     rating_body([info("small")], mode=2, period_type=None, period_num=None))
    assert resp.status_code == 200, resp.text
    assert resp.json()["error_code"] == "CBC.6006"
    assert resp.json().get("ratingResult") is None


def test_rating_old_parameter_errors(dist_customer):
    _, cust, me = dist_customer
    good = rating_body([info("small")])
    success_json(me.signed("POST", rating_path(cust.domain_id), good))

    def without(key):
        return {k: v for k, v in good.items() if k != key}

    bad_bodies = [
        without("tenantId"), without("regionId"), without("subscriptionNum"),
        without("periodType"), without("productInfos"), without("chargingMode"),
        {**good, "chargingMode": 3}, {**good, "chargingMode": -1},
        {**good, "periodType": 1}, {**good, "periodType": 6},
        {**good, "subscriptionNum": 0}, {**good, "productInfos": []},
        {**good, "productInfos": [{k: v for k, v in info("small").items() if k != "id"}]},
        {**good, "productInfos": [{k: v for k, v in info("small").items()
                                   if k != "resourceSpecCode"}]},
    ]
    for body in bad_bodies:
        assert_error(me.signed("POST", rating_path(cust.domain_id), body), 400, "CBC.0100")
    assert_error(me.signed("POST", rating_path(cust.domain_id), "{not json"), 400, "CBC.0100")


def test_rating_old_callers_and_discounts(partners, customers, cli, catalog):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)
    cli("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", EC2,
        "--rate", "0.85", "--expires", "2030-01-01", "--json")
    body = rating_body([info("small", "vm"), info("SAS", "disk", size=40)], period_num=2)
    pids = {"vm": product_id(catalog, "small"), "disk": product_id(catalog, "SAS")}
    # 2 months: ECS 56.40 at 85% saves 8.46; the disk is another service type
    discounted = {"vm": (D("56.40"), D("8.46")), "disk": (D("28.00"), D(0))}
    listed = {"vm": (D("56.40"), D(0)), "disk": (D("28.00"), D(0))}

    check_rating(success_json(me.signed("POST", rating_path(cust.domain_id), body)),
                 discounted, pids)
    check_rating(success_json(dist.signed("POST", rating_path(cust.domain_id), body)),
                 discounted, pids)
    check_rating(success_json(dist.signed("POST", rating_path(dist.domain_id), body)),
                 listed, pids)
    spro = partners.solution_provider()
    check_rating(success_json(spro.signed("POST", rating_path(spro.domain_id), body)),
                 listed, pids)

    other = customers.create(dist)
    for path_id in (other.domain_id, dist.domain_id, NO_ID):
        assert_error(me.signed("POST", rating_path(path_id), body), 403, "CBC.0151")
    for path_id in (cust.domain_id, dist.domain_id, NO_ID):
        assert_error(spro.signed("POST", rating_path(path_id), body), 403, "CBC.0151")
    reseller = partners.reseller(partners.distributor())
    assert_error(reseller.signed("POST", rating_path(reseller.domain_id), body), 403, "CBC.0151")


# =================================================================== QueryChangeRatingOld

def days_left(expire: str, at: dt.datetime) -> int:
    return math.ceil((parse_utc(expire) - at).total_seconds() / 86400)


def test_change_rating_monthly_vm(dist_customer, cli, catalog):
    dist, cust, me = dist_customer
    start = now_utc() - dt.timedelta(days=15)
    vm = provision(cli, cust.domain_id, effective=start)
    expire = parse_utc(vm["expire_time"])
    at = expire - dt.timedelta(days=19, hours=6)
    assert at > start
    assert days_left(vm["expire_time"], at) == 20
    daily = (MONTH["medium"] - MONTH["small"]) / 30
    for caller, path_id in ((me, cust.domain_id), (dist, cust.domain_id)):
        body = success_json(caller.signed("POST", change_path(path_id), change_body(
            vm["resource_id"], "medium", inquiry=utc(at), tenantId="proj-1")))
        result = body["ratingResult"]
        assert num(result["originalAmount"]) == q2(daily * 20) == D("18.80")
        assert num(result["discountAmount"]) == 0
        assert num(result["amount"]) == D("18.80")
        assert result["productId"] == product_id(catalog, "medium")
        assert result["measureId"] == 1 and result["currency"] == "CNY"

    # exactly 20 days left is 20 days; one second more starts a 21st
    for delta, days in ((dt.timedelta(days=20), 20), (dt.timedelta(days=20, seconds=1), 21),
                        (dt.timedelta(days=1), 1), (dt.timedelta(seconds=1), 1)):
        body = success_json(me.signed("POST", change_path(cust.domain_id), change_body(
            vm["resource_id"], "medium", inquiry=utc(expire - delta))))
        assert num(body["ratingResult"]["amount"]) == q2(daily * days), (delta, body)

    # without inquiryTime the quote runs from now
    before = now_utc()
    body = success_json(me.signed("POST", change_path(cust.domain_id),
                                  change_body(vm["resource_id"], "medium")))
    after = now_utc() + dt.timedelta(seconds=1)
    allowed = {q2(daily * days_left(vm["expire_time"], t)) for t in (before, after)}
    assert num(body["ratingResult"]["amount"]) in allowed


def test_change_rating_yearly_vm_and_disks(dist_customer, cli):
    _, cust, me = dist_customer
    start = now_utc() - dt.timedelta(days=10)
    vm = provision(cli, cust.domain_id, period_type=3, effective=start)
    at = parse_utc(vm["expire_time"]) - dt.timedelta(days=100, hours=1)
    assert days_left(vm["expire_time"], at) == 101
    body = success_json(me.signed("POST", change_path(cust.domain_id),
                                  change_body(vm["resource_id"], "medium", inquiry=utc(at))))
    medium_year = D("575.28")
    expected = q2((medium_year - YEAR["small"]) / 365 * 101)
    assert expected == D("79.59")
    assert num(body["ratingResult"]["amount"]) == expected

    disk = provision(cli, cust.domain_id, "SAS", size=40, effective=start)
    at = parse_utc(disk["expire_time"]) - dt.timedelta(days=19, hours=6)
    for target, size, orig in (("SSD", 100, q2((D(100) * 1 - D(40) * D("0.35")) / 30 * 20)),
                               ("SAS", 100, q2(D("0.35") * 60 / 30 * 20)),
                               ("GPSSD", 40, q2((D("0.50") - D("0.35")) * 40 / 30 * 20))):
        body = success_json(me.signed("POST", change_path(cust.domain_id),
                                      change_body(disk["resource_id"], target, size=size,
                                                  inquiry=utc(at))))
        assert num(body["ratingResult"]["originalAmount"]) == orig, (target, size, body)
        assert num(body["ratingResult"]["amount"]) == orig
    assert q2((D(100) - D(14)) / 30 * 20) == D("57.33")

    yearly_disk = provision(cli, cust.domain_id, "SATA", size=100, period_type=3,
                            effective=start)
    at = parse_utc(yearly_disk["expire_time"]) - dt.timedelta(days=72, hours=3)
    body = success_json(me.signed("POST", change_path(cust.domain_id), change_body(
        yearly_disk["resource_id"], "SSD", size=100, inquiry=utc(at))))
    assert num(body["ratingResult"]["amount"]) == q2((D(1000) - D(300)) / 365 * 73)


def test_change_rating_with_discount(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)
    # in force since long before the (past) inquiry times used below
    cli("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", EC2,
        "--rate", "0.85", "--effective", "2024-01-01", "--expires", "2030-01-01", "--json")
    start = now_utc() - dt.timedelta(days=15)
    vm = provision(cli, cust.domain_id, effective=start)
    disk = provision(cli, cust.domain_id, "SAS", size=40, effective=start)
    at = utc(parse_utc(vm["expire_time"]) - dt.timedelta(days=19, hours=6))
    for caller in (me, dist):
        result = success_json(caller.signed("POST", change_path(cust.domain_id), change_body(
            vm["resource_id"], "medium", inquiry=at)))["ratingResult"]
        assert num(result["originalAmount"]) == D("18.80")
        assert num(result["amount"]) == D("15.98")
        assert num(result["discountAmount"]) == D("2.82")
    # EVS is not the discounted service type
    at = utc(parse_utc(disk["expire_time"]) - dt.timedelta(days=19, hours=6))
    result = success_json(me.signed("POST", change_path(cust.domain_id), change_body(
        disk["resource_id"], "SAS", size=100, inquiry=at)))["ratingResult"]
    assert num(result["amount"]) == num(result["originalAmount"]) == D("14.00")
    assert num(result["discountAmount"]) == 0


def test_change_rating_errors(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)
    other = customers.create(dist)
    start = now_utc() - dt.timedelta(days=1)
    vm = provision(cli, cust.domain_id, "medium", effective=start)["resource_id"]
    disk = provision(cli, cust.domain_id, "SAS", size=40, effective=start)["resource_id"]
    ppu = provision(cli, cust.domain_id, charge_mode="on_demand")["resource_id"]
    theirs = provision(cli, other.domain_id, effective=start)["resource_id"]
    path = change_path(cust.domain_id)

    def refused(body):
        assert_error(me.signed("POST", path, body), 400, "CBC.0100")

    # only upgrades
    refused(change_body(vm, "small"))
    refused(change_body(vm, "medium"))
    refused(change_body(disk, "SAS", size=40))
    refused(change_body(disk, "SAS", size=20))
    refused(change_body(disk, "SATA", size=40))
    # the resource must be this customer's yearly/monthly resource of that type
    refused(change_body(disk, "medium"))
    refused(change_body(vm, "SSD", size=100))
    refused(change_body(ppu, "medium"))
    refused(change_body(theirs, "medium"))
    refused(change_body("no-such-resource", "medium"))
    # malformed
    refused(change_body(vm, "medium", tenantId=""))
    refused({k: v for k, v in change_body(vm, "medium").items() if k != "resourceId"})
    refused({k: v for k, v in change_body(vm, "medium").items() if k != "productInfo"})
    refused(change_body(vm, "medium", inquiry="tomorrow"))
    # nothing is left to upgrade once the period is over
    vm_expire = list_res(me, resource_ids=[vm]).data[0].expire_time
    refused({"resourceId": vm,
             "inquiryTime": utc(parse_utc(vm_expire) + dt.timedelta(days=1)),
             "productInfo": {"cloudServiceType": EC2, "resourceType": VM,
                             "resourceSpecCode": "c6.large.2.linux"}})
    assert_error(me.signed("POST", path, "{nope"), 400, "CBC.0100")
    # while a real upgrade of the same resource is quoted
    upgrade = {"tenantId": "p", "resourceId": vm,
               "productInfo": {"cloudServiceType": EC2, "resourceType": VM,
                               "resourceSpecCode": "c6.large.2.linux"}}
    assert num(success_json(me.signed("POST", path, upgrade))["ratingResult"]["amount"]) > 0


# =================================================================== tenancy

@pytest.fixture(scope="module")
def world(partners, customers, cli):
    """Three solution providers with a customer each (a, b, s), and a reseller's customer that its distributor created."""
    dist_a, dist_b = partners.solution_provider(), partners.solution_provider()
    spro = partners.solution_provider()
    parent = partners.distributor()
    reseller = partners.reseller(parent)
    custs = {
        "a": customers.create(dist_a),
        "b": customers.create(dist_b),
        "r": customers.create(parent, indirect_partner_id=reseller.domain_id),
        "s": customers.create(spro),
    }
    start = now_utc() - dt.timedelta(days=3)
    res = {}
    for key, cust in custs.items():
        vm = provision(cli, cust.domain_id, effective=start)
        disk = provision(cli, cust.domain_id, "SAS", size=40, parent=vm["resource_id"])
        res[key] = (vm, disk)
    return {"partners": {"a": dist_a, "b": dist_b, "s": spro, "reseller": reseller},
            "customers": custs, "resources": res,
            "callers": {k: customers.principal(c) for k, c in custs.items()}}


# which partner may act for which customer
OWNER = {"a": "a", "b": "b", "s": "s", "r": None}


@pytest.mark.parametrize("who", ["a", "b", "s", "reseller"])
@pytest.mark.parametrize("whose", ["a", "b", "r", "s", "unknown"])
def test_tenancy_list(world, who, whose):
    partner = world["partners"][who]
    cid = world["customers"][whose].domain_id if whose != "unknown" else NO_ID
    if whose != "unknown" and OWNER[whose] == who:
        vm, disk = world["resources"][whose]
        resp = list_res(partner, customer_id=cid)
        assert set(listed_ids(resp)) == {vm["resource_id"], disk["resource_id"]}
    else:
        expect_sdk_error(lambda: list_res(partner, customer_id=cid), 403, "CBC.0151")


@pytest.mark.parametrize("who", ["a", "b", "s", "reseller"])
@pytest.mark.parametrize("whose", ["a", "b", "r", "s", "unknown"])
def test_tenancy_quotes(world, who, whose):
    partner = world["partners"][who]
    cid = world["customers"][whose].domain_id if whose != "unknown" else NO_ID
    vm = world["resources"][whose][0]["resource_id"] if whose != "unknown" else "no-such"
    rating = partner.signed("POST", rating_path(cid), rating_body([info("small")]))
    change = partner.signed("POST", change_path(cid), change_body(vm, "medium"))
    if whose != "unknown" and OWNER[whose] == who:
        assert num(success_json(rating)["ratingResult"]["amount"]) == D("28.20")
        assert num(success_json(change)["ratingResult"]["amount"]) > 0
    else:
        assert_error(rating, 403, "CBC.0151")
        assert_error(change, 403, "CBC.0151")


@pytest.mark.parametrize("me", ["a", "b", "r", "s"])
def test_tenancy_customers_see_only_their_own(world, me):
    caller = world["callers"][me]
    own_vm, own_disk = world["resources"][me]
    listed = list_res(caller, limit=100)
    assert set(listed_ids(listed)) == {own_vm["resource_id"], own_disk["resource_id"]}
    foreign = [world["resources"][k][0]["resource_id"] for k in world["resources"] if k != me]
    # asking for others' resources by id finds nothing
    assert listed_ids(list_res(caller, resource_ids=foreign)) == []
    # renewal: another customer's resource is reported exactly like an unknown one
    resp = renew(caller, foreign + ["no-such-resource", own_vm["resource_id"]], 2, 1)
    assert {f.resource_id: f.error_code for f in resp.fail_resource_infos} == \
        {rid: "CBC.30050009" for rid in foreign + ["no-such-resource"]}
    assert [r.resource_id for r in resp.renew_inquiry_results] == [own_vm["resource_id"]]
    assert money(resp.renew_inquiry_results[0].amount) == D("28.20") + D("14.00")
    # change quotes: another customer's resource is refused like an unknown one
    for rid in foreign + ["no-such-resource"]:
        assert_error(caller.signed("POST", change_path(caller.domain_id),
                                   change_body(rid, "medium")), 400, "CBC.0100")
    # and the customer cannot address another account's path at all
    for other in (k for k in world["customers"] if k != me):
        oid = world["customers"][other].domain_id
        assert_error(caller.signed("POST", rating_path(oid), rating_body([info("small")])),
                     403, "CBC.0151")
        assert_error(caller.signed("POST", change_path(oid),
                                   change_body(world["resources"][other][0]["resource_id"],
                                               "medium")), 403, "CBC.0151")


def test_tenancy_partner_with_own_customer_path_and_foreign_resource(world):
    dist_a = world["partners"]["a"]
    cid = world["customers"]["a"].domain_id
    for other in ("b", "r", "s"):
        rid = world["resources"][other][0]["resource_id"]
        assert_error(dist_a.signed("POST", change_path(cid), change_body(rid, "medium")),
                     400, "CBC.0100")


# =================================================================== concurrency

def test_concurrent_provisions_of_one_resource_id(dist_customer, cli, operator):
    from concurrent.futures import ThreadPoolExecutor
    dist, cust, _ = dist_customer
    pay_in(cli, cust.domain_id)
    rid = "race-" + uuid.uuid4().hex
    args = provision_args(cust.domain_id, "small", resource_id=rid) + ["--json"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        procs = list(pool.map(lambda _: cli.run(*args), range(6)))
    assert sorted(p.returncode for p in procs) == [0] + [1] * 5, [p.stderr for p in procs]

    rid2 = "race-" + uuid.uuid4().hex
    body = {"customer_id": cust.domain_id, "cloud_service_type": EC2, "resource_type": VM,
            "resource_spec": "s6.small.1.linux", "region": REGION, "resource_id": rid2}
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(pool.map(lambda _: operator.signed("POST", OPERATOR_PATH, body).status_code,
                                range(8)))
    assert codes[0] == 201 and codes.count(201) == 1, codes
    assert all(400 <= c < 500 for c in codes[1:]), codes
    listed = list_res(dist, customer_id=cust.domain_id, limit=100)
    assert sorted(listed_ids(listed)) == sorted([rid, rid2])
