"""Price inquiries: on-demand (ListOnDemandResourceRatings) and yearly/monthly
(ListRateOnPeriodDetail) quotes, partner discounts, IAM assume_role for the
partner-to-customer token exchange, and a property test against random price books."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections import deque
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Optional

import pytest
import requests

from conftest import (
    HTTP_TIMEOUT,
    assert_error,
    expect_sdk_error,
    issue_token,
    token_request,
    unique,
)
from huaweicloudsdkbss.v2 import (
    DemandProductInfo,
    ListOnDemandResourceRatingsRequest,
    ListRateOnPeriodDetailRequest,
    PeriodProductInfo,
    RateOnDemandReq,
    RateOnPeriodReq,
)

D = Decimal
ON_DEMAND = "/v2/bills/ratings/on-demand-resources"
PERIOD = "/v2/bills/ratings/period-resources/subscribe-rate"
EC2, EBS, VPC, OBS, RDS = (f"hws.service.type.{s}" for s in ("ec2", "ebs", "vpc", "obs", "rds"))
VM, VOLUME, IP, BANDWIDTH, OBS_RT = (f"hws.resource.type.{r}"
                                     for r in ("vm", "volume", "ip", "bandwidth", "obs"))
PERIOD_FIELD = {0: "day_price", 2: "month_price", 3: "year_price", 4: "hour_price"}


# --------------------------------------------------------------------------
# request builders
# --------------------------------------------------------------------------

def vm(id="vm", spec="s6.small.1.linux", region="cn-north-4", value=1, measure=4, num=1, **kw):
    item = {"id": id, "cloud_service_type": EC2, "resource_type": VM, "resource_spec": spec,
            "region": region, "usage_factor": "Duration", "usage_value": value,
            "usage_measure_id": measure, "subscription_num": num}
    item.update(kw)
    return item


def disk(id="disk", spec="SSD", size=40, value=1, measure=4, num=1, region="cn-north-4", **kw):
    item = {"id": id, "cloud_service_type": EBS, "resource_type": VOLUME, "resource_spec": spec,
            "region": region, "resource_size": size, "size_measure_id": 17,
            "usage_factor": "Duration", "usage_value": value, "usage_measure_id": measure,
            "subscription_num": num}
    item.update(kw)
    return item


def obs(id="obs", factor="downflow", value=1, measure=10, num=1, region="cn-north-4", **kw):
    item = {"id": id, "cloud_service_type": OBS, "resource_type": OBS_RT,
            "resource_spec": "obs_standard", "region": region, "usage_factor": factor,
            "usage_value": value, "usage_measure_id": measure, "subscription_num": num}
    item.update(kw)
    return item


def on_demand_body(*items, precision=None, project="0b5e7f4c7b80d2f32f8ac00d9a1c7e11"):
    body: dict = {"project_id": project, "product_infos": list(items)}
    if precision is not None:
        body["inquiry_precision"] = precision
    return body


def period_item(id="1", svc=EC2, rt=VM, spec="s6.small.1.linux", region="cn-north-4",
                period_type=2, period_num=1, num=1, size=None, size_measure=None, **kw):
    item = {"id": id, "cloud_service_type": svc, "resource_type": rt, "resource_spec": spec,
            "region": region, "period_type": period_type, "period_num": period_num,
            "subscription_num": num}
    if size is not None:
        item["resource_size"] = size
        item["size_measure_id"] = size_measure
    item.update(kw)
    return item


def period_body(*items, project="p-1"):
    return {"project_id": project, "product_infos": list(items)}


def dec(v) -> Decimal:
    return D(str(v))


def body_of(resp: requests.Response) -> dict:
    assert resp.status_code == 200, f"{resp.status_code}: {resp.text}"
    return resp.json(parse_float=Decimal)


def trunc(x: Fraction, places: int) -> Decimal:
    q = D(1).scaleb(-places)
    return (D(x.numerator) / D(x.denominator)).quantize(q, rounding=ROUND_DOWN) \
        if x.denominator != 1 else D(x.numerator)


def round2(x) -> Decimal:
    x = x if isinstance(x, Decimal) else D(x.numerator) / D(x.denominator)
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def frac(v) -> Fraction:
    return Fraction(D(str(v)))


# --------------------------------------------------------------------------
# an independent model of the price book
# --------------------------------------------------------------------------

class PriceBook:
    """The exported catalog, with unit conversion and the quote arithmetic of the contract."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.edges: dict[int, list[tuple[int, Fraction]]] = {}
        for c in doc["conversions"]:
            a, b, r = c["measure_id"], c["ref_measure_id"], Fraction(c["ratio"])
            self.edges.setdefault(a, []).append((b, r))
            self.edges.setdefault(b, []).append((a, 1 / r))
        self.by_key: dict[tuple, list[dict]] = {}
        for p in doc["products"]:
            k = (p["cloud_service_type"], p["resource_type"], p["resource_spec"], p["region"],
                 p["charge_mode"], (p.get("usage_factor") or "").lower())
            self.by_key.setdefault(k, []).append(p)

    def factor(self, src: int, dst: int) -> Optional[Fraction]:
        """How many `dst` units one `src` unit is, following the conversion chain."""
        seen, todo = {src}, deque([(src, Fraction(1))])
        while todo:
            u, f = todo.popleft()
            if u == dst:
                return f
            for v, r in self.edges.get(u, []):
                if v not in seen:
                    seen.add(v)
                    todo.append((v, f * r))
        return None

    @staticmethod
    def in_force(plans: list[dict]) -> dict:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        live = [p for p in plans if (p.get("effective_from") or "") <= stamp
                and (p.get("effective_until") is None or p["effective_until"] > stamp)]
        assert live, plans
        return max(live, key=lambda p: p.get("effective_from") or "")

    def on_demand_product(self, item: dict) -> dict:
        k = (item["cloud_service_type"], item["resource_type"], item["resource_spec"],
             item["region"], "on_demand", item["usage_factor"].lower())
        return self.in_force(self.by_key[k])

    def period_product(self, item: dict) -> dict:
        k = (item["cloud_service_type"], item["resource_type"], item["resource_spec"],
             item["region"], "period", "")
        return self.in_force(self.by_key[k])

    def on_demand_raw(self, item: dict) -> Fraction:
        p = self.on_demand_product(item)
        qty = frac(item["usage_value"]) * self.factor(item["usage_measure_id"],
                                                      p["usage_measure_id"])
        qty *= item["subscription_num"]
        if p.get("size_measure_id"):
            qty *= item["resource_size"]
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

    def period_official(self, item: dict) -> Decimal:
        p = self.period_product(item)
        price = frac(p[PERIOD_FIELD[item["period_type"]]])
        x = price * item["period_num"] * item["subscription_num"]
        if p.get("size_measure_id"):
            x *= item["resource_size"]
        return round2(x)


def export_book(cli) -> PriceBook:
    return PriceBook(json.loads(cli("admin", "catalog", "export")))


# --------------------------------------------------------------------------
# invariants
# --------------------------------------------------------------------------

def places(v: Decimal) -> int:
    return max(0, -v.normalize().as_tuple().exponent)


def check_on_demand(data: dict, precision: int = 0) -> None:
    limit = 6 if precision == 0 else 10
    items = data["product_rating_results"]
    for key in ("amount", "discount_amount", "official_website_amount"):
        assert dec(data[key]) == sum((dec(i[key]) for i in items), D(0)), (key, data)
    assert dec(data["discount_amount"]) == dec(data["official_website_amount"]) - dec(data["amount"])
    assert data["measure_id"] == 1
    assert data.get("currency") in (None, "", "CNY")
    for i in items:
        amount, off, disc = dec(i["amount"]), dec(i["official_website_amount"]), dec(i["discount_amount"])
        assert disc == off - amount, i
        assert D(0) <= amount <= off, i
        assert i["measure_id"] == 1
        assert i["product_id"].startswith("OFFI")
        for v in (amount, off, disc):
            assert places(v) <= limit, (v, limit, i)
        lines = i.get("discount_rating_results") or []
        assert sum((dec(d["amount"]) for d in lines), D(0)) == disc, i


def check_period(data: dict) -> None:
    off = data["official_website_rating_result"]
    items = off["product_rating_results"]
    total = dec(off["official_website_amount"])
    assert total == sum((dec(i["official_website_amount"]) for i in items), D(0))
    assert off["measure_id"] == 1
    assert data.get("currency") in (None, "", "CNY")
    official = {i["id"]: dec(i["official_website_amount"]) for i in items}
    for v in official.values():
        assert places(v) <= 2
    blocks = data.get("optional_discount_rating_results") or []
    best = [b for b in blocks if b.get("best_offer") == 1]
    savings = [dec(b["discount_amount"]) for b in blocks]
    if savings and max(savings) > 0:
        assert len(best) == 1 and dec(best[0]["discount_amount"]) == max(savings), blocks
    else:
        assert best == [], blocks
    for b in blocks:
        assert dec(b["official_website_amount"]) == total
        assert dec(b["amount"]) == total - dec(b["discount_amount"])
        assert b["discount_type"] == 607 and b["measure_id"] == 1
        for key in ("amount", "discount_amount", "official_website_amount"):
            assert dec(b[key]) == sum((dec(i[key]) for i in b["product_rating_results"]), D(0))
        for i in b["product_rating_results"]:
            assert dec(i["official_website_amount"]) == official[i["id"]]
            assert dec(i["amount"]) == official[i["id"]] - dec(i["discount_amount"])
            assert D(0) <= dec(i["amount"]) <= official[i["id"]]


# --------------------------------------------------------------------------
# IAM assume_role
# --------------------------------------------------------------------------

def assume_role_body(domain_name=None, domain_id=None, duration=3600, scope=None):
    role: dict = {"agency_name": "any-agency", "duration_seconds": duration}
    if domain_name is not None:
        role["domain_name"] = domain_name
    if domain_id is not None:
        role["domain_id"] = domain_id
    return {"auth": {"identity": {"methods": ["assume_role"], "assume_role": role},
                     "scope": {"domain": {"name": scope or domain_name or ""}}}}


def assume_role(base_url: str, partner_token: Optional[str], body: dict) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if partner_token:
        headers["X-Auth-Token"] = partner_token
    return requests.post(base_url + "/v3/auth/tokens", headers=headers, data=json.dumps(body),
                         timeout=HTTP_TIMEOUT)


def password_token(base_url: str, who) -> str:
    r = issue_token(base_url, who.domain_name, who.password)
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"]


def customer_token(server, partner, customer) -> str:
    r = assume_role(server.base_url, password_token(server.base_url, partner),
                    assume_role_body(customer.domain_name))
    assert r.status_code == 201, r.text
    tok = r.headers.get("X-Subject-Token")
    assert tok
    return tok


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def book(cli) -> PriceBook:
    return export_book(cli)


@pytest.fixture(scope="module")
def dist(partners):
    """A partner with direct customers (a solution provider: distributors take customers only for resellers)."""
    return partners.solution_provider()


@pytest.fixture
def customer(dist, customers):
    """A fresh customer of `dist` (no discounts) with its own AK/SK."""
    return customers.principal(customers.create(dist))


def set_discount(cli, customer_id: str, service: str, rate: str, expires="2099-12-31",
                 effective=None) -> dict:
    args = ["admin", "discount", "set", "--customer-id", customer_id, "--service-type", service,
            "--rate", rate, "--expires", expires]
    if effective:
        args += ["--effective", effective]
    return cli(*args, "--json")


def quote(who, body) -> dict:
    return body_of(who.signed("POST", ON_DEMAND, body))


def quote_period(who, body) -> dict:
    return body_of(who.signed("POST", PERIOD, body))


# --------------------------------------------------------------------------
# assume_role
# --------------------------------------------------------------------------

def test_assume_role_with_partner_password_token(server, partners, customers):
    d = partners.solution_provider()
    c = customers.create(d)
    ptok = password_token(server.base_url, d)
    r = assume_role(server.base_url, ptok, assume_role_body(c.domain_name))
    assert r.status_code == 201, r.text
    tok = r.headers["X-Subject-Token"]
    assert tok and tok != ptok
    token = r.json()["token"]
    assert token["assumed_by"]["user"], token
    assert d.domain_id in json.dumps(token["assumed_by"]) or \
        d.domain_name in json.dumps(token["assumed_by"]), token["assumed_by"]
    assert c.domain_id in json.dumps(token) or c.domain_name in json.dumps(token)
    q = token_request(server.base_url, "POST", ON_DEMAND, tok, on_demand_body(vm()))
    data = body_of(q)
    assert dec(data["amount"]) == D("0.22")


def test_assume_role_by_domain_id(server, partners, customers):
    d = partners.solution_provider()
    c = customers.create(d)
    body = assume_role_body(domain_id=c.domain_id, scope=c.domain_name)
    r = assume_role(server.base_url, password_token(server.base_url, d), body)
    assert r.status_code == 201, r.text
    q = token_request(server.base_url, "POST", PERIOD, r.headers["X-Subject-Token"],
                      period_body(period_item()))
    assert dec(body_of(q)["official_website_rating_result"]["official_website_amount"]) \
        == D("28.2")


def test_assume_role_signed_with_partner_aksk(server, partners, customers, signed_request):
    sp = partners.solution_provider()
    c = customers.create(sp)
    r = signed_request("POST", "/v3/auth/tokens", sp.access_key, sp.secret_key,
                       body=assume_role_body(c.domain_name), domain_id=sp.domain_id)
    assert r.status_code == 201, r.text
    q = token_request(server.base_url, "POST", ON_DEMAND, r.headers["X-Subject-Token"],
                      on_demand_body(vm(num=3)))
    assert dec(body_of(q)["official_website_amount"]) == D("0.66")


@pytest.mark.parametrize("duration", [899, 86401, 0, -1])
def test_assume_role_duration_bounds(server, partners, customers, duration):
    d = partners.solution_provider()
    c = customers.create(d)
    r = assume_role(server.base_url, password_token(server.base_url, d),
                    assume_role_body(c.domain_name, duration=duration))
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("duration", [900, 86400])
def test_assume_role_duration_limits_accepted(server, partners, customers, duration):
    d = partners.solution_provider()
    c = customers.create(d)
    r = assume_role(server.base_url, password_token(server.base_url, d),
                    assume_role_body(c.domain_name, duration=duration))
    assert r.status_code == 201, r.text


def test_assume_role_without_credentials(server, partners, customers):
    d = partners.solution_provider()
    c = customers.create(d)
    r = assume_role(server.base_url, None, assume_role_body(c.domain_name))
    assert r.status_code == 401, r.text
    r = assume_role(server.base_url, "not-a-token", assume_role_body(c.domain_name))
    assert r.status_code == 401, r.text


@pytest.fixture(scope="module")
def tenancy(server, partners, customers, cli):
    d1, d2 = partners.solution_provider(), partners.solution_provider()
    d0 = partners.distributor()
    r1 = partners.reseller(d0)
    world = {
        "d0": d0, "d1": d1, "d2": d2, "r1": r1,
        "c1": customers.create(d1), "c1b": customers.create(d1),
        "c2": customers.create(d2), "cr": customers.create(r1),
    }
    set_discount(cli, world["c1"].domain_id, EC2, "0.5")
    set_discount(cli, world["c2"].domain_id, EC2, "0.8")
    set_discount(cli, world["cr"].domain_id, EC2, "0.9")
    return world


@pytest.mark.parametrize("partner,customer,ok", [
    ("d1", "c1", True), ("d1", "c1b", True), ("d2", "c2", True), ("r1", "cr", True),
    ("d1", "c2", False), ("d2", "c1", False), ("d1", "cr", False), ("r1", "c1", False),
    ("d2", "cr", False), ("r1", "c2", False), ("d0", "cr", False),
])
def test_assume_role_tenancy(server, tenancy, partner, customer, ok):
    p, c = tenancy[partner], tenancy[customer]
    for body in (assume_role_body(c.domain_name),
                 assume_role_body(domain_id=c.domain_id, scope=c.domain_name)):
        r = assume_role(server.base_url, password_token(server.base_url, p), body)
        if ok:
            assert r.status_code == 201, r.text
        else:
            assert r.status_code == 403, r.text
            assert not r.headers.get("X-Subject-Token")


def test_assume_role_unknown_customer_and_customer_callers(server, tenancy):
    ptok = password_token(server.base_url, tenancy["d1"])
    r = assume_role(server.base_url, ptok, assume_role_body("no-such-customer-" + unique()))
    assert r.status_code == 403, r.text
    # a partner's own domain is not a customer
    r = assume_role(server.base_url, ptok, assume_role_body(tenancy["d2"].domain_name))
    assert r.status_code == 403, r.text
    # a customer cannot assume anything, not even itself
    c1 = tenancy["c1"]
    ctok = issue_token(server.base_url, c1.domain_name, c1.password)
    assert ctok.status_code == 201, ctok.text
    for target in ("c1", "c1b"):
        r = assume_role(server.base_url, ctok.headers["X-Subject-Token"],
                        assume_role_body(tenancy[target].domain_name))
        assert r.status_code == 403, (target, r.text)


def test_discounts_follow_the_token_customer(server, tenancy):
    expected = {("d1", "c1"): D("0.11"), ("d1", "c1b"): D("0.22"), ("d2", "c2"): D("0.176"),
                ("r1", "cr"): D("0.198")}
    for (p, c), amount in expected.items():
        tok = customer_token(server, tenancy[p], tenancy[c])
        data = body_of(token_request(server.base_url, "POST", ON_DEMAND, tok,
                                     on_demand_body(vm())))
        check_on_demand(data)
        assert dec(data["official_website_amount"]) == D("0.22")
        assert dec(data["amount"]) == amount, (p, c, data)
        per = body_of(token_request(server.base_url, "POST", PERIOD, tok,
                                    period_body(period_item())))
        check_period(per)
        blocks = per.get("optional_discount_rating_results") or []
        if c == "c1b":
            assert blocks == []
        else:
            assert len(blocks) == 1
            rate = {"c1": D("0.5"), "c2": D("0.8"), "cr": D("0.9")}[c]
            assert dec(blocks[0]["amount"]) == round2(D("28.2") * rate)


# --------------------------------------------------------------------------
# who may quote
# --------------------------------------------------------------------------

@pytest.mark.parametrize("path,body", [(ON_DEMAND, on_demand_body(vm())),
                                       (PERIOD, period_body(period_item()))])
def test_partner_credentials_are_refused(server, partners, path, body):
    d = partners.distributor()
    sp = partners.solution_provider()
    r = partners.reseller(d)
    for who in (d, sp, r):
        assert_error(who.signed("POST", path, body), 403, "CBC.0151")
        assert_error(token_request(server.base_url, "POST", path,
                                   password_token(server.base_url, who), body), 403, "CBC.0151")


def test_partner_sdk_is_refused(dist):
    expect_sdk_error(lambda: dist.client.list_on_demand_resource_ratings(
        ListOnDemandResourceRatingsRequest(body=RateOnDemandReq(
            project_id="p", product_infos=[DemandProductInfo(**vm())]))), 403, "CBC.0151")
    expect_sdk_error(lambda: dist.client.list_rate_on_period_detail(
        ListRateOnPeriodDetailRequest(body=RateOnPeriodReq(
            project_id="p", product_infos=[PeriodProductInfo(**period_item())]))),
        403, "CBC.0151")


def test_quotes_need_credentials(server):
    for path, body in ((ON_DEMAND, on_demand_body(vm())), (PERIOD, period_body(period_item()))):
        r = requests.post(server.base_url + path, json=body, timeout=HTTP_TIMEOUT)
        assert r.status_code == 401, r.text


def test_customer_password_token_quotes(server, customer):
    tok = password_token(server.base_url, customer)
    data = body_of(token_request(server.base_url, "POST", ON_DEMAND, tok, on_demand_body(vm())))
    assert dec(data["amount"]) == D("0.22")


# --------------------------------------------------------------------------
# on-demand: goldens through the SDK
# --------------------------------------------------------------------------

def test_on_demand_goldens_through_sdk(customer, book):
    items = [vm("vm"), disk("ssd", value=90, measure=5),
             obs("down", value=20, measure=9)]
    resp = customer.client.list_on_demand_resource_ratings(ListOnDemandResourceRatingsRequest(
        body=RateOnDemandReq(project_id="p", product_infos=[DemandProductInfo(**i)
                                                             for i in items])))
    got = {r.id: r for r in resp.product_rating_results}
    assert set(got) == {"vm", "ssd", "down"}
    assert got["vm"].official_website_amount == D("0.22")
    assert got["ssd"].official_website_amount == D("0.084")
    assert got["down"].official_website_amount == D("9728")
    for r in got.values():
        assert r.amount == r.official_website_amount and r.discount_amount == 0
        assert r.measure_id == 1 and not r.discount_rating_results
    assert resp.official_website_amount == resp.amount == D("9728.304")
    assert resp.discount_amount == 0 and resp.measure_id == 1
    assert resp.currency in (None, "", "CNY")
    assert got["vm"].product_id == book.on_demand_product(items[0])["product_id"]
    assert got["down"].product_id == book.on_demand_product(items[2])["product_id"]


@pytest.mark.parametrize("item,expected", [
    (vm(region="cn-east-3"), "0.22"),
    (vm(region="ap-southeast-1"), "0.264"),
    (vm(spec="s6.small.1.win"), "0.32"),
    (vm(value=30, measure=5, num=4), "0.44"),
    (vm(value=3600, measure=6), "0.22"),
    (vm(value=0.5), "0.11"),
    (disk(spec="SATA", size=100, value=10), "0.4"),
    ({"id": "bw", "cloud_service_type": VPC, "resource_type": BANDWIDTH, "resource_spec": "19_bgp",
      "region": "cn-north-4", "resource_size": 5, "size_measure_id": 15,
      "usage_factor": "Duration", "usage_value": 2, "usage_measure_id": 4,
      "subscription_num": 1}, "0.63"),
    ({"id": "up", "cloud_service_type": VPC, "resource_type": BANDWIDTH, "resource_spec": "12_bgp",
      "region": "cn-north-4", "usage_factor": "upflow", "usage_value": 512,
      "usage_measure_id": 11, "subscription_num": 1}, "0.4"),
    ({"id": "ip", "cloud_service_type": VPC, "resource_type": IP, "resource_spec": "5_bgp",
      "region": "cn-north-4", "usage_factor": "Duration", "usage_value": 24,
      "usage_measure_id": 4, "subscription_num": 1}, "0.48"),
    (obs(factor="reqNumber", value=25000, measure=14), "0.025"),
    (obs(factor="reqNumber", value=3, measure=30), "0.03"),
    (obs(factor="capacity", value=1, measure=9), "0.142336"),
    # tiers apply to the total quantity: 2 x 6 TB = 12288 GB
    (obs(value=6, measure=9, num=2), "6041.6"),
    (obs(value=60, measure=9), "27648"),
    ({"id": "rds", "cloud_service_type": RDS, "resource_type": "hws.resource.type.rds.vm",
      "resource_spec": "rds.mysql.n1.xlarge.2", "region": "cn-north-4",
      "usage_factor": "Duration", "usage_value": 2, "usage_measure_id": 4,
      "subscription_num": 1}, "4.4"),
])
def test_on_demand_prices(customer, book, item, expected):
    data = quote(customer, on_demand_body(item))
    check_on_demand(data)
    assert dec(data["official_website_amount"]) == D(expected)
    assert trunc(book.on_demand_raw(item), 6) == D(expected)


def test_usage_factor_is_case_insensitive(customer):
    for factor in ("duration", "DURATION", "DuRaTiOn"):
        data = quote(customer, on_demand_body(vm(usage_factor=factor)))
        assert dec(data["amount"]) == D("0.22")
    data = quote(customer, on_demand_body(obs(factor="DOWNFLOW", value=1)))
    assert dec(data["amount"]) == D("0.5")


def test_precision(customer, book):
    # 100 MB of OBS capacity: 0.000139 x 100 / 1024 = 0.00001357421875
    item = obs(factor="capacity", value=100, measure=11)
    for precision, expected in ((None, "0.000013"), (0, "0.000013"), (1, "0.0000135742")):
        data = quote(customer, on_demand_body(item, precision=precision))
        check_on_demand(data, precision or 0)
        assert dec(data["amount"]) == D(expected), (precision, data)
        assert dec(data["official_website_amount"]) == D(expected), (precision, data)
        assert trunc(book.on_demand_raw(item), 10 if precision else 6) == D(expected)
    # 1 GB of SSD for one second: 0.0014 / 3600 = 0.000000388...
    tiny = disk(size=1, value=1, measure=6)
    assert dec(quote(customer, on_demand_body(tiny))["amount"]) == 0
    assert dec(quote(customer, on_demand_body(tiny, precision=1))["amount"]) == \
        D("0.0000003888")
    # a price with few decimals is the same either way
    assert dec(quote(customer, on_demand_body(vm(), precision=1))["amount"]) == D("0.22")


def test_exact_fraction_of_an_hour(customer, tmp_path, cli):
    # 0.03 per hour for 20 minutes is exactly 0.01: 20/60 must not be rounded first
    region = f"test-region-{uuid.uuid4().hex[:10]}"
    doc = {"products": [{"cloud_service_type": EC2, "resource_type": VM, "resource_spec": "x.linux",
                         "region": region, "charge_mode": "on_demand", "usage_factor": "Duration",
                         "usage_measure_id": 4, "unit_price": "0.03"}]}
    f = tmp_path / "c.json"
    f.write_text(json.dumps(doc))
    cli("admin", "catalog", "import", str(f), "--json")
    for precision, expected in ((0, "0.01"), (1, "0.01")):
        data = quote(customer, on_demand_body(vm(spec="x.linux", region=region, value=20,
                                                 measure=5), precision=precision))
        assert dec(data["amount"]) == D(expected), data


def test_hundred_items(customer, book):
    items = [vm(f"i{n}", value=n + 1) for n in range(100)]
    data = quote(customer, on_demand_body(*items))
    check_on_demand(data)
    assert len(data["product_rating_results"]) == 100
    assert dec(data["amount"]) == D("0.22") * sum(range(1, 101))
    assert [r["id"] for r in data["product_rating_results"]] == [f"i{n}" for n in range(100)]


BAD_ON_DEMAND = {
    "no project": (lambda b: b.pop("project_id"), "CBC.0100"),
    "empty project": (lambda b: b.update(project_id=""), "CBC.0100"),
    "long project": (lambda b: b.update(project_id="p" * 65), "CBC.0100"),
    "no items": (lambda b: b.update(product_infos=[]), "CBC.0100"),
    "items missing": (lambda b: b.pop("product_infos"), "CBC.0100"),
    "101 items": (lambda b: b.update(product_infos=[vm(f"i{n}") for n in range(101)]),
                  "CBC.0100"),
    "duplicate ids": (lambda b: b.update(product_infos=[vm("a"), vm("a", value=2)]), "CBC.0100"),
    "precision 2": (lambda b: b.update(inquiry_precision=2), "CBC.0100"),
    "precision -1": (lambda b: b.update(inquiry_precision=-1), "CBC.0100"),
    "precision text": (lambda b: b.update(inquiry_precision="x"), "CBC.0100"),
    **{f"no {f}": ((lambda f: lambda b: b["product_infos"][0].pop(f))(f), "CBC.0100")
       for f in ("id", "cloud_service_type", "resource_type", "resource_spec", "region",
                 "usage_factor", "usage_value", "usage_measure_id", "subscription_num")},
    "long id": (lambda b: b["product_infos"][0].update(id="i" * 65), "CBC.0100"),
    "usage 0": (lambda b: b["product_infos"][0].update(usage_value=0), "CBC.0100"),
    "usage negative": (lambda b: b["product_infos"][0].update(usage_value=-1), "CBC.0100"),
    "subscription 0": (lambda b: b["product_infos"][0].update(subscription_num=0), "CBC.0100"),
    "subscription text": (lambda b: b["product_infos"][0].update(subscription_num="x"),
                          "CBC.0100"),
    "unknown factor": (lambda b: b["product_infos"][0].update(usage_factor="upflow"),
                       "CBC.99006074"),
    "made-up factor": (lambda b: b["product_infos"][0].update(usage_factor="nonsense"),
                       "CBC.99006074"),
    "bytes for hours": (lambda b: b["product_infos"][0].update(usage_measure_id=10),
                        "CBC.99006050"),
    "money for hours": (lambda b: b["product_infos"][0].update(usage_measure_id=1),
                        "CBC.99006050"),
    "unknown unit": (lambda b: b["product_infos"][0].update(usage_measure_id=9999),
                     "CBC.99006050"),
    "unknown spec": (lambda b: b["product_infos"][0].update(resource_spec="s9.huge.linux"),
                     "CBC.99006006"),
    "unknown region": (lambda b: b["product_infos"][0].update(region="mars-1"), "CBC.99006006"),
    "wrong resource type": (lambda b: b["product_infos"][0].update(resource_type=VOLUME),
                            "CBC.99006006"),
    "unknown service": (lambda b: b["product_infos"][0].update(cloud_service_type="hws.x"),
                        "CBC.99006006"),
}


@pytest.mark.parametrize("case", sorted(BAD_ON_DEMAND))
def test_on_demand_bad_requests(customer, case):
    change, code = BAD_ON_DEMAND[case]
    body = on_demand_body(vm())
    change(body)
    assert_error(customer.signed("POST", ON_DEMAND, body), 400, code)


@pytest.mark.parametrize("change", [
    {"resource_size": None}, {"size_measure_id": None}, {"size_measure_id": 15},
    {"size_measure_id": 14}, {"resource_size": 0}, {"resource_size": -5},
])
def test_linear_products_need_a_size(customer, change):
    item = disk()
    for k, v in change.items():
        if v is None:
            item.pop(k)
        else:
            item[k] = v
    assert_error(customer.signed("POST", ON_DEMAND, on_demand_body(item)), 400, "CBC.0100")


def test_malformed_json(customer):
    assert_error(customer.signed("POST", ON_DEMAND, "{not json"), 400, "CBC.0100")
    assert_error(customer.signed("POST", PERIOD, "[]"), 400, "CBC.0100")


# --------------------------------------------------------------------------
# on-demand discounts
# --------------------------------------------------------------------------

def test_on_demand_discount(cli, customer, book):
    d = set_discount(cli, customer.domain_id, EC2, "0.85")
    assert set(d) >= {"discount_id", "partner_id", "customer_id", "service_type", "rate",
                      "effective_time", "expire_time"}
    assert d["customer_id"] == customer.domain_id and d["service_type"] == EC2
    assert D(str(d["rate"])) == D("0.85")
    items = [vm("a", value=7, measure=5), vm("b", value=3), disk("c")]
    data = quote(customer, on_demand_body(*items))
    check_on_demand(data)
    got = {r["id"]: r for r in data["product_rating_results"]}
    for it in items[:2]:
        raw = book.on_demand_raw(it)
        r = got[it["id"]]
        assert dec(r["official_website_amount"]) == trunc(raw, 6)
        assert dec(r["amount"]) == trunc(raw * Fraction("0.85"), 6)
        [line] = r["discount_rating_results"]
        assert line["discount_id"] == d["discount_id"]
        assert line["discount_type"] == 607 and line["measure_id"] == 1
        assert dec(line["amount"]) == dec(r["discount_amount"]) > 0
        assert line.get("discount_name")
    # a disk is another service type: no discount
    assert dec(got["c"]["amount"]) == dec(got["c"]["official_website_amount"]) == D("0.056")
    assert not got["c"].get("discount_rating_results")
    # 0.22 x 3 x 0.85 = 0.561
    assert dec(got["b"]["amount"]) == D("0.561")
    # SDK path sees the same
    resp = customer.client.list_on_demand_resource_ratings(ListOnDemandResourceRatingsRequest(
        body=RateOnDemandReq(project_id="p", product_infos=[DemandProductInfo(**items[1])])))
    assert resp.amount == D("0.561") and resp.discount_amount == D("0.099")
    assert resp.product_rating_results[0].discount_rating_results[0].discount_type == 607


def test_lowest_rate_wins_and_expired_or_future_discounts_do_not_apply(cli, customer):
    set_discount(cli, customer.domain_id, EC2, "0.9")
    best = set_discount(cli, customer.domain_id, EC2, "0.7")
    set_discount(cli, customer.domain_id, EC2, "0.8")
    set_discount(cli, customer.domain_id, EC2, "0.1", effective="2098-01-01", expires="2099-01-01")
    set_discount(cli, customer.domain_id, EC2, "0.2", effective="2020-01-01", expires="2021-01-01")
    data = quote(customer, on_demand_body(vm(value=10)))
    check_on_demand(data)
    assert dec(data["amount"]) == D("1.54")
    [line] = data["product_rating_results"][0]["discount_rating_results"]
    assert line["discount_id"] == best["discount_id"]
    listed = cli("admin", "discount", "list", "--customer-id", customer.domain_id, "--json")
    assert len(listed["discounts"]) == 5
    assert best["discount_id"] in {x["discount_id"] for x in listed["discounts"]}
    cli("admin", "discount", "delete", best["discount_id"])
    assert dec(quote(customer, on_demand_body(vm(value=10)))["amount"]) == D("1.76")
    listed = cli("admin", "discount", "list", "--customer-id", customer.domain_id, "--json")
    assert len(listed["discounts"]) == 4


def test_discount_truncates(cli, customer):
    set_discount(cli, customer.domain_id, EBS, "0.3333")
    # 40 GB SSD for 7 minutes: 0.0014 x 40 x 7 / 60 = 0.006533...; x 0.3333 = 0.0021776...
    data = quote(customer, on_demand_body(disk(value=7, measure=5)))
    check_on_demand(data)
    assert dec(data["official_website_amount"]) == D("0.006533")
    assert dec(data["amount"]) == D("0.002177")
    data = quote(customer, on_demand_body(disk(value=7, measure=5), precision=1))
    check_on_demand(data, 1)
    assert dec(data["official_website_amount"]) == D("0.0065333333")
    assert dec(data["amount"]) == D("0.00217756")


@pytest.mark.parametrize("rate", ["1", "0", "1.5", "-0.5", "0.12345", "abc"])
def test_discount_rate_validation(cli, customer, rate):
    proc = cli.run("admin", "discount", "set", "--customer-id", customer.domain_id,
                   "--service-type", EC2, f"--rate={rate}", "--expires", "2099-12-31", "--json")
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert cli("admin", "discount", "list", "--customer-id", customer.domain_id,
               "--json")["discounts"] == []


def test_discount_needs_known_customer_and_service(cli, customer, dist):
    for args in (["--customer-id", customer.domain_id, "--service-type", "hws.service.type.nope"],
                 ["--customer-id", "no-such-customer", "--service-type", EC2],
                 ["--customer-id", dist.domain_id, "--service-type", EC2]):
        proc = cli.run("admin", "discount", "set", *args, "--rate", "0.5",
                       "--expires", "2099-12-31", "--json")
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)


def test_discount_partner_is_the_customers_partner(cli, partners, customers, dist, customer):
    d = set_discount(cli, customer.domain_id, EC2, "0.95")
    assert d["partner_id"] == dist.domain_id
    r = partners.reseller(partners.distributor())
    rc = customers.create(r)
    d2 = set_discount(cli, rc.domain_id, EC2, "0.95")
    assert d2["partner_id"] == r.domain_id


def test_operator_discounts_http(operator, customer):
    base = f"/operator/v1/customers/{customer.domain_id}/discounts"
    r = operator.signed("POST", base, {"service_type": EBS, "rate": 0.6,
                                       "expire_time": "2099-12-31T23:59:59Z"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["customer_id"] == customer.domain_id and created["service_type"] == EBS
    assert D(str(created["rate"])) == D("0.6")
    r = operator.signed("GET", "/operator/v1/discounts", query={"customer_id": customer.domain_id})
    assert r.status_code == 200, r.text
    assert [x["discount_id"] for x in r.json()["discounts"]] == [created["discount_id"]]
    data = quote(customer, on_demand_body(disk(spec="SAS", size=100, value=10)))
    assert dec(data["official_website_amount"]) == D("0.5")
    assert dec(data["amount"]) == D("0.3")
    for bad in ({"service_type": EBS, "rate": 1, "expire_time": "2099-12-31T23:59:59Z"},
                {"service_type": EBS, "rate": 0.12345, "expire_time": "2099-12-31T23:59:59Z"},
                {"service_type": "hws.nope", "rate": 0.5, "expire_time": "2099-12-31T23:59:59Z"},
                {"service_type": EBS, "rate": 0.5}):
        r = operator.signed("POST", base, bad)
        assert r.status_code == 400, (bad, r.text)
    r = operator.signed("POST", "/operator/v1/customers/no-such-customer/discounts",
                        {"service_type": EBS, "rate": 0.5,
                         "expire_time": "2099-12-31T23:59:59Z"})
    assert r.status_code in (400, 404), r.text
    r = operator.signed("DELETE", f"/operator/v1/discounts/{created['discount_id']}")
    assert r.status_code == 204, r.text
    data = quote(customer, on_demand_body(disk(spec="SAS", size=100, value=10)))
    assert dec(data["amount"]) == D("0.5")
    r = operator.signed("DELETE", f"/operator/v1/discounts/{created['discount_id']}")
    assert r.status_code == 404, r.text


def test_operator_discounts_need_operator(customer, dist):
    base = f"/operator/v1/customers/{customer.domain_id}/discounts"
    for who in (dist, customer):
        r = who.signed("POST", base, {"service_type": EBS, "rate": 0.5,
                                      "expire_time": "2099-12-31T23:59:59Z"})
        assert r.status_code in (401, 403), r.text
    assert quote(customer, on_demand_body(disk()))["discount_amount"] == 0


# --------------------------------------------------------------------------
# period quotes
# --------------------------------------------------------------------------

@pytest.mark.parametrize("item,expected", [
    (period_item(), "28.2"),
    (period_item(period_type=3), "287.64"),
    (period_item(spec="s6.small.1.win"), "100.2"),
    (period_item(period_num=3, num=2), "169.2"),
    (period_item(region="ap-southeast-1"), "33.84"),
    (period_item(svc=EBS, rt=VOLUME, spec="SAS", size=40, size_measure=17), "14"),
    (period_item(svc=EBS, rt=VOLUME, spec="SSD", size=40, size_measure=17, period_type=3), "400"),
    (period_item(svc=VPC, rt=BANDWIDTH, spec="19_bgp", size=5, size_measure=15), "115"),
    (period_item(svc=VPC, rt=IP, spec="5_sbgp", period_type=3, period_num=2), "400"),
    (period_item(svc=RDS, rt="hws.resource.type.rds.vm", spec="rds.mysql.n1.large.2",
                 period_type=3), "4800"),
])
def test_period_prices(customer, book, item, expected):
    data = quote_period(customer, period_body(item))
    check_period(data)
    off = data["official_website_rating_result"]
    assert dec(off["official_website_amount"]) == D(expected)
    [r] = off["product_rating_results"]
    assert r["id"] == item["id"] and dec(r["official_website_amount"]) == D(expected)
    assert r["product_id"] == book.period_product(item)["product_id"]
    assert book.period_official(item) == D(expected)
    assert (data.get("optional_discount_rating_results") or []) == []


def test_period_goldens_through_sdk(customer):
    items = [period_item("1"), period_item("2", svc=EBS, rt=VOLUME, spec="SAS", size=40,
                                           size_measure=17)]
    resp = customer.client.list_rate_on_period_detail(ListRateOnPeriodDetailRequest(
        body=RateOnPeriodReq(project_id="p", product_infos=[PeriodProductInfo(**i)
                                                             for i in items])))
    off = resp.official_website_rating_result
    assert off.official_website_amount == D("42.2") and off.measure_id == 1
    assert {r.id: r.official_website_amount for r in off.product_rating_results} == {
        "1": D("28.2"), "2": D("14")}
    assert not resp.optional_discount_rating_results


def test_a_year_is_the_yearly_price(customer):
    month = quote_period(customer, period_body(period_item(period_num=12)))
    year = quote_period(customer, period_body(period_item(period_type=3)))
    assert dec(month["official_website_rating_result"]["official_website_amount"]) == D("338.4")
    assert dec(year["official_website_rating_result"]["official_website_amount"]) == D("287.64")


def test_period_rounds_half_up(tmp_path, cli, customer):
    region = f"test-region-{uuid.uuid4().hex[:10]}"
    doc = {"products": [{"cloud_service_type": EBS, "resource_type": VOLUME, "resource_spec": "R",
                         "region": region, "charge_mode": "period", "size_measure_id": 17,
                         "month_price": "0.125", "day_price": "0.0049", "hour_price": "0.00021"}]}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(doc))
    cli("admin", "catalog", "import", str(f), "--json")
    base = dict(svc=EBS, rt=VOLUME, spec="R", region=region, size_measure=17)
    for kw, expected in (({"size": 1}, "0.13"), ({"size": 3}, "0.38"),
                         ({"size": 1, "period_type": 0}, "0"),
                         ({"size": 1, "period_type": 0, "period_num": 2}, "0.01"),
                         ({"size": 10, "period_type": 4, "num": 3}, "0.01"),
                         ({"size": 10, "period_type": 4, "num": 2}, "0")):
        data = quote_period(customer, period_body(period_item(**base, **kw)))
        assert dec(data["official_website_rating_result"]["official_website_amount"]) \
            == D(expected), (kw, data)
    assert_error(customer.signed("POST", PERIOD, period_body(period_item(**base, size=1,
                                                                         period_type=3))),
                 400, "CBC.99006006")


BAD_PERIOD = {
    "no project": (lambda b: b.pop("project_id"), "CBC.0100"),
    "long project": (lambda b: b.update(project_id="p" * 65), "CBC.0100"),
    "no items": (lambda b: b.update(product_infos=[]), "CBC.0100"),
    "101 items": (lambda b: b.update(product_infos=[period_item(f"i{n}") for n in range(101)]),
                  "CBC.0100"),
    "duplicate ids": (lambda b: b.update(product_infos=[period_item("a"), period_item("a")]),
                      "CBC.0100"),
    **{f"no {f}": ((lambda f: lambda b: b["product_infos"][0].pop(f))(f), "CBC.0100")
       for f in ("id", "cloud_service_type", "resource_type", "resource_spec", "region",
                 "period_type", "period_num", "subscription_num")},
    **{f"period_type {t}": ((lambda t: lambda b: b["product_infos"][0].update(period_type=t))(t),
                            "CBC.0100") for t in (1, 5, -1, 19)},
    "period_num 0": (lambda b: b["product_infos"][0].update(period_num=0), "CBC.0100"),
    "subscription 0": (lambda b: b["product_infos"][0].update(subscription_num=0), "CBC.0100"),
    "HALF_PAY": (lambda b: b["product_infos"][0].update(fee_installment_mode="HALF_PAY"),
                 "CBC.0100"),
    "ZERO_PAY": (lambda b: b["product_infos"][0].update(fee_installment_mode="ZERO_PAY"),
                 "CBC.0100"),
    "bogus installment": (lambda b: b["product_infos"][0].update(fee_installment_mode="X"),
                          "CBC.0100"),
    "no day price": (lambda b: b["product_infos"][0].update(period_type=0), "CBC.99006006"),
    "no hour price": (lambda b: b["product_infos"][0].update(period_type=4), "CBC.99006006"),
    "unknown spec": (lambda b: b["product_infos"][0].update(resource_spec="nope"),
                     "CBC.99006006"),
    "unknown region": (lambda b: b["product_infos"][0].update(region="mars-1"), "CBC.99006006"),
    "on-demand only": (lambda b: b["product_infos"][0].update(
        cloud_service_type=OBS, resource_type=OBS_RT, resource_spec="obs_standard"),
        "CBC.99006006"),
}


@pytest.mark.parametrize("case", sorted(BAD_PERIOD))
def test_period_bad_requests(customer, case):
    change, code = BAD_PERIOD[case]
    body = period_body(period_item())
    change(body)
    assert_error(customer.signed("POST", PERIOD, body), 400, code)


@pytest.mark.parametrize("size", [{}, {"size_measure_id": 17}, {"resource_size": 40},
                                  {"resource_size": 40, "size_measure_id": 15},
                                  {"resource_size": 0, "size_measure_id": 17}])
def test_period_linear_needs_size(customer, size):
    item = period_item(svc=EBS, rt=VOLUME, spec="SAS")
    item.update(size)
    assert_error(customer.signed("POST", PERIOD, period_body(item)), 400, "CBC.0100")


def test_period_installment_na_is_accepted(customer):
    for mode in ("NA",):
        data = quote_period(customer, period_body(period_item(fee_installment_mode=mode)))
        assert dec(data["official_website_rating_result"]["official_website_amount"]) \
            == D("28.2")


def test_period_discount_blocks(cli, customer):
    ec2 = set_discount(cli, customer.domain_id, EC2, "0.9")
    ebs = set_discount(cli, customer.domain_id, EBS, "0.5")
    set_discount(cli, customer.domain_id, RDS, "0.1")  # not in the request: no block
    items = [period_item("vm"), period_item("vm3", period_num=3),
             period_item("d", svc=EBS, rt=VOLUME, spec="SAS", size=40, size_measure=17),
             period_item("ip", svc=VPC, rt=IP, spec="5_bgp")]
    data = quote_period(customer, period_body(*items))
    check_period(data)
    official = {"vm": D("28.2"), "vm3": D("84.6"), "d": D("14"), "ip": D("20")}
    off = data["official_website_rating_result"]
    assert {r["id"]: dec(r["official_website_amount"]) for r in off["product_rating_results"]} \
        == official
    blocks = {b["discount_id"]: b for b in data["optional_discount_rating_results"]}
    assert set(blocks) == {ec2["discount_id"], ebs["discount_id"]}
    expect = {ec2["discount_id"]: (D("0.9"), {"vm", "vm3"}),
              ebs["discount_id"]: (D("0.5"), {"d"})}
    for did, (rate, ids) in expect.items():
        b = blocks[did]
        got = {r["id"]: dec(r["amount"]) for r in b["product_rating_results"]}
        assert got == {i: round2(v * rate) if i in ids else v for i, v in official.items()}
        assert dec(b["amount"]) == sum(got.values())
        assert b.get("discount_name")
    # ECS saves 2.82 + 8.46 = 11.28, EVS saves 7: ECS is the best offer
    assert dec(blocks[ec2["discount_id"]]["discount_amount"]) == D("11.28")
    assert dec(blocks[ebs["discount_id"]]["discount_amount"]) == D("7")
    assert blocks[ec2["discount_id"]]["best_offer"] == 1
    assert blocks[ebs["discount_id"]].get("best_offer", 0) == 0
    # the SDK parses the same
    resp = customer.client.list_rate_on_period_detail(ListRateOnPeriodDetailRequest(
        body=RateOnPeriodReq(project_id="p", product_infos=[PeriodProductInfo(**i)
                                                             for i in items])))
    assert len(resp.optional_discount_rating_results) == 2
    assert {b.discount_id: b.amount for b in resp.optional_discount_rating_results} == {
        did: dec(b["amount"]) for did, b in blocks.items()}


def test_period_discount_rounding(cli, customer):
    set_discount(cli, customer.domain_id, EC2, "0.8765")
    data = quote_period(customer, period_body(period_item(period_type=3)))
    check_period(data)
    [b] = data["optional_discount_rating_results"]
    # 287.64 x 0.8765 = 252.11646
    assert dec(b["amount"]) == D("252.12") and dec(b["discount_amount"]) == D("35.52")
    assert b["best_offer"] == 1


# --------------------------------------------------------------------------
# property test: random price books and inquiries
# --------------------------------------------------------------------------

def random_price(rng: random.Random, places_max: int = 6, hi: int = 50) -> str:
    p = rng.randint(0, places_max)
    return str(D(rng.randint(1, hi * 10 ** p)).scaleb(-p))


def random_book(rng: random.Random, region: str) -> list[dict]:
    products = []
    for n in range(rng.randint(3, 6)):
        spec = f"r{n}.{rng.choice(['linux', 'win'])}"
        products.append({"cloud_service_type": EC2, "resource_type": VM, "resource_spec": spec,
                         "region": region, "charge_mode": "on_demand", "usage_factor": "Duration",
                         "usage_measure_id": rng.choice([4, 5]),
                         "unit_price": random_price(rng, 8, 5)})
        prices = {f: random_price(rng, 4, 2000) for f in PERIOD_FIELD.values()
                  if rng.random() < 0.7} or {"month_price": random_price(rng, 2, 500)}
        products.append({"cloud_service_type": EC2, "resource_type": VM, "resource_spec": spec,
                         "region": region, "charge_mode": "period", **prices})
    for n in range(rng.randint(1, 3)):
        spec = f"disk{n}"
        products.append({"cloud_service_type": EBS, "resource_type": VOLUME,
                         "resource_spec": spec, "region": region, "charge_mode": "on_demand",
                         "usage_factor": "Duration", "usage_measure_id": 4,
                         "size_measure_id": 17, "unit_price": random_price(rng, 7, 1)})
        products.append({"cloud_service_type": EBS, "resource_type": VOLUME,
                         "resource_spec": spec, "region": region, "charge_mode": "period",
                         "size_measure_id": 17, "month_price": random_price(rng, 3, 5),
                         "year_price": random_price(rng, 3, 50)})
    bounds = sorted(rng.sample(range(1, 5000), rng.randint(1, 3)))
    tiers = [{"up_to": str(b), "unit_price": random_price(rng, 4, 2)} for b in bounds]
    tiers.append({"unit_price": random_price(rng, 4, 2)})
    products.append({"cloud_service_type": OBS, "resource_type": OBS_RT, "resource_spec": "obs_x",
                     "region": region, "charge_mode": "on_demand", "usage_factor": "downflow",
                     "usage_measure_id": 10, "tiers": tiers})
    products.append({"cloud_service_type": OBS, "resource_type": OBS_RT, "resource_spec": "obs_x",
                     "region": region, "charge_mode": "on_demand", "usage_factor": "reqNumber",
                     "usage_measure_id": 30, "unit_price": random_price(rng, 4, 1)})
    products.append({"cloud_service_type": VPC, "resource_type": BANDWIDTH, "resource_spec": "bw",
                     "region": region, "charge_mode": "on_demand", "usage_factor": "Duration",
                     "usage_measure_id": 4, "size_measure_id": 15,
                     "unit_price": random_price(rng, 5, 1)})
    products.append({"cloud_service_type": VPC, "resource_type": BANDWIDTH, "resource_spec": "bw",
                     "region": region, "charge_mode": "on_demand", "usage_factor": "upflow",
                     "usage_measure_id": 10, "unit_price": random_price(rng, 3, 2)})
    return products


# largest usage drawn per unit, so that quotes stay in a plausible range
USAGE_MAX = {4: 1000, 5: 60000, 6: 3600000, 9: 20, 10: 20000, 11: 20000000, 12: 2 * 10 ** 9,
             30: 1000, 14: 10 ** 7}


def random_usage(rng: random.Random, product_unit: int) -> tuple[float, int]:
    family = {4: [4, 5, 6], 5: [4, 5, 6], 10: [9, 10, 11, 12], 30: [30, 14]}[product_unit]
    unit = rng.choice(family)
    value = D(rng.randint(1, USAGE_MAX[unit] * 1000)).scaleb(-3)
    value = value.quantize(D(1).scaleb(-rng.randint(0, 3)), rounding=ROUND_DOWN) or D(1)
    return float(value), unit


def on_demand_items(rng: random.Random, products: list[dict], n: int) -> list[dict]:
    od = [p for p in products if p["charge_mode"] == "on_demand"]
    items = []
    for i in range(n):
        p = rng.choice(od)
        value, unit = random_usage(rng, p["usage_measure_id"])
        factor = p["usage_factor"]
        item = {"id": f"q{i}", "cloud_service_type": p["cloud_service_type"],
                "resource_type": p["resource_type"], "resource_spec": p["resource_spec"],
                "region": p["region"],
                "usage_factor": rng.choice([factor, factor.lower(), factor.upper()]),
                "usage_value": value, "usage_measure_id": unit,
                "subscription_num": rng.randint(1, 10)}
        if p.get("size_measure_id"):
            item["resource_size"] = rng.randint(1, 500)
            item["size_measure_id"] = p["size_measure_id"]
        items.append(item)
    return items


def period_items(rng: random.Random, products: list[dict], n: int) -> list[dict]:
    per = [p for p in products if p["charge_mode"] == "period"]
    items = []
    for i in range(n):
        p = rng.choice(per)
        period_type = rng.choice([t for t, f in PERIOD_FIELD.items() if p.get(f)])
        item = period_item(f"q{i}", svc=p["cloud_service_type"], rt=p["resource_type"],
                           spec=p["resource_spec"], region=p["region"], period_type=period_type,
                           period_num=rng.randint(1, 12), num=rng.randint(1, 10))
        if p.get("size_measure_id"):
            item["resource_size"] = rng.randint(1, 500)
            item["size_measure_id"] = p["size_measure_id"]
        items.append(item)
    return items


@pytest.mark.parametrize("seed", [11, 23, 37, 41, 59, 67, 73, 89])
def test_property_random_price_books(seed, operator, cli, customers, dist):
    rng = random.Random(seed)
    region = f"test-region-{uuid.uuid4()}"
    products = random_book(rng, region)
    r = operator.signed("POST", "/operator/v1/catalog/import", {"products": products})
    assert r.status_code == 200, r.text
    assert r.json()["products"] == len(products)
    book = export_book(cli)
    cust = customers.principal(customers.create(dist))
    rates: dict[str, Fraction] = {}
    for svc in (EC2, EBS, OBS, VPC):
        if rng.random() < 0.6:
            chosen = [D(rng.randint(1, 9999)).scaleb(-4) for _ in range(rng.randint(1, 2))]
            for c in chosen:
                set_discount(cli, cust.domain_id, svc, str(c))
            rates[svc] = Fraction(min(chosen))

    for round_ in range(3):
        items = on_demand_items(rng, products, rng.randint(1, 30))
        for precision in (0, 1):
            n_places = 6 if precision == 0 else 10
            data = quote(cust, on_demand_body(*items, precision=precision))
            check_on_demand(data, precision)
            got = {x["id"]: x for x in data["product_rating_results"]}
            assert set(got) == {i["id"] for i in items}
            for it in items:
                raw = book.on_demand_raw(it)
                want_off = trunc(raw, n_places)
                rate = rates.get(it["cloud_service_type"])
                want = trunc(raw * rate, n_places) if rate is not None else want_off
                res = got[it["id"]]
                ctx = (seed, precision, it, res)
                assert dec(res["official_website_amount"]) == want_off, ctx
                assert dec(res["amount"]) == want, ctx
                assert res["product_id"] == book.on_demand_product(it)["product_id"], ctx
                lines = res.get("discount_rating_results") or []
                if rate is None:
                    assert lines == [], ctx
                else:
                    assert len(lines) == 1 and lines[0]["discount_type"] == 607, ctx

        pitems = period_items(rng, products, rng.randint(1, 20))
        data = quote_period(cust, period_body(*pitems))
        check_period(data)
        official = {x["id"]: dec(x["official_website_amount"])
                    for x in data["official_website_rating_result"]["product_rating_results"]}
        assert official == {it["id"]: book.period_official(it) for it in pitems}, seed
        services = {it["cloud_service_type"] for it in pitems}
        blocks = data.get("optional_discount_rating_results") or []
        # one block per discount in force whose service appears in the request
        listed = cli("admin", "discount", "list", "--customer-id", cust.domain_id, "--json")
        expected_ids = {x["discount_id"] for x in listed["discounts"]
                        if x["service_type"] in services}
        assert {b["discount_id"] for b in blocks} == expected_ids, seed
        by_id = {x["discount_id"]: x for x in listed["discounts"]}
        for b in blocks:
            disc = by_id[b["discount_id"]]
            rate = D(str(disc["rate"]))
            for res in b["product_rating_results"]:
                it = next(i for i in pitems if i["id"] == res["id"])
                want = round2(official[res["id"]] * rate) \
                    if it["cloud_service_type"] == disc["service_type"] else official[res["id"]]
                assert dec(res["amount"]) == want, (seed, disc, it, res)
