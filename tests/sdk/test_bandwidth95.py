"""95th-percentile bandwidth billing (95计费): 5-minute bandwidth points imported as usage,
and the two customer queries over them, ListResourceUsage and ListResourceUsageSummary.

Every expected figure is computed here with `Decimal`: the month's billed bandwidth
(sort high to low, drop the top floor(n*5/100), take the next), actual_days (points / 288
truncated to 20 places), the UTC+8 bill cycle of each point and the publication instant
(20:00 UTC+8 on the 2nd of the next month). Most tests use months of 2025, published long
ago on the session server's real-time clock; the publication test moves that clock and
resets it afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import subprocess
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

import pytest
import requests

from huaweicloudsdkbss.v2 import (
    ListConversionsRequest,
    ListMeasureUnitsRequest,
    ListResourceUsageRequest,
    ListResourceUsageSummaryRequest,
    ShowCustomerAccountBalancesRequest,
)

from conftest import Principal, assert_error, expect_sdk_error, pc_env, sign_and_send, unique
from funds_support import fund, grant, verify_ledger

D = Decimal

CDN, CDN_RT = "hws.service.type.cdn", "hws.resource.type.cdn"
OBS, OBS_RT = "hws.service.type.obs", "hws.resource.type.obs"
VPC, BANDWIDTH = "hws.service.type.vpc", "hws.resource.type.bandwidth"
IEC, EDGE = "hws.service.type.iec", "hws.resource.type.edgebandwidth"
EC2, VM, IP = "hws.service.type.ec2", "hws.resource.type.vm", "hws.resource.type.ip"
PAIRS = [(CDN, CDN_RT), (OBS, OBS_RT), (VPC, BANDWIDTH), (IEC, EDGE)]
USAGE_TYPES = ["95Peak", "95peak_1000", "95Peak_1000", "bandwidth95peak", "95peak_plus"]
MBPS = 15
REGION = "cn-north-4"
BEIJING = dt.timezone(dt.timedelta(hours=8))
FIVE_MIN = dt.timedelta(minutes=5)

DETAILS = "/v2/bills/customer-bills/resources/usage/details"
SUMMARY = "/v2/bills/customer-bills/resources/usage/summary"
FEE_RECORDS = "/v2/bills/customer-bills/fee-records"
OPERATOR_IMPORT = "/operator/v1/usage-records"
PLAIN = re.compile(r"\d+(\.\d+)?")


# ----------------------------------------------------------------------------- helpers

def parse_utc(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def cycle_of(begin: str) -> str:
    return parse_utc(begin).astimezone(BEIJING).strftime("%Y-%m")


def month_start(cycle: str) -> dt.datetime:
    """The UTC instant a UTC+8 bill cycle starts at."""
    y, m = map(int, cycle.split("-"))
    return dt.datetime(y, m, 1, tzinfo=BEIJING).astimezone(dt.timezone.utc)


def slot(cycle: str, i: int) -> str:
    """The begin time of the i-th 5-minute point of a bill cycle."""
    return utc(month_start(cycle) + i * FIVE_MIN)


def published_at(cycle: str) -> dt.datetime:
    y, m = map(int, cycle.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.datetime(y, m, 2, 20, 0, 0, tzinfo=BEIJING).astimezone(dt.timezone.utc)


def p95(values: list[Decimal]) -> Decimal:
    """Sort high to low, drop the top floor(n*5/100) values, take the next."""
    ordered = sorted(values, reverse=True)
    return ordered[len(values) * 5 // 100]


def actual_days(points: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 80
        q = (D(points) / D(288)).quantize(D(1).scaleb(-20), rounding=ROUND_DOWN)
    return format(q.normalize(), "f") if q else "0"


def num(v: Decimal) -> str:
    return format(v, "f")


def dumps(record: dict) -> str:
    """One JSON line; Decimal values become JSON numbers written exactly as given."""
    marked = {k: (f"@@{num(v)}@@" if isinstance(v, Decimal) else v) for k, v in record.items()}
    return re.sub(r'"@@(-?[0-9.]+)@@"', r"\1", json.dumps(marked))


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(dumps(r) + "\n" for r in records))
    return path


def batch_body(records: list[dict]) -> str:
    return '{"records": [' + ", ".join(dumps(r) for r in records) + "]}"


def point(customer: str, rid: str, resource: str, begin: str, value: Any, usage_type: str = "95Peak",
          pair: tuple[str, str] = (CDN, CDN_RT), measure: int = MBPS, **over) -> dict:
    r = {"record_id": rid, "customer_id": customer, "resource_id": resource,
         "cloud_service_type": pair[0], "resource_type": pair[1], "resource_spec": "95bgp",
         "region": REGION, "usage_type": usage_type, "usage_value": D(str(value)),
         "usage_measure_id": measure, "begin_time": begin, "end_time": utc(parse_utc(begin) + FIVE_MIN)}
    r.update(over)
    return r


def vm_hour(customer: str, rid: str, begin: str, hours: int = 1) -> dict:
    """An ordinary, rated usage record: s6.small at 0.22 an hour."""
    return {"record_id": rid, "customer_id": customer, "resource_id": f"vm-{rid}",
            "cloud_service_type": EC2, "resource_type": VM, "resource_spec": "s6.small.1.linux",
            "region": REGION, "usage_type": "Duration", "usage_value": D(hours), "usage_measure_id": 4,
            "begin_time": begin, "end_time": utc(parse_utc(begin) + dt.timedelta(hours=hours))}


def ok(resp: requests.Response) -> dict:
    assert resp.status_code == 200, f"{resp.status_code}: {resp.text}"
    return resp.json(parse_float=Decimal)


def get(principal: Principal, path: str, **query) -> requests.Response:
    return principal.signed("GET", path, query={k: str(v) for k, v in query.items()})


def absent(obj: dict, *keys: str):
    for k in keys:
        assert obj.get(k) is None, f"{k} must be absent, got {obj.get(k)!r} in {obj}"


def dec(s: Optional[str]) -> Decimal:
    assert isinstance(s, str) and PLAIN.fullmatch(s), f"not a plain decimal string: {s!r}"
    return D(s)


class Env:
    """The module's shared handles on the session server."""

    def __init__(self, server, cli, partners, customers, operator, tmp: Path):
        self.server, self.cli, self.partners, self.customers, self.operator = server, cli, partners, customers, operator
        self.tmp = tmp
        self.dist = partners.solution_provider()
        fund(cli, self.dist.domain_id, "100")

    def customer(self, partner: Optional[Principal] = None, cash: Optional[str] = None) -> Principal:
        c = self.customers.create(partner or self.dist)
        if cash:
            grant(partner or self.dist, c.domain_id, cash)
        return self.customers.principal(c)

    def post(self, records: list[dict]) -> requests.Response:
        return sign_and_send(self.server.base_url, "POST", OPERATOR_IMPORT, self.operator.access_key,
                             self.operator.secret_key, body=batch_body(records))

    def load(self, records: list[dict]) -> dict:
        """Import over the operator API, in batches of at most 1000; the summaries added up."""
        total = defaultdict(int)
        for i in range(0, len(records), 1000):
            for k, v in ok(self.post(records[i:i + 1000])).items():
                total[k] += v
        return dict(total)

    def cli_import(self, records: list[dict], name: str = "b95"):
        path = write_jsonl(self.tmp / f"{name}-{unique()}.jsonl", records)
        return path, self.cli.run("admin", "usage", "import", str(path), "--json")


@pytest.fixture(scope="module")
def env(server, cli, partners, customers, operator, tmp_path_factory) -> Env:
    return Env(server, cli, partners, customers, operator, tmp_path_factory.mktemp("b95"))


def details(p: Principal, cycle: str, resource: str, usage_type: str = "95Peak",
            pair: tuple[str, str] = (CDN, CDN_RT), **page):
    return p.client.list_resource_usage(ListResourceUsageRequest(
        bill_cycle=cycle, service_type_code=pair[0], resource_type_code=pair[1], usage_type=usage_type,
        resource_id=resource, **page))


def summary(p: Principal, cycle: str, usage_type: str = "95Peak", pair: tuple[str, str] = (CDN, CDN_RT), **page):
    return p.client.list_resource_usage_summary(ListResourceUsageSummaryRequest(
        bill_cycle=cycle, service_type_code=pair[0], resource_type_code=pair[1], usage_type=usage_type, **page))


def details_raw(p: Principal, cycle: str, resource: str, usage_type: str = "95Peak",
                pair: tuple[str, str] = (CDN, CDN_RT), **page) -> dict:
    return ok(get(p, DETAILS, bill_cycle=cycle, service_type_code=pair[0], resource_type_code=pair[1],
                  usage_type=usage_type, resource_id=resource, **page))


def summary_raw(p: Principal, cycle: str, usage_type: str = "95Peak", pair: tuple[str, str] = (CDN, CDN_RT),
                **page) -> dict:
    return ok(get(p, SUMMARY, bill_cycle=cycle, service_type_code=pair[0], resource_type_code=pair[1],
                  usage_type=usage_type, **page))


def all_points(p: Principal, cycle: str, resource: str, limit: int = 1000, **kw) -> list[tuple[str, Decimal]]:
    out, offset = [], 0
    while True:
        r = details(p, cycle, resource, offset=offset, limit=limit, **kw)
        items = r.usage_info_list or []
        for u in items:
            assert u.measure_id == MBPS, u
            out.append((u.stat_time, dec(u.usage)))
        offset += len(items)
        if not items or offset >= r.total_count:
            assert len(out) == r.total_count, (len(out), r.total_count)
            return out


def expected_points(records: list[dict]) -> list[tuple[str, Decimal]]:
    return sorted((r["begin_time"], r["usage_value"]) for r in records)


def check_published_details(resp, records: list[dict]):
    values = [r["usage_value"] for r in records]
    assert resp.total_count == len(values)
    assert resp.actual_days == actual_days(len(values)), (resp.actual_days, len(values))
    assert dec(resp.band_width) == p95(values), (resp.band_width, p95(values), len(values))
    assert resp.band_width_measure_id == MBPS
    assert resp.monthly_guaranteed_band_width is None and resp.monthly_peak_band_width is None


def money(p: Principal) -> tuple:
    bal = p.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    return (sorted((b.account_type, str(b.amount)) for b in bal.account_balances or []), str(bal.debt_amount))


def fee_record_ids(p: Principal, cycle: str) -> list[str]:
    body = ok(get(p, FEE_RECORDS, bill_cycle=cycle, include_zero_record="true", limit=1000))
    return sorted(r["id"] for r in body.get("records") or [])


# ----------------------------------------------------------------------------- import

def test_points_are_imported_but_not_rated(env):
    """CLI import: counted as imported, no fee record, no money moves; re-import = duplicates."""
    p = env.customer(cash="5")
    c = p.domain_id
    cycle = "2025-01"
    rows = [point(c, unique("pt"), "cdn-a", slot(cycle, i), v)
            for i, v in enumerate([D("10"), D("0"), D("12.5"), D("0.00000001"), D("99999.12345678"), D("3.10")])]
    before = money(p)
    path, proc = env.cli_import(rows)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"imported": 6, "duplicates": 0, "rejected": 0, "fee_records": 0}
    assert all_points(p, cycle, "cdn-a") == expected_points(rows)
    assert fee_record_ids(p, cycle) == []
    assert money(p) == before
    # the same file again changes nothing
    proc = env.cli.run("admin", "usage", "import", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"imported": 0, "duplicates": 6, "rejected": 0, "fee_records": 0}
    # and over HTTP with one new point
    extra = point(c, unique("pt"), "cdn-a", slot(cycle, 10), "7")
    assert ok(env.post(rows[:3] + [extra])) == {"imported": 1, "duplicates": 3, "rejected": 0, "fee_records": 0}
    assert all_points(p, cycle, "cdn-a") == expected_points(rows + [extra])
    assert money(p) == before and fee_record_ids(p, cycle) == []
    verify_ledger(env.cli)


def test_repeats_and_conflicting_ids(env):
    p = env.customer()
    c = p.domain_id
    cycle = "2025-01"
    first = point(c, unique("rep"), "cdn-rep", slot(cycle, 0), "4")
    # the same record twice in one batch is one point
    assert ok(env.post([first, first])) == {"imported": 1, "duplicates": 1, "rejected": 0, "fee_records": 0}
    # the same id with other content is refused, whole batch
    fresh = point(c, unique("rep"), "cdn-rep", slot(cycle, 1), "5")
    for changed in (dict(first, usage_value=D("4.5")), dict(first, resource_id="cdn-other"),
                    dict(first, usage_type="95peak_plus")):
        body = assert_error(env.post([fresh, changed]), 400, "CBC.0100")
        assert "records[1].record_id" in body["error_msg"] and "records[0]" not in body["error_msg"], body
        path, proc = env.cli_import([fresh, changed])
        assert proc.returncode == 1 and f"error: {path}: line 2: record_id: " in proc.stderr, proc.stderr
        assert "line 1:" not in proc.stderr, proc.stderr
    # two records with one id and different content inside one batch
    twin = point(c, unique("rep"), "cdn-rep", slot(cycle, 2), "6")
    body = assert_error(env.post([twin, dict(twin, usage_value=D("6.1"))]), 400, "CBC.0100")
    assert "records[1].record_id" in body["error_msg"], body
    # a point may not take the id of an ordinary usage record either
    vm = vm_hour(c, unique("vm"), "2025-01-05T00:00:00Z")
    assert ok(env.post([vm]))["fee_records"] == 1
    body = assert_error(env.post([fresh, point(c, vm["record_id"], "cdn-rep", slot(cycle, 3), "1")]), 400, "CBC.0100")
    assert "records[1].record_id" in body["error_msg"], body
    assert all_points(p, cycle, "cdn-rep") == expected_points([first])
    assert len(fee_record_ids(p, cycle)) == 1


def test_concurrent_imports_keep_each_point_once(env):
    p = env.customer()
    c = p.domain_id
    cycle = "2025-09"
    rows = [point(c, unique("cc"), "cdn-conc", slot(cycle, i), D(i % 50)) for i in range(150)]
    path = write_jsonl(env.tmp / f"conc-{unique()}.jsonl", rows)
    argv = [str(env.cli.binary), "admin", "usage", "import", str(path), "--json", "--database", env.cli.database]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=pc_env())
             for _ in range(3)]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(json.loads(out))
    assert sum(o["imported"] for o in outs) == 150 and sum(o["duplicates"] for o in outs) == 300, outs
    assert all(o["fee_records"] == 0 for o in outs), outs
    assert all_points(p, cycle, "cdn-conc") == expected_points(rows)
    check_published_details(details(p, cycle, "cdn-conc"), rows)


def test_points_from_a_csv_file(env):
    p = env.customer()
    c = p.domain_id
    cycle = "2025-10"
    rows = [point(c, unique("csv"), "cdn-csv", slot(cycle, i), v) for i, v in enumerate(["1.5", "0", "2048.00000001"])]
    keys = list(rows[0])
    path = env.tmp / f"points-{unique()}.csv"
    path.write_text(",".join(keys) + "\n" + "".join(",".join(num(r[k]) if isinstance(r[k], Decimal) else str(r[k])
                                                               for k in keys) + "\n" for r in rows))
    out = env.cli("admin", "usage", "import", str(path), "--json")
    assert out == {"imported": 3, "duplicates": 0, "rejected": 0, "fee_records": 0}
    assert all_points(p, cycle, "cdn-csv") == expected_points(rows)


def test_mixed_batch_rates_the_usage_and_keeps_the_points(env, tmp_path):
    p = env.customer(cash="1")
    c = p.domain_id
    cycle = "2025-02"
    pts = [point(c, unique("mx"), "bw-mixed", slot(cycle, i * 3), D(i) + D("0.25"), pair=(VPC, BANDWIDTH))
           for i in range(3)]
    vms = [vm_hour(c, unique("mx"), "2025-02-03T01:00:00Z"), vm_hour(c, unique("mx"), "2025-02-03T02:00:00Z", 2)]
    rows = [vms[0], pts[0], pts[1], vms[1], pts[2]]
    path, proc = env.cli_import(rows)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"imported": 5, "duplicates": 0, "rejected": 0, "fee_records": 2}
    recs = ok(get(p, FEE_RECORDS, bill_cycle=cycle, include_zero_record="true", limit=100))["records"]
    assert sorted((r["resource_type_code"], D(str(r["consume_amount"]))) for r in recs) == [(VM, D("0.22")), (VM, D("0.44"))]
    assert all_points(p, cycle, "bw-mixed", pair=(VPC, BANDWIDTH)) == expected_points(pts)
    # the same mixed batch over HTTP: all duplicates
    assert ok(env.post(rows)) == {"imported": 0, "duplicates": 5, "rejected": 0, "fee_records": 0}
    verify_ledger(env.cli)

    # one bad point refuses the ordinary usage and the good points with it
    before = (fee_record_ids(p, cycle), money(p))
    new_vm = vm_hour(c, unique("mx"), "2025-02-04T01:00:00Z")
    new_pt = point(c, unique("mx"), "bw-mixed", slot(cycle, 100), "8", pair=(VPC, BANDWIDTH))
    bad_pt = point(c, unique("mx"), "bw-mixed", slot(cycle, 101), "9", pair=(VPC, IP))
    for batch, line, field in (([new_vm, new_pt, bad_pt], 3, "resource_type"),
                               ([new_pt, dict(new_vm, usage_type="upflow"), dict(new_pt, record_id=unique("mx"),
                                                                               begin_time=slot(cycle, 102),
                                                                               end_time=slot(cycle, 103))], 2, "usage_type")):
        body = assert_error(env.post(batch), 400, "CBC.0100")
        assert f"records[{line - 1}].{field}" in body["error_msg"], body
        path, proc = env.cli_import(batch)
        assert proc.returncode == 1 and f"error: {path}: line {line}: {field}: " in proc.stderr, proc.stderr
        assert (fee_record_ids(p, cycle), money(p)) == before
        assert all_points(p, cycle, "bw-mixed", pair=(VPC, BANDWIDTH)) == expected_points(pts)


def bad_point_cases(c: str) -> list[tuple[str, dict, str]]:
    """(name, record, the field the refusal must name)."""
    base = point(c, "x", "cdn-bad", "2025-04-10T00:00:00Z", "5")

    def at(begin: str, end: str) -> dict:
        return dict(base, begin_time=begin, end_time=end)

    return [
        ("service without 95 billing", dict(base, cloud_service_type=EC2, resource_type=VM), "cloud_service_type"),
        ("unknown service", dict(base, cloud_service_type="hws.service.type.nope"), "cloud_service_type"),
        ("cdn with obs resource", dict(base, resource_type=OBS_RT), "resource_type"),
        ("vpc with ip resource", dict(base, cloud_service_type=VPC, resource_type=IP), "resource_type"),
        ("obs with bandwidth resource", dict(base, cloud_service_type=OBS, resource_type=BANDWIDTH), "resource_type"),
        ("iec with bandwidth resource", dict(base, cloud_service_type=IEC, resource_type=BANDWIDTH), "resource_type"),
        ("vpc with edge bandwidth", dict(base, cloud_service_type=VPC, resource_type=EDGE), "resource_type"),
        ("begin off the 5-minute grid", at("2025-04-10T00:02:00Z", "2025-04-10T00:07:00Z"), "end_time"),
        ("begin one second off", at("2025-04-10T00:00:01Z", "2025-04-10T00:05:01Z"), "end_time"),
        ("ten minutes", at("2025-04-10T00:00:00Z", "2025-04-10T00:10:00Z"), "end_time"),
        ("four minutes", at("2025-04-10T00:00:00Z", "2025-04-10T00:04:00Z"), "end_time"),
        ("one second short", at("2025-04-10T00:00:00Z", "2025-04-10T00:04:59Z"), "end_time"),
        ("empty interval", at("2025-04-10T00:00:00Z", "2025-04-10T00:00:00Z"), "end_time"),
        ("end before begin", at("2025-04-10T00:05:00Z", "2025-04-10T00:00:00Z"), "end_time"),
        ("hours", dict(base, usage_measure_id=4), "usage_measure_id"),
        ("gigabytes", dict(base, usage_measure_id=10), "usage_measure_id"),
        ("pieces", dict(base, usage_measure_id=14), "usage_measure_id"),
        ("storage GB", dict(base, usage_measure_id=17), "usage_measure_id"),
        ("unknown unit", dict(base, usage_measure_id=9999), "usage_measure_id"),
        ("negative value", dict(base, usage_value=D("-1")), "usage_value"),
        ("nine places", dict(base, usage_value=D("0.123456789")), "usage_value"),
        ("unknown customer", dict(base, customer_id="0" * 32), "customer_id"),
    ]


BAD_NAMES = [n for n, _, _ in bad_point_cases("c")]


@pytest.fixture(scope="module")
def victim(env):
    return env.customer(cash="3")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_point_refuses_the_whole_batch(env, victim, name):
    c = victim.domain_id
    bad, field = {n: (r, f) for n, r, f in bad_point_cases(c)}[name]
    bad = dict(bad, record_id=unique("bad"))
    good_pt = point(c, unique("good"), "cdn-bad", "2025-04-11T00:00:00Z", "1")
    good_vm = vm_hour(c, unique("good"), "2025-04-11T01:00:00Z")
    rows = [good_pt, bad, good_vm]
    before = (fee_record_ids(victim, "2025-04"), money(victim))
    body = assert_error(env.post(rows), 400, "CBC.0100")
    assert f"records[1].{field}" in body["error_msg"], body
    assert "records[0]" not in body["error_msg"] and "records[2]" not in body["error_msg"], body
    path, proc = env.cli_import(rows)
    assert proc.returncode == 1, proc
    assert re.search(rf"^error: {re.escape(str(path))}: line 2: {re.escape(field)}: \S", proc.stderr, re.M), proc.stderr
    assert "line 1:" not in proc.stderr and "line 3:" not in proc.stderr, proc.stderr
    assert details(victim, "2025-04", "cdn-bad").total_count == 0
    assert (fee_record_ids(victim, "2025-04"), money(victim)) == before


def test_every_pair_and_usage_type_is_accepted_and_kept_apart(env):
    """One resource id under all 4 service/resource pairs and 5 usage types: 20 separate series."""
    p = env.customer()
    c = p.domain_id
    cycle = "2025-05"
    series = {}
    rows = []
    for pi, pair in enumerate(PAIRS):
        for ui, ut in enumerate(USAGE_TYPES):
            k = pi * len(USAGE_TYPES) + ui
            recs = [point(c, unique("combo"), "shared-res", slot(cycle, k * 7 + j), D(k * 10 + j) + D("0.5"),
                          usage_type=ut, pair=pair) for j in range(k % 3 + 1)]
            series[(pair, ut)] = recs
            rows += recs
    random.Random(95).shuffle(rows)
    assert env.load(rows) == {"imported": len(rows), "duplicates": 0, "rejected": 0, "fee_records": 0}
    for (pair, ut), recs in series.items():
        r = details(p, cycle, "shared-res", usage_type=ut, pair=pair, limit=100)
        assert [(u.stat_time, dec(u.usage)) for u in r.usage_info_list] == expected_points(recs), (pair, ut)
        check_published_details(r, recs)
        s = summary(p, cycle, usage_type=ut, pair=pair)
        assert s.total_count == 1 and [i.resource_id for i in s.summary_usage_info_list] == ["shared-res"]
        assert dec(s.summary_usage_info_list[0].band_width) == p95([x["usage_value"] for x in recs])
    # a query naming an existing resource under another usage type or month sees nothing
    assert details(p, "2025-06", "shared-res").total_count == 0
    assert details(p, cycle, "nope").total_count == 0


def test_units(env):
    """Mbps is taken as is; any unit the catalog converts to Mbps is converted; every other unit is refused."""
    p = env.customer()
    c = p.domain_id
    units = {u.measure_id for u in p.client.list_measure_units(ListMeasureUnitsRequest()).measure_units}
    assert MBPS in units
    edges = defaultdict(list)
    for conv in p.client.list_conversions(ListConversionsRequest()).conversions or []:
        # one measure_id is conversion_ratio ref_measure_ids
        r = Fraction(str(conv.conversion_ratio))
        edges[conv.measure_id].append((conv.ref_measure_id, r))
        edges[conv.ref_measure_id].append((conv.measure_id, 1 / r))

    def to_mbps(unit: int) -> Optional[Fraction]:
        """The factor turning a value in `unit` into Mbps; None when there is no conversion."""
        todo, seen = [(unit, Fraction(1))], {unit}
        while todo:
            u, f = todo.pop()
            if u == MBPS:
                return f
            for nxt, ratio in edges[u]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append((nxt, f * ratio))
        return None

    cycle = "2025-07"
    accepted = []
    for i, unit in enumerate(sorted(units | {9999})):
        rec = point(c, unique("unit"), f"cdn-unit-{unit}", slot(cycle, i), "1024")
        rec["usage_measure_id"] = unit
        factor = to_mbps(unit)
        resp = env.post([rec])
        if factor is None:
            body = assert_error(resp, 400, "CBC.0100")
            assert "records[0].usage_measure_id" in body["error_msg"], (unit, body)
        else:
            assert ok(resp)["imported"] == 1, unit
            accepted.append(unit)
            want = Fraction(1024) * factor
            [(t, v)] = all_points(p, cycle, f"cdn-unit-{unit}")
            assert (t, Fraction(v)) == (rec["begin_time"], want), (unit, v, want)
    assert MBPS in accepted


# ----------------------------------------------------------------------------- the figures

N_VALUES = [1, 2, 7, 19, 20, 21, 39, 40, 41, 59, 60, 100, 287, 288, 401]


@pytest.fixture(scope="module")
def month(env):
    """One customer, one month (2025-03), a resource per n with random values; ties on purpose."""
    p = env.customer()
    c = p.domain_id
    cycle = "2025-03"
    rng = random.Random(20250395)
    slots = 31 * 288
    data: dict[str, list[dict]] = {}
    rows: list[dict] = []
    for n in N_VALUES:
        rid = f"res-n{n:04d}"
        picks = sorted(rng.sample(range(slots), n))
        pool = [D(rng.randint(0, 10 ** 6)).scaleb(-rng.choice([0, 2, 8])) for _ in range(max(1, n // 3))]
        values = [rng.choice(pool) if rng.random() < 0.3 else
                  D(rng.randint(0, 10 ** 14)).scaleb(-rng.choice([0, 1, 3, 8])) for _ in range(n)]
        data[rid] = [point(c, unique("p"), rid, slot(cycle, s), v) for s, v in zip(picks, values)]
        rows += data[rid]
    # Huawei's own example: 0..99 four times, 400 points -> 94, actual_days 1.3888..
    data["res-example"] = [point(c, unique("p"), "res-example", slot(cycle, i), i % 100) for i in range(400)]
    rows += data["res-example"]
    rng.shuffle(rows)
    assert env.load(rows) == {"imported": len(rows), "duplicates": 0, "rejected": 0, "fee_records": 0}
    return p, cycle, data


def test_example_from_the_documentation(month):
    p, cycle, data = month
    r = details(p, cycle, "res-example")
    assert r.total_count == 400
    assert r.actual_days == "1.38888888888888888888"
    assert r.band_width == "94" and r.band_width_measure_id == MBPS
    r = details(p, cycle, "res-n0288")
    assert r.actual_days == "1"


@pytest.mark.parametrize("n", N_VALUES)
def test_percentile_and_days_match_the_model(month, n):
    p, cycle, data = month
    recs = data[f"res-n{n:04d}"]
    values = [r["usage_value"] for r in recs]
    r = details(p, cycle, f"res-n{n:04d}", limit=1000)
    check_published_details(r, recs)
    assert [(u.stat_time, dec(u.usage)) for u in r.usage_info_list] == expected_points(recs)
    ordered = sorted(values, reverse=True)
    if n < 20:
        assert dec(r.band_width) == max(values)  # nothing dropped
    elif n < 40:
        assert dec(r.band_width) == ordered[1]  # exactly one dropped
    else:
        assert dec(r.band_width) == ordered[n * 5 // 100]


def test_summary_matches_the_details(month):
    p, cycle, data = month
    s = summary(p, cycle, limit=1000)
    ids = sorted(data)
    assert s.total_count == len(ids)
    assert [i.resource_id for i in s.summary_usage_info_list] == ids
    for info in s.summary_usage_info_list:
        recs = data[info.resource_id]
        assert info.actual_days == actual_days(len(recs)), info
        assert dec(info.band_width) == p95([r["usage_value"] for r in recs]), info
        assert info.band_width_measure_id == MBPS
        assert info.monthly_guaranteed_band_width is None and info.monthly_peak_band_width is None
    raw = summary_raw(p, cycle, limit=1000)
    assert raw["total_count"] == len(ids)
    for item in raw["summary_usage_info_list"]:
        absent(item, "monthly_guaranteed_band_width", "monthly_peak_band_width")


def test_details_paging(month):
    p, cycle, data = month
    recs = expected_points(data["res-n0059"])
    default = details(p, cycle, "res-n0059")
    assert default.total_count == 59 and len(default.usage_info_list) == 10  # default limit 10
    assert [(u.stat_time, dec(u.usage)) for u in default.usage_info_list] == recs[:10]
    for limit in (1, 7, 10, 58, 59, 1000):
        assert all_points(p, cycle, "res-n0059", limit=limit) == recs, limit
    for offset, limit, want in ((0, 1, recs[:1]), (58, 10, recs[58:]), (50, 5, recs[50:55]),
                                (59, 10, []), (60, 1, []), (2 ** 31 - 1, 1000, [])):
        r = details(p, cycle, "res-n0059", offset=offset, limit=limit)
        assert r.total_count == 59, (offset, limit)
        assert [(u.stat_time, dec(u.usage)) for u in r.usage_info_list or []] == want, (offset, limit)
        # the month's figures do not depend on the page
        assert r.actual_days == actual_days(59) and dec(r.band_width) == p95([v for _, v in recs])


def test_summary_paging(month):
    p, cycle, data = month
    ids = sorted(data)
    default = summary(p, cycle)
    assert default.total_count == len(ids)
    assert [i.resource_id for i in default.summary_usage_info_list] == ids[:10]
    for limit in (1, 3, 10, len(ids)):
        got, offset = [], 0
        while offset < len(ids):
            page = summary(p, cycle, offset=offset, limit=limit)
            assert page.total_count == len(ids)
            assert len(page.summary_usage_info_list) == min(limit, len(ids) - offset)
            got += [i.resource_id for i in page.summary_usage_info_list]
            offset += limit
        assert got == ids, limit
    for offset in (len(ids), len(ids) + 5, 2 ** 31 - 1):
        page = summary(p, cycle, offset=offset, limit=5)
        assert page.total_count == len(ids) and (page.summary_usage_info_list or []) == []


def test_bill_cycle_is_the_utc8_month(env):
    p = env.customer()
    c = p.domain_id
    times = ["2026-09-30T15:55:00Z", "2026-09-30T16:00:00Z", "2026-10-31T15:55:00Z", "2026-10-31T16:00:00Z",
             "2026-08-31T16:00:00Z"]
    rows = [point(c, unique("cyc"), "bw-cycle", t, i + 1, pair=(VPC, BANDWIDTH)) for i, t in enumerate(times)]
    assert env.load(rows)["imported"] == len(rows)
    by_cycle = defaultdict(list)
    for r in rows:
        by_cycle[cycle_of(r["begin_time"])].append(r)
    assert sorted(by_cycle) == ["2026-09", "2026-10", "2026-11"]
    assert [r["begin_time"] for r in by_cycle["2026-10"]] == ["2026-09-30T16:00:00Z", "2026-10-31T15:55:00Z"]
    for cycle in ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12"):
        want = by_cycle.get(cycle, [])
        assert all_points(p, cycle, "bw-cycle", pair=(VPC, BANDWIDTH)) == expected_points(want), cycle
        s = summary(p, cycle, pair=(VPC, BANDWIDTH))
        assert s.total_count == (1 if want else 0), cycle


def test_tenancy(env):
    """Two customers with the same resource id at the same times stay apart."""
    dist2 = env.partners.solution_provider()
    a, b = env.customer(), env.customer(dist2)
    nobody = env.customer()
    cycle = "2025-08"
    rows_a = [point(a.domain_id, unique("ta"), "bw-shared", slot(cycle, i), D(i + 1)) for i in range(30)]
    rows_b = [point(b.domain_id, unique("tb"), "bw-shared", slot(cycle, i), D(1000 - i)) for i in range(25)]
    assert env.load(rows_a + rows_b)["imported"] == 55
    for who, recs in ((a, rows_a), (b, rows_b)):
        assert all_points(who, cycle, "bw-shared") == expected_points(recs)
        check_published_details(details(who, cycle, "bw-shared"), recs)
        s = summary(who, cycle)
        assert s.total_count == 1
        assert dec(s.summary_usage_info_list[0].band_width) == p95([r["usage_value"] for r in recs])
    empty = details(nobody, cycle, "bw-shared")
    assert empty.total_count == 0 and (empty.usage_info_list or []) == []
    assert empty.band_width is None and empty.band_width_measure_id is None
    n = summary(nobody, cycle)
    assert n.total_count == 0 and (n.summary_usage_info_list or []) == []


# ----------------------------------------------------------------------------- publication

def test_publication_follows_the_business_clock(env):
    """The month's figures appear at 20:00 UTC+8 on the 2nd of the next month (12:00Z), not before."""
    p = env.customer()
    c = p.domain_id
    rng = random.Random(2)
    data = {}
    rows = []
    for cycle in ("2026-12", "2027-02"):
        for k in range(2):
            rid = f"pub-{cycle}-{k}"
            data[(cycle, rid)] = [point(c, unique("pub"), rid, slot(cycle, i * 11 + k),
                                        D(rng.randint(0, 10 ** 9)).scaleb(-3)) for i in range(45 + k * 10)]
            rows += data[(cycle, rid)]
    assert env.load(rows)["imported"] == len(rows)

    def check(cycle: str, published: bool):
        rids = sorted(r for cyc, r in data if cyc == cycle)
        for rid in rids:
            recs = data[(cycle, rid)]
            r = details(p, cycle, rid, limit=5)
            assert r.total_count == len(recs) and len(r.usage_info_list) == 5
            assert r.actual_days == actual_days(len(recs))
            raw = details_raw(p, cycle, rid, limit=5)
            absent(raw, "monthly_guaranteed_band_width", "monthly_peak_band_width")
            if published:
                check_published_details(r, recs)
            else:
                assert r.band_width is None and r.band_width_measure_id is None, (cycle, r)
                absent(raw, "band_width", "band_width_measure_id")
        s = summary(p, cycle)
        assert s.total_count == len(rids) and [i.resource_id for i in s.summary_usage_info_list] == rids
        raw = summary_raw(p, cycle)
        for info, item in zip(s.summary_usage_info_list, raw["summary_usage_info_list"]):
            recs = data[(cycle, info.resource_id)]
            if published:
                assert info.actual_days == actual_days(len(recs))
                assert dec(info.band_width) == p95([x["usage_value"] for x in recs])
                assert info.band_width_measure_id == MBPS
            else:
                assert (info.actual_days, info.band_width, info.band_width_measure_id) == (None, None, None), info
                absent(item, "actual_days", "band_width", "band_width_measure_id")
            absent(item, "monthly_guaranteed_band_width", "monthly_peak_band_width")

    def at(when: dt.datetime, expect: dict[str, bool]):
        """Set the clock to `when` and check; 'just before' is retried earlier if the machine was too slow."""
        for margin in (0, 10, 30):
            t = when - dt.timedelta(seconds=margin) if margin else when
            env.cli("admin", "clock", "set", utc(t), "--json")
            for cycle, pub in expect.items():
                check(cycle, pub)
            after = parse_utc(env.cli("admin", "clock", "show", "--json")["now"])
            if not any(not pub and after >= published_at(cyc) for cyc, pub in expect.items()):
                return
        pytest.fail("the business clock ran past the publication instant during the check")

    dec_pub, feb_pub = published_at("2026-12"), published_at("2027-02")
    assert utc(dec_pub) == "2027-01-02T12:00:00Z" and utc(feb_pub) == "2027-03-02T12:00:00Z"
    second = dt.timedelta(seconds=1)
    try:
        at(dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.timezone.utc), {"2026-12": False, "2027-02": False})
        at(dt.datetime(2027, 1, 2, 4, 0, tzinfo=dt.timezone.utc), {"2026-12": False})  # noon on the 2nd, UTC+8
        at(dec_pub - 3 * second, {"2026-12": False, "2027-02": False})
        at(dec_pub, {"2026-12": True, "2027-02": False})
        at(feb_pub - 3 * second, {"2026-12": True, "2027-02": False})
        at(feb_pub, {"2026-12": True, "2027-02": True})
        at(feb_pub + dt.timedelta(days=40), {"2026-12": True, "2027-02": True})
    finally:
        env.cli("admin", "clock", "reset", "--json")
    assert env.cli("admin", "clock", "show", "--json")["follows_real_time"] is True


# ----------------------------------------------------------------------------- query errors and callers

BASE = {"bill_cycle": "2025-03", "service_type_code": CDN, "resource_type_code": CDN_RT, "usage_type": "95Peak",
        "resource_id": "res-n0020"}
SUMMARY_BASE = {k: v for k, v in BASE.items() if k != "resource_id"}


def _without(q: dict, key: str) -> dict:
    return {k: v for k, v in q.items() if k != key}


BAD_VALUES = [
    ("bill_cycle", "2025-3"), ("bill_cycle", "2025-13"), ("bill_cycle", "202503"), ("bill_cycle", "2025-03-01"),
    ("bill_cycle", "2025/03"), ("service_type_code", EC2), ("service_type_code", "hws.service.type.CDN"),
    ("resource_type_code", VM), ("resource_type_code", IP), ("usage_type", "Duration"), ("usage_type", "95peak"),
    ("usage_type", "95PEAK"), ("usage_type", "upflow"), ("limit", "0"), ("limit", "1001"), ("limit", "-1"),
    ("limit", "ten"), ("offset", "-1"), ("offset", "x"),
]


def details_error_cases():
    cases = [(f"missing {k}", _without(BASE, k)) for k in BASE]
    cases += [(f"empty {k}", dict(BASE, **{k: ""})) for k in BASE]
    cases += [(f"{k}={v}", dict(BASE, **{k: v})) for k, v in BAD_VALUES]
    return cases


def summary_error_cases():
    cases = [(f"missing {k}", _without(SUMMARY_BASE, k)) for k in SUMMARY_BASE]
    cases += [(f"empty {k}", dict(SUMMARY_BASE, **{k: ""})) for k in SUMMARY_BASE]
    cases += [(f"{k}={v}", dict(SUMMARY_BASE, **{k: v})) for k, v in BAD_VALUES]
    return cases


def test_details_parameter_errors(month):
    p = month[0]
    ok(p.signed("GET", DETAILS, query=BASE))
    for name, q in details_error_cases():
        assert_error(p.signed("GET", DETAILS, query=q), 400, "CBC.0100")
    for limit in ("1", "1000"):
        ok(p.signed("GET", DETAILS, query=dict(BASE, limit=limit, offset="0")))
    expect_sdk_error(lambda: p.client.list_resource_usage(ListResourceUsageRequest(
        bill_cycle="2025-03", service_type_code=CDN, resource_type_code=CDN_RT, usage_type="95Peak")), 400, "CBC.0100")
    expect_sdk_error(lambda: details(p, "2025-03", "res-n0020", usage_type="Duration"), 400, "CBC.0100")


def test_summary_parameter_errors(month):
    p = month[0]
    ok(p.signed("GET", SUMMARY, query=SUMMARY_BASE))
    for name, q in summary_error_cases():
        assert_error(p.signed("GET", SUMMARY, query=q), 400, "CBC.0100")
    for limit in ("1", "1000"):
        ok(p.signed("GET", SUMMARY, query=dict(SUMMARY_BASE, limit=limit, offset="0")))
    expect_sdk_error(lambda: summary(p, "2025-03", pair=(EC2, VM)), 400, "CBC.0100")


def test_partners_are_refused(env):
    dist = env.partners.distributor()
    resl = env.partners.reseller(dist)
    sp = env.partners.solution_provider()
    for who in (dist, resl, sp):
        assert_error(who.signed("GET", DETAILS, query=BASE), 403, "CBC.0151")
        assert_error(who.signed("GET", SUMMARY, query=SUMMARY_BASE), 403, "CBC.0151")
    expect_sdk_error(lambda: details(dist, "2025-03", "res-n0020"), 403, "CBC.0151")
    expect_sdk_error(lambda: summary(sp, "2025-03"), 403, "CBC.0151")


# ----------------------------------------------------------------------------- one point, one value

def test_a_second_record_for_the_same_point_is_refused(env):
    """One value per resource, usage type and 5 minutes: another record id for a point that
    exists (or twice in one batch) is a bad row; the batch is refused with a 400 naming it."""
    p = env.customer()
    c = p.domain_id
    cycle = "2025-06"
    first = point(c, unique("sp"), "cdn-same", slot(cycle, 0), "5")
    assert ok(env.post([first]))["imported"] == 1
    fresh = point(c, unique("sp"), "cdn-same", slot(cycle, 6), "1")
    again = point(c, unique("sp"), "cdn-same", slot(cycle, 0), "6")
    twin_a = point(c, unique("sp"), "cdn-same", slot(cycle, 12), "7")
    twin_b = point(c, unique("sp"), "cdn-same", slot(cycle, 12), "8")
    got = []
    for batch in ([fresh, again], [twin_a, twin_b]):
        resp = env.post(batch)
        path, proc = env.cli_import(batch)
        got.append((resp, path, proc))
    # the same slot under another usage type or another resource is another series
    other = [point(c, unique("sp"), "cdn-same", slot(cycle, 0), "9", usage_type="95peak_plus"),
             point(c, unique("sp"), "cdn-same-2", slot(cycle, 0), "9")]
    assert ok(env.post(other))["imported"] == 2
    # nothing of either batch was applied, whichever way it was refused
    assert all_points(p, cycle, "cdn-same") == expected_points([first])
    for resp, path, proc in got:
        body = assert_error(resp, 400, "CBC.0100")
        assert "records[1]." in body["error_msg"] and "records[0]" not in body["error_msg"], body
        assert proc.returncode == 1 and re.search(rf"^error: {re.escape(str(path))}: line 2: \w+: \S", proc.stderr, re.M), \
            proc.stderr
