"""Catalog lookups (service/resource/usage types, measure units, conversions) and the
price book's import/export, through the SDK, the CLI and the operator API."""

from __future__ import annotations

import csv
import io
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import (
    Cli,
    CustomerFactory,
    PartnerFactory,
    assert_error,
    expect_sdk_error,
    issue_token,
    token_request,
)
from huaweicloudsdkbss.v2 import (
    DemandProductInfo,
    ListConversionsRequest,
    ListMeasureUnitsRequest,
    ListOnDemandResourceRatingsRequest,
    ListResourceTypesRequest,
    ListServiceResourcesRequest,
    ListServiceTypesRequest,
    ListUsageTypesRequest,
    RateOnDemandReq,
)

D = Decimal

SERVICE_TYPES = {
    "hws.service.type.ec2": "ECS",
    "hws.service.type.ebs": "EVS",
    "hws.service.type.vpc": "VPC",
    "hws.service.type.obs": "OBS",
    "hws.service.type.rds": "RDS",
}
RESOURCE_TYPES = {
    "hws.resource.type.vm": "hws.service.type.ec2",
    "hws.resource.type.volume": "hws.service.type.ebs",
    "hws.resource.type.ip": "hws.service.type.vpc",
    "hws.resource.type.bandwidth": "hws.service.type.vpc",
    "hws.resource.type.obs": "hws.service.type.obs",
    "hws.resource.type.rds.vm": "hws.service.type.rds",
}
USAGE_TYPES = {
    ("hws.resource.type.vm", "Duration"),
    ("hws.resource.type.volume", "Duration"),
    ("hws.resource.type.ip", "Duration"),
    ("hws.resource.type.bandwidth", "Duration"),
    ("hws.resource.type.bandwidth", "upflow"),
    ("hws.resource.type.rds.vm", "Duration"),
    ("hws.resource.type.obs", "capacity"),
    ("hws.resource.type.obs", "downflow"),
    ("hws.resource.type.obs", "reqNumber"),
}
MEASURE_IDS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 19, 20, 24, 25, 30}
CONVERSIONS = {(1, 2, 10), (2, 3, 10), (4, 5, 60), (5, 6, 60), (7, 8, 1024), (8, 9, 1024),
               (9, 10, 1024), (10, 11, 1024), (11, 12, 1024), (12, 13, 1024), (30, 14, 10000)}

CSV_HEADER = ("product_id,cloud_service_type,resource_type,resource_spec,region,charge_mode,"
              "usage_factor,usage_measure_id,size_measure_id,effective_from,effective_until,"
              "unit_price,tiers,hour_price,day_price,month_price,year_price")

PATHS = {
    "service-types": ("/v2/products/service-types", {}),
    "resource-types": ("/v2/products/resource-types", {}),
    "service-resources": ("/v2/products/service-resources",
                          {"service_type_code": "hws.service.type.ec2"}),
    "usage-types": ("/v2/products/usage-types", {}),
    "measurements": ("/v2/bases/measurements", {}),
    "conversions": ("/v2/bases/conversions", {}),
}


def export_catalog(cli: Cli) -> dict:
    return json.loads(cli("admin", "catalog", "export"))


def new_region() -> str:
    return f"test-region-{uuid.uuid4().hex[:10]}"


def csv_rows(*rows: dict) -> str:
    cols = CSV_HEADER.split(",")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])
    return buf.getvalue()


def vm_row(region: str, spec: str, price: str, **extra) -> dict:
    row = {"cloud_service_type": "hws.service.type.ec2", "resource_type": "hws.resource.type.vm",
           "resource_spec": spec, "region": region, "charge_mode": "on_demand",
           "usage_factor": "Duration", "usage_measure_id": "4", "unit_price": price}
    row.update(extra)
    return row


def import_file(cli: Cli, tmp_path: Path, text: str, suffix: str = ".csv"):
    path = tmp_path / f"catalog-{uuid.uuid4().hex[:6]}{suffix}"
    path.write_text(text)
    return path, cli.run("admin", "catalog", "import", str(path), "--json")


def quote_vm(customer, region: str, spec: str, hours: int = 1):
    """One on-demand VM inquiry by the customer; returns the raw response."""
    body = {"project_id": "p1", "product_infos": [{
        "id": "1", "cloud_service_type": "hws.service.type.ec2",
        "resource_type": "hws.resource.type.vm", "resource_spec": spec, "region": region,
        "usage_factor": "Duration", "usage_value": hours, "usage_measure_id": 4,
        "subscription_num": 1}]}
    return customer.signed("POST", "/v2/bills/ratings/on-demand-resources", body)


def amount_of(resp) -> Decimal:
    assert resp.status_code == 200, resp.text
    return D(str(resp.json(parse_float=Decimal)["official_website_amount"]))


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------

class World:
    """Callers of one server: each partner kind and a customer."""

    def __init__(self, server, cli: Cli):
        self.server = server
        self.cli = cli
        self.partners = PartnerFactory(cli, server.base_url)
        self.customers = CustomerFactory(self.partners)
        self.dist = self.partners.distributor()
        self.sp = self.partners.solution_provider()
        self.reseller = self.partners.reseller(self.dist)
        self.customer = self.customers.principal(self.customers.create(self.sp))


@pytest.fixture(scope="module")
def fresh(start_server, binary):
    """A server nobody else imports into: its catalog is the default one."""
    srv = start_server("catalog-fresh", ["--rate-limit", "0"])
    return World(srv, Cli(binary, srv.database))


@pytest.fixture(scope="module")
def world(server, cli):
    return World(server, cli)


# --------------------------------------------------------------------------
# default catalog
# --------------------------------------------------------------------------

def test_fresh_export_holds_the_default_catalog(fresh):
    doc = export_catalog(fresh.cli)
    assert {s["code"]: s.get("abbreviation") for s in doc["service_types"]} == SERVICE_TYPES
    assert {r["code"]: r["service_type"] for r in doc["resource_types"]} == RESOURCE_TYPES
    assert {(u["resource_type"], u["code"]) for u in doc["usage_types"]} == USAGE_TYPES
    assert {m["id"] for m in doc["measure_units"]} == MEASURE_IDS
    assert {(c["measure_id"], c["ref_measure_id"], c["ratio"]) for c in doc["conversions"]} \
        == CONVERSIONS
    regions = {p["region"] for p in doc["products"]}
    assert regions == {"cn-north-4", "cn-east-3", "ap-southeast-1"}


def _plan(doc, region, spec, mode, factor=None):
    hits = [p for p in doc["products"] if p["region"] == region and p["resource_spec"] == spec
            and p["charge_mode"] == mode and (factor is None or p.get("usage_factor") == factor)]
    assert len(hits) == 1, (region, spec, mode, factor, hits)
    return hits[0]


def test_default_price_book_golden_values(fresh):
    doc = export_catalog(fresh.cli)
    vm = _plan(doc, "cn-north-4", "s6.small.1.linux", "on_demand")
    assert D(vm["unit_price"]) == D("0.22") and vm["usage_measure_id"] == 4
    vmp = _plan(doc, "cn-north-4", "s6.small.1.linux", "period")
    assert (D(vmp["month_price"]), D(vmp["year_price"])) == (D("28.20"), D("287.64"))
    win = _plan(doc, "cn-north-4", "s6.small.1.win", "on_demand")
    assert D(win["unit_price"]) == D("0.32")
    winp = _plan(doc, "cn-north-4", "s6.small.1.win", "period")
    assert D(winp["month_price"]) == D("100.20")
    for spec, hour, month in (("SATA", "0.0004", "0.30"), ("SAS", "0.0005", "0.35"),
                              ("GPSSD", "0.0007", "0.50"), ("SSD", "0.0014", "1.00")):
        od = _plan(doc, "cn-north-4", spec, "on_demand")
        assert D(od["unit_price"]) == D(hour) and od["size_measure_id"] == 17
        pp = _plan(doc, "cn-north-4", spec, "period")
        assert D(pp["month_price"]) == D(month) and D(pp["year_price"]) == 10 * D(month)
    down = _plan(doc, "cn-north-4", "obs_standard", "on_demand", "downflow")
    assert [(t.get("up_to") and D(t["up_to"]), D(t["unit_price"])) for t in down["tiers"]] == [
        (D(10240), D("0.5")), (D(51200), D("0.45")), (None, D("0.4"))]
    upflow = _plan(doc, "cn-north-4", "12_bgp", "on_demand", "upflow")
    assert D(upflow["unit_price"]) == D("0.80") and upflow["usage_measure_id"] == 10
    req = _plan(doc, "cn-north-4", "obs_standard", "on_demand", "reqNumber")
    assert req["usage_measure_id"] == 30 and D(req["unit_price"]) == D("0.01")
    rds = _plan(doc, "cn-north-4", "rds.mysql.n1.large.2", "period")
    assert (D(rds["month_price"]), D(rds["year_price"])) == (D(480), D(4800))


def uplift(price: str) -> Decimal:
    # ap-southeast-1 is 20% dearer; a price book keeps at most 6 places
    # (0.000139 x 1.2 = 0.0001668 is listed as 0.000167)
    exact = D(price) * D("1.2")
    return exact if -exact.as_tuple().exponent <= 6 else exact.quantize(D("0.000001"),
                                                                          rounding="ROUND_HALF_UP")


def test_regional_prices_follow_the_base_region(fresh):
    doc = export_catalog(fresh.cli)
    fields = ("unit_price", "hour_price", "day_price", "month_price", "year_price")

    def key(p):
        return (p["resource_type"], p["resource_spec"], p["charge_mode"], p.get("usage_factor"))

    by_region = {}
    for p in doc["products"]:
        by_region.setdefault(p["region"], {})[key(p)] = p
    base = by_region["cn-north-4"]
    assert set(by_region["cn-east-3"]) == set(base) == set(by_region["ap-southeast-1"])
    for k, p in base.items():
        east, ap = by_region["cn-east-3"][k], by_region["ap-southeast-1"][k]
        for f in fields:
            if p.get(f) is None:
                continue
            assert D(east[f]) == D(p[f]), (k, f)
            assert D(ap[f]) == uplift(p[f]), (k, f, ap[f], p[f])
        if p.get("tiers"):
            assert [uplift(t["unit_price"]) for t in p["tiers"]] == \
                [D(t["unit_price"]) for t in ap["tiers"]]
    # product ids are distinct per region
    ids = [p["product_id"] for p in doc["products"]]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------
# ListServiceTypes
# --------------------------------------------------------------------------

def test_service_types_default_language_is_chinese(fresh):
    doc = export_catalog(fresh.cli)
    zh = {s["code"]: s["name_zh"] for s in doc["service_types"]}
    en = {s["code"]: s["name_en"] for s in doc["service_types"]}
    resp = fresh.dist.client.list_service_types(ListServiceTypesRequest(limit=1000))
    assert resp.total_count == 5
    got = {s.service_type_code: s for s in resp.service_types}
    assert set(got) == set(SERVICE_TYPES)
    for code, s in got.items():
        assert s.service_type_name == zh[code]
        assert s.abbreviation == SERVICE_TYPES[code]
    resp = fresh.dist.client.list_service_types(ListServiceTypesRequest(x_language="en_US",
                                                                        limit=1000))
    assert {s.service_type_code: s.service_type_name for s in resp.service_types} == en
    assert en["hws.service.type.ec2"] == "Elastic Cloud Server"
    resp = fresh.dist.client.list_service_types(ListServiceTypesRequest(x_language="zh_CN",
                                                                        limit=1000))
    assert {s.service_type_code: s.service_type_name for s in resp.service_types} == zh


def test_service_types_default_page_and_paging(fresh):
    c = fresh.sp.client
    full = c.list_service_types(ListServiceTypesRequest())
    assert full.total_count == 5 and len(full.service_types) == 5
    codes = [s.service_type_code for s in full.service_types]
    pages = []
    for offset in range(0, 6, 2):
        r = c.list_service_types(ListServiceTypesRequest(offset=offset, limit=2))
        assert r.total_count == 5
        pages += [s.service_type_code for s in r.service_types]
    assert pages == codes
    r = c.list_service_types(ListServiceTypesRequest(offset=5, limit=2))
    assert r.total_count == 5 and r.service_types == []
    r = c.list_service_types(ListServiceTypesRequest(offset=1, limit=1))
    assert [s.service_type_code for s in r.service_types] == codes[1:2]


def test_service_types_fuzzy_name_filter(fresh):
    c = fresh.dist.client
    en = c.list_service_types(ListServiceTypesRequest(x_language="en_US",
                                                      service_type_name="Cloud Server"))
    assert [s.service_type_code for s in en.service_types] == ["hws.service.type.ec2"]
    assert en.total_count == 1
    # prefix, infix and suffix of the localized name
    for part in ("Elastic", "Volume", "Service"):
        r = c.list_service_types(ListServiceTypesRequest(x_language="en_US", limit=100,
                                                         service_type_name=part))
        names = [s.service_type_name for s in r.service_types]
        assert names and all(part in n for n in names), (part, names)
        assert r.total_count == len(names)
    doc = export_catalog(fresh.cli)
    zh_evs = next(s["name_zh"] for s in doc["service_types"] if s["code"] == "hws.service.type.ebs")
    r = c.list_service_types(ListServiceTypesRequest(service_type_name=zh_evs))
    assert "hws.service.type.ebs" in [s.service_type_code for s in r.service_types]
    # the filter is on the localized name: an English word does not match Chinese names
    r = c.list_service_types(ListServiceTypesRequest(x_language="zh_CN",
                                                     service_type_name="Elastic Cloud"))
    assert r.total_count == 0 and r.service_types == []
    r = c.list_service_types(ListServiceTypesRequest(x_language="en_US",
                                                     service_type_name="no-such-service-xyz"))
    assert r.total_count == 0 and r.service_types == []


@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "1001"}, {"limit": ""}, {"limit": "abc"}, {"offset": "-1"},
    {"offset": ""}, {"service_type_name": "x" * 129},
])
def test_service_types_bad_parameters(fresh, query):
    p = fresh.dist
    assert_error(p.signed("GET", "/v2/products/service-types", query=query), 400, "CBC.0100")


def test_service_types_limit_bounds_accepted(fresh):
    for limit in (1, 1000):
        r = fresh.dist.client.list_service_types(ListServiceTypesRequest(limit=limit))
        assert len(r.service_types) == min(limit, 5)


# --------------------------------------------------------------------------
# ListResourceTypes / ListServiceResources
# --------------------------------------------------------------------------

def test_resource_types(fresh):
    doc = export_catalog(fresh.cli)
    r = fresh.dist.client.list_resource_types(ListResourceTypesRequest(limit=1000))
    assert r.total_count == 6
    assert {t.resource_type_code: t.service_type_code for t in r.resource_types} == RESOURCE_TYPES
    zh = {t["code"]: t["name_zh"] for t in doc["resource_types"]}
    en = {t["code"]: t["name_en"] for t in doc["resource_types"]}
    assert {t.resource_type_code: t.resource_type_name for t in r.resource_types} == zh
    r_en = fresh.dist.client.list_resource_types(ListResourceTypesRequest(x_language="en_US",
                                                                          limit=1000))
    assert {t.resource_type_code: t.resource_type_name for t in r_en.resource_types} == en
    # default page of 10 holds all six; pages are stable
    default = fresh.sp.client.list_resource_types(ListResourceTypesRequest())
    codes = [t.resource_type_code for t in default.resource_types]
    assert len(codes) == 6
    paged = []
    for off in range(0, 6, 4):
        paged += [t.resource_type_code for t in fresh.sp.client.list_resource_types(
            ListResourceTypesRequest(offset=off, limit=4)).resource_types]
    assert paged == codes


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "1001"}, {"limit": ""},
                                   {"offset": "-1"}, {"offset": ""}])
def test_resource_types_bad_parameters(fresh, query):
    assert_error(fresh.dist.signed("GET", "/v2/products/resource-types", query=query),
                 400, "CBC.0100")


@pytest.mark.parametrize("service,expected", [
    ("hws.service.type.ec2", {"hws.resource.type.vm"}),
    ("hws.service.type.ebs", {"hws.resource.type.volume"}),
    ("hws.service.type.vpc", {"hws.resource.type.ip", "hws.resource.type.bandwidth"}),
    ("hws.service.type.obs", {"hws.resource.type.obs"}),
    ("hws.service.type.rds", {"hws.resource.type.rds.vm"}),
])
def test_service_resources(fresh, service, expected):
    r = fresh.dist.client.list_service_resources(
        ListServiceResourcesRequest(service_type_code=service, x_language="en_US"))
    assert r.total_count == len(expected)
    got = {i.basic_info.resource_type_code for i in r.infos}
    assert got == expected
    doc = export_catalog(fresh.cli)
    en = {t["code"]: t["name_en"] for t in doc["resource_types"]}
    for i in r.infos:
        assert i.basic_info.product_owner_service == service
        assert i.basic_info.name == en[i.basic_info.resource_type_code]


def test_service_resources_unknown_code_is_empty(fresh):
    r = fresh.dist.client.list_service_resources(
        ListServiceResourcesRequest(service_type_code="hws.service.type.nothing"))
    assert r.total_count == 0 and (r.infos or []) == []


def test_service_resources_paging(fresh):
    c = fresh.dist.client
    a = c.list_service_resources(ListServiceResourcesRequest(
        service_type_code="hws.service.type.vpc", offset=0, limit=1))
    b = c.list_service_resources(ListServiceResourcesRequest(
        service_type_code="hws.service.type.vpc", offset=1, limit=1))
    assert a.total_count == b.total_count == 2
    assert len(a.infos) == len(b.infos) == 1
    assert a.infos[0].basic_info.resource_type_code != b.infos[0].basic_info.resource_type_code


@pytest.mark.parametrize("query", [
    {},  # service_type_code is required
    {"service_type_code": "hws.service.type.ec2", "limit": "101"},
    {"service_type_code": "hws.service.type.ec2", "limit": "0"},
    {"service_type_code": "hws.service.type.ec2", "limit": ""},
    {"service_type_code": "hws.service.type.ec2", "offset": "-1"},
    {"service_type_code": "x" * 65},
])
def test_service_resources_bad_parameters(fresh, query):
    assert_error(fresh.dist.signed("GET", "/v2/products/service-resources", query=query),
                 400, "CBC.0100")


# --------------------------------------------------------------------------
# ListUsageTypes
# --------------------------------------------------------------------------

def test_usage_types_all_and_filtered(fresh):
    c = fresh.dist.client
    r = c.list_usage_types(ListUsageTypesRequest(limit=100))
    assert r.total_count == len(USAGE_TYPES)
    assert {(u.resource_type_code, u.code) for u in r.usage_types} == USAGE_TYPES
    for u in r.usage_types:
        assert u.service_type_code == RESOURCE_TYPES[u.resource_type_code]
        assert u.name and u.resource_type_name and u.service_type_name
    r = c.list_usage_types(ListUsageTypesRequest(resource_type_code="hws.resource.type.obs",
                                                 x_language="en_US"))
    assert r.total_count == 3
    assert {u.code for u in r.usage_types} == {"capacity", "downflow", "reqNumber"}
    doc = export_catalog(fresh.cli)
    obs_en = next(s["name_en"] for s in doc["service_types"] if s["code"] == "hws.service.type.obs")
    assert {u.service_type_name for u in r.usage_types} == {obs_en}
    r = c.list_usage_types(ListUsageTypesRequest(
        resource_type_code="hws.resource.type.bandwidth"))
    assert {u.code for u in r.usage_types} == {"Duration", "upflow"}
    r = c.list_usage_types(ListUsageTypesRequest(resource_type_code="hws.resource.type.none"))
    assert r.total_count == 0 and (r.usage_types or []) == []


def test_usage_types_default_page_and_paging(fresh):
    c = fresh.sp.client
    first = c.list_usage_types(ListUsageTypesRequest())
    assert first.total_count == 9 and len(first.usage_types) == 9
    whole = [(u.resource_type_code, u.code) for u in first.usage_types]
    paged = []
    for off in (0, 4, 8):
        paged += [(u.resource_type_code, u.code) for u in
                  c.list_usage_types(ListUsageTypesRequest(offset=off, limit=4)).usage_types]
    assert paged == whole


@pytest.mark.parametrize("query", [{"limit": "101"}, {"limit": "0"}, {"limit": ""},
                                   {"offset": "-1"}, {"offset": ""}])
def test_usage_types_bad_parameters(fresh, query):
    assert_error(fresh.dist.signed("GET", "/v2/products/usage-types", query=query),
                 400, "CBC.0100")


# --------------------------------------------------------------------------
# ListMeasureUnits / ListConversions
# --------------------------------------------------------------------------

def test_measure_units(fresh):
    doc = export_catalog(fresh.cli)
    units = {u["id"]: u for u in doc["measure_units"]}
    r = fresh.dist.client.list_measure_units(ListMeasureUnitsRequest())
    got = {m.measure_id: m for m in r.measure_units}
    assert set(got) == MEASURE_IDS
    for mid, m in got.items():
        assert m.measure_name == units[mid]["name_zh"]
        assert m.abbreviation == units[mid]["abbreviation"]
        assert m.measure_type == units[mid]["measure_type"]
    en = fresh.dist.client.list_measure_units(ListMeasureUnitsRequest(x_language="en_US"))
    names = {m.measure_id: m.measure_name for m in en.measure_units}
    assert names == {i: u["name_en"] for i, u in units.items()}
    assert names[4] == "Hour" and names[10] == "GB" and names[15] == "Mbps"
    types = {m.measure_id: m.measure_type for m in en.measure_units}
    assert types[1] == 1 and types[4] == 2 and types[10] == 3 and types[15] == 16


def test_conversions(fresh):
    r = fresh.dist.client.list_conversions(ListConversionsRequest())
    assert {(c.measure_id, c.ref_measure_id, c.conversion_ratio) for c in r.conversions} \
        == CONVERSIONS
    r = fresh.dist.client.list_conversions(ListConversionsRequest(measure_type=3))
    assert {(c.measure_id, c.ref_measure_id) for c in r.conversions} == {
        (7, 8), (8, 9), (9, 10), (10, 11), (11, 12), (12, 13)}
    assert all(c.conversion_ratio == 1024 and c.measure_type == 3 for c in r.conversions)
    r = fresh.dist.client.list_conversions(ListConversionsRequest(measure_type=2))
    assert {(c.measure_id, c.ref_measure_id, c.conversion_ratio) for c in r.conversions} == {
        (4, 5, 60), (5, 6, 60)}
    # a measure type without conversions is an empty list, not an error
    r = fresh.dist.client.list_conversions(ListConversionsRequest(measure_type=99))
    assert (r.conversions or []) == []


@pytest.mark.parametrize("value", ["", "abc", "0", "-1"])
def test_conversions_bad_measure_type(fresh, value):
    assert_error(fresh.dist.signed("GET", "/v2/bases/conversions",
                                   query={"measure_type": value}), 400, "CBC.0100")


# --------------------------------------------------------------------------
# who may call
# --------------------------------------------------------------------------

@pytest.mark.parametrize("api", sorted(PATHS))
def test_catalog_callers(fresh, api):
    path, query = PATHS[api]
    for who in (fresh.dist, fresh.sp, fresh.customer):
        r = who.signed("GET", path, query=query)
        assert r.status_code == 200, (who.kind, api, r.status_code, r.text)
    assert_error(fresh.reseller.signed("GET", path, query=query), 403, "CBC.0151")


def test_catalog_with_tokens(fresh):
    tok = issue_token(fresh.server.base_url, fresh.dist.domain_name, fresh.dist.password)
    assert tok.status_code == 201, tok.text
    r = token_request(fresh.server.base_url, "GET", "/v2/products/service-types",
                      tok.headers["X-Subject-Token"])
    assert r.status_code == 200 and r.json()["total_count"] == 5
    rtok = issue_token(fresh.server.base_url, fresh.reseller.domain_name, fresh.reseller.password)
    assert rtok.status_code == 201, rtok.text
    assert_error(token_request(fresh.server.base_url, "GET", "/v2/bases/measurements",
                               rtok.headers["X-Subject-Token"]), 403, "CBC.0151")


def test_reseller_sdk_refused(fresh):
    expect_sdk_error(lambda: fresh.reseller.client.list_service_types(ListServiceTypesRequest()),
                     403, "CBC.0151")
    expect_sdk_error(lambda: fresh.reseller.client.list_conversions(ListConversionsRequest()),
                     403, "CBC.0151")


def test_catalog_needs_credentials(fresh):
    import requests
    r = requests.get(fresh.server.base_url + "/v2/products/service-types", timeout=30)
    assert r.status_code in (401, 403), r.text


# --------------------------------------------------------------------------
# import / export via the CLI
# --------------------------------------------------------------------------

def test_export_round_trips_through_import(fresh, tmp_path):
    before = export_catalog(fresh.cli)
    path = tmp_path / "export.json"
    fresh.cli("admin", "catalog", "export", "--output", str(path))
    assert json.loads(path.read_text()) == before
    summary = fresh.cli("admin", "catalog", "import", str(path), "--json")
    assert summary == {"service_types": 5, "resource_types": 6, "usage_types": 9,
                       "products": len(before["products"]),
                       "price_plans": len(before["products"])}
    assert export_catalog(fresh.cli) == before
    csv_text = fresh.cli("admin", "catalog", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert ",".join(csv.reader(io.StringIO(csv_text)).__next__()) == CSV_HEADER
    assert len(rows) == len(before["products"])
    ids = {p["product_id"] for p in before["products"]}
    assert {r["product_id"] for r in rows} == ids
    down = next(r for r in rows if r["region"] == "cn-north-4"
                and r["usage_factor"] == "downflow")
    assert down["tiers"] == "10240:0.5|51200:0.45|:0.4"


def test_csv_import_adds_products_that_can_be_quoted(world, tmp_path):
    region = new_region()
    text = csv_rows(vm_row(region, "t1.small.linux", "0.5"),
                    vm_row(region, "t1.large.linux", "1.25"),
                    {"cloud_service_type": "hws.service.type.ec2",
                     "resource_type": "hws.resource.type.vm", "resource_spec": "t1.small.linux",
                     "region": region, "charge_mode": "period", "month_price": "99",
                     "year_price": "990"})
    path, proc = import_file(world.cli, tmp_path, text)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"service_types": 0, "resource_types": 0,
                                       "usage_types": 0, "products": 3, "price_plans": 3}
    assert amount_of(quote_vm(world.customer, region, "t1.small.linux", 3)) == D("1.5")
    assert amount_of(quote_vm(world.customer, region, "t1.large.linux", 2)) == D("2.5")
    doc = export_catalog(world.cli)
    mine = [p for p in doc["products"] if p["region"] == region]
    assert len(mine) == 3 and all(p["product_id"].startswith("OFFI") for p in mine)


def test_json_import_adds_types_visible_in_lookups(world, tmp_path):
    tag = uuid.uuid4().hex[:8]
    svc, res = f"hws.service.type.t{tag}", f"hws.resource.type.t{tag}"
    region = new_region()
    doc = {
        "service_types": [{"code": svc, "name_zh": f"测试服务{tag}", "name_en": f"Test Service {tag}",
                           "abbreviation": f"T{tag[:3].upper()}"}],
        "resource_types": [{"code": res, "service_type": svc, "name_zh": f"测试资源{tag}",
                            "name_en": f"Test Resource {tag}"}],
        "usage_types": [{"code": "Duration", "resource_type": res, "name_zh": "时长",
                         "name_en": "Duration"}],
        "products": [{"cloud_service_type": svc, "resource_type": res, "resource_spec": "std",
                      "region": region, "charge_mode": "on_demand", "usage_factor": "Duration",
                      "usage_measure_id": 4, "unit_price": "0.3"}],
    }
    path, proc = import_file(world.cli, tmp_path, json.dumps(doc), ".json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"service_types": 1, "resource_types": 1,
                                       "usage_types": 1, "products": 1, "price_plans": 1}
    c = world.dist.client
    r = c.list_service_types(ListServiceTypesRequest(x_language="en_US",
                                                     service_type_name=f"Service {tag}"))
    assert [(s.service_type_code, s.abbreviation) for s in r.service_types] == \
        [(svc, f"T{tag[:3].upper()}")]
    r = c.list_service_resources(ListServiceResourcesRequest(service_type_code=svc))
    assert [i.basic_info.resource_type_code for i in r.infos] == [res]
    r = c.list_usage_types(ListUsageTypesRequest(resource_type_code=res))
    assert [(u.code, u.service_type_code) for u in r.usage_types] == [("Duration", svc)]
    body = {"project_id": "p", "product_infos": [{
        "id": "a", "cloud_service_type": svc, "resource_type": res, "resource_spec": "std",
        "region": region, "usage_factor": "Duration", "usage_value": 2, "usage_measure_id": 4,
        "subscription_num": 2}]}
    q = world.customer.signed("POST", "/v2/bills/ratings/on-demand-resources", body)
    assert amount_of(q) == D("1.2")


BAD_ROWS = [
    ({"charge_mode": "monthly"}, "charge_mode"),
    ({"cloud_service_type": "hws.service.type.nope"}, "cloud_service_type"),
    ({"resource_type": "hws.resource.type.volume"}, "resource_type"),
    ({"usage_factor": "upflow"}, "usage_factor"),
    ({"unit_price": "-1"}, "unit_price"),
    ({"unit_price": "abc"}, "unit_price"),
    ({"usage_measure_id": "x"}, "usage_measure_id"),
    ({"effective_from": "yesterday"}, "effective_from"),
    ({"size_measure_id": "16"}, "size_measure_id"),
]


@pytest.mark.parametrize("change,field", BAD_ROWS, ids=[f for _, f in BAD_ROWS])
def test_csv_import_bad_row_imports_nothing(world, tmp_path, change, field):
    region = new_region()
    good = vm_row(region, "ok.linux", "0.1")
    bad = vm_row(region, "bad.linux", "0.1")
    bad.update(change)
    before = export_catalog(world.cli)
    path, proc = import_file(world.cli, tmp_path, csv_rows(good, good | {"resource_spec": "ok2"},
                                                           bad))
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert lines, proc.stderr
    assert all(l.startswith("error: ") for l in lines), proc.stderr
    # only the bad row is reported (a trailing summary line may follow)
    assert [l for l in lines if ": line " in l] == \
        [l for l in lines if l.startswith(f"error: {path}: line 4: ")], proc.stderr
    assert any(l.startswith(f"error: {path}: line 4: {field}: ") for l in lines), proc.stderr
    assert export_catalog(world.cli) == before
    r = quote_vm(world.customer, region, "ok.linux")
    assert_error(r, 400, "CBC.99006006")


def test_csv_import_reports_every_bad_row(world, tmp_path):
    region = new_region()
    rows = [vm_row(region, "a", "0.1"), vm_row(region, "b", "x"), vm_row(region, "c", "0.1"),
            vm_row(region, "d", "0.1", usage_factor="bogus")]
    path, proc = import_file(world.cli, tmp_path, csv_rows(*rows))
    assert proc.returncode == 1
    assert f"error: {path}: line 3: unit_price: " in proc.stderr
    assert f"error: {path}: line 5: usage_factor: " in proc.stderr
    assert "line 2:" not in proc.stderr and "line 4:" not in proc.stderr
    assert_error(quote_vm(world.customer, region, "a"), 400, "CBC.99006006")


def test_csv_import_row_with_wrong_field_count(world, tmp_path):
    region = new_region()
    text = csv_rows(vm_row(region, "a", "0.1")) + "x,y,z\n"
    path, proc = import_file(world.cli, tmp_path, text)
    assert proc.returncode == 1
    assert f"error: {path}: line 3: " in proc.stderr
    assert_error(quote_vm(world.customer, region, "a"), 400, "CBC.99006006")


def test_csv_import_unknown_column(world, tmp_path):
    path, proc = import_file(world.cli, tmp_path, CSV_HEADER + ",colour\n")
    assert proc.returncode == 1
    assert f"error: {path}: line 1: colour: " in proc.stderr


def test_import_of_malformed_json(world, tmp_path):
    path, proc = import_file(world.cli, tmp_path, '{"products": [', ".json")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: {path}:"), proc.stderr


def test_tiered_import_and_validation(world, tmp_path):
    region = new_region()
    row = {"cloud_service_type": "hws.service.type.obs", "resource_type": "hws.resource.type.obs",
           "resource_spec": "obs_t", "region": region, "charge_mode": "on_demand",
           "usage_factor": "downflow", "usage_measure_id": "10", "tiers": "100:1|200:0.5|:0.25"}
    path, proc = import_file(world.cli, tmp_path, csv_rows(row))
    assert proc.returncode == 0, proc.stderr
    body = {"project_id": "p", "product_infos": [{
        "id": "a", "cloud_service_type": "hws.service.type.obs",
        "resource_type": "hws.resource.type.obs", "resource_spec": "obs_t", "region": region,
        "usage_factor": "downflow", "usage_value": 250, "usage_measure_id": 10,
        "subscription_num": 1}]}
    # 100 x 1 + 100 x 0.5 + 50 x 0.25
    assert amount_of(world.customer.signed("POST", "/v2/bills/ratings/on-demand-resources",
                                           body)) == D("162.5")
    for tiers, field in (("200:1|100:0.5|:0.25", "tiers[1].up_to"),
                         (":1|100:0.5", "tiers[0].up_to")):
        bad = dict(row, resource_spec="obs_bad", tiers=tiers)
        path, proc = import_file(world.cli, tmp_path, csv_rows(bad))
        assert proc.returncode == 1
        assert f"line 2: {field}: " in proc.stderr, proc.stderr
    both = dict(row, resource_spec="obs_bad", unit_price="1")
    path, proc = import_file(world.cli, tmp_path, csv_rows(both))
    assert proc.returncode == 1 and "line 2: " in proc.stderr


# --------------------------------------------------------------------------
# price plans in time
# --------------------------------------------------------------------------

def test_price_plans_in_time(world, tmp_path):
    region = new_region()
    rows = [
        vm_row(region, "plan.linux", "1.00", effective_from="2020-01-01T00:00:00Z"),
        vm_row(region, "plan.linux", "2.00", effective_from="2021-01-01T00:00:00Z"),
        # in the future: not used yet
        vm_row(region, "plan.linux", "9.00", effective_from="2099-01-01T00:00:00Z"),
        # only an expired plan: nothing to sell
        vm_row(region, "old.linux", "1.00", effective_from="2020-01-01T00:00:00Z",
               effective_until="2021-01-01T00:00:00Z"),
        # only a future plan: nothing to sell yet
        vm_row(region, "new.linux", "1.00", effective_from="2099-01-01T00:00:00Z"),
        # an expired plan followed by the current one
        vm_row(region, "swap.linux", "5.00", effective_from="2020-01-01T00:00:00Z",
               effective_until="2022-01-01T00:00:00Z"),
        vm_row(region, "swap.linux", "3.00", effective_from="2022-01-01T00:00:00Z"),
    ]
    path, proc = import_file(world.cli, tmp_path, csv_rows(*rows))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["products"] == 4
    assert json.loads(proc.stdout)["price_plans"] == 7
    assert amount_of(quote_vm(world.customer, region, "plan.linux")) == D("2")
    assert amount_of(quote_vm(world.customer, region, "swap.linux")) == D("3")
    assert_error(quote_vm(world.customer, region, "old.linux"), 400, "CBC.99006006")
    assert_error(quote_vm(world.customer, region, "new.linux"), 400, "CBC.99006006")
    # a later import adds a plan to an existing product
    path, proc = import_file(world.cli, tmp_path, csv_rows(
        vm_row(region, "plan.linux", "2.50", effective_from="2023-06-01T00:00:00Z")))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["price_plans"] == 1
    assert amount_of(quote_vm(world.customer, region, "plan.linux")) == D("2.5")
    plans = [p for p in export_catalog(world.cli)["products"]
             if p["region"] == region and p["resource_spec"] == "plan.linux"]
    assert len(plans) == 4
    assert len({p["product_id"] for p in plans}) == 1


def test_duplicate_plan_in_one_file_is_rejected(world, tmp_path):
    region = new_region()
    rows = [vm_row(region, "dup.linux", "1", effective_from="2020-01-01T00:00:00Z"),
            vm_row(region, "dup.linux", "2", effective_from="2020-01-01T00:00:00Z")]
    path, proc = import_file(world.cli, tmp_path, csv_rows(*rows))
    assert proc.returncode == 1
    assert f"error: {path}: line 3: effective_from: " in proc.stderr
    assert_error(quote_vm(world.customer, region, "dup.linux"), 400, "CBC.99006006")


def test_until_must_follow_from(world, tmp_path):
    region = new_region()
    path, proc = import_file(world.cli, tmp_path, csv_rows(
        vm_row(region, "x", "1", effective_from="2022-01-01T00:00:00Z",
               effective_until="2021-01-01T00:00:00Z")))
    assert proc.returncode == 1
    assert f"error: {path}: line 2: effective_until: " in proc.stderr


# --------------------------------------------------------------------------
# operator HTTP
# --------------------------------------------------------------------------

def test_operator_import_json_and_csv(world, operator):
    region = new_region()
    doc = {"products": [{"cloud_service_type": "hws.service.type.ec2",
                         "resource_type": "hws.resource.type.vm", "resource_spec": "op.linux",
                         "region": region, "charge_mode": "on_demand",
                         "usage_factor": "Duration", "usage_measure_id": 4,
                         "unit_price": "0.7"}]}
    r = operator.signed("POST", "/operator/v1/catalog/import", doc)
    assert r.status_code == 200, r.text
    assert r.json() == {"service_types": 0, "resource_types": 0, "usage_types": 0,
                        "products": 1, "price_plans": 1}
    assert amount_of(quote_vm(world.customer, region, "op.linux", 10)) == D("7")
    r = operator.signed("POST", "/operator/v1/catalog/import",
                        csv_rows(vm_row(region, "op2.linux", "0.9")),
                        headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["products"] == 1
    assert amount_of(quote_vm(world.customer, region, "op2.linux", 2)) == D("1.8")
    r = operator.signed("GET", "/operator/v1/catalog/export")
    assert r.status_code == 200, r.text
    exported = r.json()
    assert {p["resource_spec"] for p in exported["products"] if p["region"] == region} == \
        {"op.linux", "op2.linux"}
    assert exported == export_catalog(world.cli)


def test_operator_import_bad_rows(world, operator):
    region = new_region()
    text = csv_rows(vm_row(region, "good.linux", "1"), vm_row(region, "bad.linux", "-2"),
                    vm_row(region, "bad2.linux", "1", charge_mode="weekly"))
    r = operator.signed("POST", "/operator/v1/catalog/import", text,
                        headers={"Content-Type": "text/csv"})
    data = assert_error(r, 400, "CBC.0100")
    assert "line 3" in data["error_msg"] and "line 4" in data["error_msg"], data
    assert_error(quote_vm(world.customer, region, "good.linux"), 400, "CBC.99006006")
    doc = {"products": [{"cloud_service_type": "hws.service.type.ec2",
                         "resource_type": "hws.resource.type.vm", "resource_spec": "j",
                         "region": region, "charge_mode": "on_demand",
                         "usage_factor": "Duration", "usage_measure_id": 4}]}
    data = assert_error(operator.signed("POST", "/operator/v1/catalog/import", doc),
                        400, "CBC.0100")
    assert "unit_price" in data["error_msg"]


def test_operator_catalog_needs_operator(world):
    for who in (world.dist, world.sp, world.customer):
        r = who.signed("GET", "/operator/v1/catalog/export")
        assert r.status_code in (401, 403), (who.kind, r.status_code, r.text[:200])
        r = who.signed("POST", "/operator/v1/catalog/import", {"products": []})
        assert r.status_code in (401, 403), (who.kind, r.status_code, r.text[:200])


def test_sdk_quote_through_imported_region(world, tmp_path):
    # the SDK client path: customer AK/SK, amounts parsed as Decimal
    region = new_region()
    doc = {"products": [{"cloud_service_type": "hws.service.type.ec2",
                         "resource_type": "hws.resource.type.vm", "resource_spec": "sdk.linux",
                         "region": region, "charge_mode": "on_demand",
                         "usage_factor": "Duration", "usage_measure_id": 4,
                         "unit_price": "0.123456"}]}
    path, proc = import_file(world.cli, tmp_path, json.dumps(doc), ".json")
    assert proc.returncode == 0, proc.stderr
    resp = world.customer.client.list_on_demand_resource_ratings(
        ListOnDemandResourceRatingsRequest(body=RateOnDemandReq(
            project_id="p", product_infos=[DemandProductInfo(
                id="1", cloud_service_type="hws.service.type.ec2",
                resource_type="hws.resource.type.vm", resource_spec="sdk.linux", region=region,
                usage_factor="Duration", usage_value=3, usage_measure_id=4,
                subscription_num=2)])))
    assert D(str(resp.official_website_amount)) == D("0.740736")
    assert D(str(resp.amount)) == D("0.740736")
    assert resp.product_rating_results[0].id == "1"
