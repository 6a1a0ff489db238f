"""Coupons: operator quotas, reseller child quotas, partner coupons, their records,
the customer's view of coupon value, concurrency and tenancy.

Money is `decimal.Decimal` end to end (the SDK parses JSON numbers as Decimal),
so every balance check below is exact.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from decimal import Decimal
from typing import Any, Optional

import pytest

from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkbss.v2 import (
    AdjustCouponQuotasReq,
    CreatePartnerCouponsReq,
    CreatePartnerCouponsRequest,
    ListCouponQuotasRecordsRequest,
    ListIssuedCouponQuotasRequest,
    ListIssuedPartnerCouponsRequest,
    ListPartnerCouponsRecordRequest,
    ListQuotaCouponsRequest,
    QueryCouponQuotasReqExt,
    ReclaimCouponQuotasReq,
    ReclaimCouponQuotasRequest,
    ReclaimPartnerCouponsReq,
    ReclaimPartnerCouponsRequest,
    ShowCustomerAccountBalancesRequest,
    UpdateCouponQuotasRequest,
)

from conftest import assert_error, expect_sdk_error, make_client, unique
from funds_support import dec, verify_ledger

D = Decimal
UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
NO_ID = "0" * 32

QUOTAS_QUERY = "/v2/partners/coupon-quotas/query"
QUOTAS_ADJUST = "/v2/partners/coupon-quotas/indirect-partner-adjust"
QUOTAS_RECLAIM = "/v2/partners/coupon-quotas/indirect-partner-reclaim"
ISSUED_QUOTAS = "/v2/partners/issued-coupon-quotas"
QUOTA_RECORDS = "/v2/partners/coupon-quotas/records"
COUPONS = "/v2/promotions/benefits/partner-coupons"
COUPONS_RECLAIM = "/v2/promotions/benefits/partner-coupons/reclaim"
COUPON_RECORDS = "/v2/promotions/benefits/partner-coupons/records/query"

EC2 = "hws.service.type.ec2"
EBS = "hws.service.type.ebs"
RDS = "hws.service.type.rds"


@pytest.fixture(scope="module", autouse=True)
def ledger_clean_after_module(cli):
    yield
    verify_ledger(cli)


# ================================================================= helpers

def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def utc(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(s: str) -> dt.datetime:
    assert UTC_SECONDS.match(s or ""), f"not a UTC seconds timestamp: {s!r}"
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def in_days(n: int) -> str:
    """A bare date n days from today (UTC), as `--expires` accepts it."""
    return (now_utc() + dt.timedelta(days=n)).date().isoformat()


def grant_quota(cli, domain_id: str, amount: Any = "1000.00", expires: Optional[str] = None,
                effective: Optional[str] = None, quota_type: Optional[int] = None,
                service_types: Optional[list] = None) -> dict:
    args = ["admin", "quota", "grant", "--domain-id", domain_id, "--amount", str(amount),
            "--expires", expires or in_days(30)]
    if effective:
        args += ["--effective", effective]
    if quota_type is not None:
        args += ["--type", str(quota_type)]
    if service_types:
        args += ["--service-types", ",".join(service_types)]
    out = cli(*args, "--json")
    assert out.get("quota_id"), out
    return out


def list_quotas(p, **filters):
    return p.client.list_quota_coupons(ListQuotaCouponsRequest(body=QueryCouponQuotasReqExt(**filters)))


def find_quota(p, quota_id: str, indirect: Optional[str] = None, quota_type: Optional[int] = None):
    resp = list_quotas(p, quota_ids=[quota_id], indirect_partner_id=indirect, quota_type=quota_type)
    got = [q for q in resp.quotas or [] if q.quota_id == quota_id]
    assert len(got) == 1 and resp.total_count == 1, f"quota {quota_id} not listed once: {resp}"
    return got[0]


def quota_balance(p, quota_id: str, indirect: Optional[str] = None) -> Decimal:
    return dec(find_quota(p, quota_id, indirect).balance)


def issue(p, quota_id: str, customer_ids: list, face_value: Any, **kw):
    return p.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
        quota_id=quota_id, customer_ids=list(customer_ids), face_value=D(str(face_value)), **kw)))


def issue_one(p, quota_id: str, customer_id: str, face_value: Any, **kw) -> str:
    resp = issue(p, quota_id, [customer_id], face_value, **kw)
    assert not resp.error_details, resp
    assert len(resp.coupon_infos) == 1 and resp.coupon_infos[0].id == customer_id, resp
    assert resp.coupon_infos[0].coupon_id, resp
    return resp.coupon_infos[0].coupon_id


def reclaim_coupon(p, coupon_id: str, indirect: Optional[str] = None):
    resp = p.client.reclaim_partner_coupons(ReclaimPartnerCouponsRequest(
        body=ReclaimPartnerCouponsReq(coupon_id=coupon_id, indirect_partner_id=indirect)))
    assert resp.status_code == 204, resp
    return resp


def list_coupons(p, **filters):
    return p.client.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(**filters))


def find_coupon(p, coupon_id: str, indirect: Optional[str] = None):
    resp = list_coupons(p, coupon_id=coupon_id, indirect_partner_id=indirect)
    assert resp.total_count == 1 and len(resp.user_coupons) == 1, resp
    assert resp.user_coupons[0].coupon_id == coupon_id
    return resp.user_coupons[0]


def coupon_records(p, **filters):
    return p.client.list_partner_coupons_record(ListPartnerCouponsRecordRequest(**filters))


def grant_children(dist, quota_id: str, reseller_ids: list, amount: Any):
    return dist.client.update_coupon_quotas(UpdateCouponQuotasRequest(body=AdjustCouponQuotasReq(
        quota_id=quota_id, indirect_partner_ids=list(reseller_ids), quota_amount=D(str(amount)))))


def grant_child(dist, quota_id: str, reseller_id: str, amount: Any) -> str:
    resp = grant_children(dist, quota_id, [reseller_id], amount)
    assert not resp.error_details, resp
    assert len(resp.simple_quota_infos) == 1 and resp.simple_quota_infos[0].id == reseller_id, resp
    assert resp.simple_quota_infos[0].quota_id, resp
    return resp.simple_quota_infos[0].quota_id


def reclaim_children(dist, quota_ids: list, remark: Optional[str] = None):
    return dist.client.reclaim_coupon_quotas(ReclaimCouponQuotasRequest(
        body=ReclaimCouponQuotasReq(quota_ids=list(quota_ids), remark=remark)))


def issued_quotas(dist, **filters):
    return dist.client.list_issued_coupon_quotas(ListIssuedCouponQuotasRequest(**filters))


def quota_records(dist, **filters):
    return dist.client.list_coupon_quotas_records(ListCouponQuotasRecordsRequest(**filters))


def customer_coupon_value(customer_principal) -> Optional[Decimal]:
    """The account_type 5 amount of ShowCustomerAccountBalances, None when not listed."""
    resp = customer_principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    entries = [b for b in resp.account_balances or [] if b.account_type == 5]
    assert len(entries) <= 1, f"account type 5 listed more than once: {resp}"
    return dec(entries[0].amount) if entries else None


def details(resp) -> dict:
    """error_details as {id: error_code}."""
    return {e.id: e.error_code for e in resp.error_details or []}


def service_values(limits, key: str) -> set:
    vals = set()
    for l in limits or []:
        if l.limit_key == key:
            for v in (l.value1 or "").split(","):
                if v:
                    vals.add(v)
    return vals


def quota_service_types(q) -> set:
    vals = set()
    for l in q.limit_infos or []:
        if l.limit_key == "cloudServiceType":
            vals |= {v.value1 for v in l.limit_values or []}
    return vals


@pytest.fixture
def dist_with_quota(partners, customers, cli):
    """A distributor with a 1000.00 quota and two resale customers."""
    dist = partners.solution_provider()
    q = grant_quota(cli, dist.domain_id, "1000.00")
    c1 = customers.create(dist)
    c2 = customers.create(dist)
    return dist, q["quota_id"], c1, c2


# ================================================================= quota grant (operator)

def test_cli_quota_grant_shape(partners, cli):
    dist = partners.solution_provider()
    before = now_utc()
    day = in_days(30)
    out = grant_quota(cli, dist.domain_id, "1000.5", expires=day)
    assert out["quota_type"] == 0
    assert dec(out["quota_value"]) == D("1000.5")
    assert dec(out["balance"]) == D("1000.5")
    assert out["quota_status"] == 0
    assert out["expire_time"] == f"{day}T23:59:59Z"
    eff = parse_utc(out["effective_time"])
    assert before - dt.timedelta(seconds=5) <= eff <= now_utc() + dt.timedelta(seconds=5)
    assert not out.get("limit_infos"), out

    q = find_quota(dist, out["quota_id"])
    assert q.quota_type == 0 and q.quota_status == 0
    assert dec(q.quota_value) == D("1000.5") and dec(q.balance) == D("1000.5")
    assert q.expire_time == f"{day}T23:59:59Z"
    assert q.effective_time == out["effective_time"]
    assert q.measure_id == 1 and q.currency == "CNY"
    assert UTC_SECONDS.match(q.create_time) and UTC_SECONDS.match(q.last_update_time)


def test_cli_quota_grant_explicit_times_type_and_services(partners, cli):
    sp = partners.solution_provider()
    eff = utc(now_utc() + dt.timedelta(days=1))
    exp = utc(now_utc() + dt.timedelta(days=10, hours=3))
    out = grant_quota(cli, sp.domain_id, "250.25", expires=exp, effective=eff, quota_type=1,
                      service_types=[EC2, EBS])
    assert out["quota_type"] == 1
    assert out["effective_time"] == eff and out["expire_time"] == exp
    limits = out["limit_infos"]
    assert [l["limit_key"] for l in limits] == ["cloudServiceType"], limits
    assert {v["value1"] for v in limits[0]["limit_values"]} == {EC2, EBS}
    # type-1 quotas are only listed when asked for
    assert list_quotas(sp).total_count == 0
    q = find_quota(sp, out["quota_id"], quota_type=1)
    assert q.quota_type == 1 and q.effective_time == eff and q.expire_time == exp
    assert quota_service_types(q) == {EC2, EBS}
    assert dec(q.balance) == D("250.25")


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "0.001", "abc"])
def test_cli_quota_grant_rejects_bad_amount(partners, cli, amount):
    dist = partners.distributor()
    proc = cli.run("admin", "quota", "grant", "--domain-id", dist.domain_id, "--amount", amount,
                   "--expires", in_days(30), "--json")
    assert proc.returncode != 0, proc.stdout
    assert proc.stderr.strip()
    assert list_quotas(dist).total_count == 0


def test_cli_quota_grant_rejects_past_expiry_and_unknown_partner(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    for args in (["--domain-id", dist.domain_id, "--expires", in_days(-1)],
                 ["--domain-id", dist.domain_id, "--expires", utc(now_utc() - dt.timedelta(minutes=1))],
                 ["--domain-id", NO_ID, "--expires", in_days(30)],
                 ["--domain-id", cust.domain_id, "--expires", in_days(30)]):
        proc = cli.run("admin", "quota", "grant", *args, "--amount", "10", "--json")
        assert proc.returncode != 0, (args, proc.stdout)
        assert proc.stderr.strip(), args
    assert list_quotas(dist).total_count == 0


def test_operator_http_quota_grant(partners, operator):
    dist = partners.distributor()
    exp = utc(now_utc() + dt.timedelta(days=5))
    resp = operator.signed("POST", f"/operator/v1/partners/{dist.domain_id}/coupon-quotas",
                           {"amount": 300.75, "expire_time": exp,
                            "cloud_service_types": [EC2]})
    assert resp.status_code == 201, resp.text
    body = resp.json(parse_float=Decimal)
    assert body["quota_id"] and body["quota_status"] == 0 and body["quota_type"] == 0
    assert dec(body["quota_value"]) == D("300.75") and dec(body["balance"]) == D("300.75")
    assert body["expire_time"] == exp
    q = find_quota(dist, body["quota_id"])
    assert quota_service_types(q) == {EC2}

    resp = operator.signed("POST", f"/operator/v1/partners/{dist.domain_id}/coupon-quotas",
                           {"amount": 5, "expire_time": exp, "quota_type": 1})
    assert resp.status_code == 201, resp.text
    assert resp.json()["quota_type"] == 1

    for bad in ({"amount": 0, "expire_time": exp},
                {"amount": 1.234, "expire_time": exp},
                {"amount": 10, "expire_time": utc(now_utc() - dt.timedelta(days=1))}):
        r = operator.signed("POST", f"/operator/v1/partners/{dist.domain_id}/coupon-quotas", bad)
        assert 400 <= r.status_code < 500, (bad, r.status_code, r.text)
    r = operator.signed("POST", f"/operator/v1/partners/{NO_ID}/coupon-quotas",
                        {"amount": 10, "expire_time": exp})
    assert 400 <= r.status_code < 500, r.text
    # a partner's own keys do not reach the operator API
    r = dist.signed("POST", f"/operator/v1/partners/{dist.domain_id}/coupon-quotas",
                    {"amount": 10, "expire_time": exp})
    assert r.status_code in (401, 403), r.text
    assert list_quotas(dist).total_count == 1


# ================================================================= ListQuotaCoupons

def test_list_quotas_callers(partners, customers, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    sp = partners.solution_provider()
    q = grant_quota(cli, sp.domain_id, "10")
    assert find_quota(sp, q["quota_id"]).quota_id == q["quota_id"]
    expect_sdk_error(lambda: list_quotas(res), 403, "CBC.0151")
    cust = customers.principal(customers.create(sp))
    expect_sdk_error(lambda: list_quotas(cust), 403, "CBC.0151")


def test_list_quotas_parameter_errors(partners, cli):
    dist = partners.distributor()
    grant_quota(cli, dist.domain_id, "10")
    bad = [
        dict(quota_ids=[unique("q") for _ in range(51)]),
        dict(quota_status_list=[0, 3, 4, 5, 0, 3]),
        dict(quota_status_list=[1]),
        dict(quota_status_list=[6]),
        dict(quota_status_list=[0, 2]),
        dict(limit=0),
        dict(limit=101),
        dict(offset=-1),
        dict(quota_type=2),
    ]
    for filters in bad:
        expect_sdk_error(lambda: list_quotas(dist, **filters), 400, "CBC.0100")
    # the limits themselves are fine
    assert list_quotas(dist, quota_ids=[unique("q") for _ in range(50)]).total_count == 0
    assert list_quotas(dist, quota_status_list=[0, 3, 4, 5, 0]).total_count == 1
    assert list_quotas(dist, limit=100).total_count == 1
    assert list_quotas(dist, limit=1).total_count == 1


def test_list_quotas_filters_and_paging(partners, cli):
    dist = partners.distributor()
    first = grant_quota(cli, dist.domain_id, "100", expires=in_days(10))
    time.sleep(1.2)
    mid = utc(now_utc())
    time.sleep(1.2)
    later_eff = utc(now_utc() + dt.timedelta(days=2))
    second = grant_quota(cli, dist.domain_id, "200", expires=in_days(20), effective=later_eff)
    extra = [grant_quota(cli, dist.domain_id, str(i + 1), expires=in_days(40))["quota_id"]
             for i in range(3)]
    all_ids = {first["quota_id"], second["quota_id"], *extra}

    assert list_quotas(dist).total_count == 5
    assert {q.quota_id for q in list_quotas(dist, limit=100).quotas} == all_ids
    assert list_quotas(dist, quota_ids=[first["quota_id"], second["quota_id"]]).total_count == 2
    assert list_quotas(dist, quota_ids=[]).total_count == 5
    assert list_quotas(dist, quota_status_list=[]).total_count == 5
    assert list_quotas(dist, quota_status_list=[0]).total_count == 5
    assert list_quotas(dist, quota_status_list=[3, 4, 5]).total_count == 0

    got = list_quotas(dist, create_time_begin=mid, limit=100)
    assert first["quota_id"] not in {q.quota_id for q in got.quotas}
    assert got.total_count == 4
    got = list_quotas(dist, create_time_end=mid, limit=100)
    assert [q.quota_id for q in got.quotas] == [first["quota_id"]]

    got = list_quotas(dist, effective_time_begin=utc(now_utc() + dt.timedelta(days=1)))
    assert [q.quota_id for q in got.quotas] == [second["quota_id"]]
    got = list_quotas(dist, effective_time_end=utc(now_utc() + dt.timedelta(days=1)), limit=100)
    assert second["quota_id"] not in {q.quota_id for q in got.quotas} and got.total_count == 4

    got = list_quotas(dist, expire_time_begin=utc(now_utc() + dt.timedelta(days=15)),
                      expire_time_end=utc(now_utc() + dt.timedelta(days=25)))
    assert [q.quota_id for q in got.quotas] == [second["quota_id"]]
    got = list_quotas(dist, expire_time_end=utc(now_utc() + dt.timedelta(days=15)))
    assert [q.quota_id for q in got.quotas] == [first["quota_id"]]

    # paging covers every quota exactly once
    seen = []
    for offset in (0, 2, 4):
        page = list_quotas(dist, offset=offset, limit=2)
        assert page.total_count == 5
        assert len(page.quotas) == (2 if offset < 4 else 1)
        seen += [q.quota_id for q in page.quotas]
    assert sorted(seen) == sorted(all_ids)
    beyond = list_quotas(dist, offset=5, limit=2)
    assert beyond.total_count == 5 and not beyond.quotas
    assert len(list_quotas(dist).quotas) == 5  # default limit 10


def test_list_quotas_indirect_scope(partners, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    other = partners.distributor()
    other_res = partners.reseller(other)
    parent = grant_quota(cli, dist.domain_id, "500")["quota_id"]
    child = grant_child(dist, parent, res.domain_id, "120.5")
    q = find_quota(dist, child, indirect=res.domain_id)
    assert dec(q.quota_value) == D("120.5") and dec(q.balance) == D("120.5") and q.quota_status == 0
    # own listing holds only the top-level quota
    assert [x.quota_id for x in list_quotas(dist).quotas] == [parent]
    e1 = expect_sdk_error(lambda: list_quotas(dist, indirect_partner_id=other_res.domain_id),
                          400, "CBC.99000037")
    e2 = expect_sdk_error(lambda: list_quotas(dist, indirect_partner_id=NO_ID), 400, "CBC.99000037")
    assert e1.error_code == e2.error_code


# ================================================================= UpdateCouponQuotas

def test_child_quota_grant_happy_path_and_records(partners, cli):
    dist = partners.distributor()
    r1, r2 = partners.reseller(dist), partners.reseller(dist)
    parent = grant_quota(cli, dist.domain_id, "1000.00", service_types=[EC2])["quota_id"]
    t0 = utc(now_utc() - dt.timedelta(seconds=2))
    resp = grant_children(dist, parent, [r1.domain_id, r2.domain_id], "100.25")
    assert not resp.error_details, resp
    children = {i.id: i.quota_id for i in resp.simple_quota_infos}
    assert set(children) == {r1.domain_id, r2.domain_id}
    assert len(set(children.values())) == 2
    assert quota_balance(dist, parent) == D("799.50")
    for rid, qid in children.items():
        q = find_quota(dist, qid, indirect=rid)
        assert dec(q.quota_value) == D("100.25") and dec(q.balance) == D("100.25")
        assert q.quota_status == 0 and q.quota_type == 0

    iq = issued_quotas(dist)
    assert iq.total_count == 2
    by_id = {q.quota_id: q for q in iq.quotas}
    assert set(by_id) == set(children.values())
    for rid, qid in children.items():
        q = by_id[qid]
        assert q.indirect_partner_id == rid and q.parent_quota_id == parent
        assert q.indirect_partner_account_name == (r1 if rid == r1.domain_id else r2).domain_name
        assert dec(q.balance) == D("100.25") and q.quota_status == 0

    recs = quota_records(dist)
    assert recs.total_count == 2
    for r in recs.records:
        assert r.operation_type == "10" and r.parent_quota_id == parent
        assert dec(r.amount) == D("100.25") and r.result == "0"
        assert children[r.indirect_partner_id] == r.quota_id
        assert parse_utc(r.operation_time) >= parse_utc(t0)
    # a second grant to the same reseller creates another child quota
    third = grant_child(dist, parent, r1.domain_id, "0.01")
    assert third not in children.values()
    assert quota_balance(dist, parent) == D("799.49")
    assert issued_quotas(dist, indirect_partner_id=r1.domain_id).total_count == 2


def test_child_quota_grant_partial_results(partners, cli):
    dist = partners.distributor()
    r1, r2, r3 = (partners.reseller(dist) for _ in range(3))
    other_res = partners.reseller(partners.distributor())
    parent = grant_quota(cli, dist.domain_id, "150.00")["quota_id"]
    resp = grant_children(dist, parent,
                          [r1.domain_id, other_res.domain_id, r2.domain_id, NO_ID, r3.domain_id], "60")
    assert resp.simple_quota_infos is not None
    ok = {i.id for i in resp.simple_quota_infos}
    errs = details(resp)
    assert errs[other_res.domain_id] == "CBC.99000037"
    assert errs[NO_ID] == "CBC.99000037"
    # 150 covers two grants of 60; the third reseller finds the quota short
    assert len(ok) == 2 and ok <= {r1.domain_id, r2.domain_id, r3.domain_id}
    short = {r1.domain_id, r2.domain_id, r3.domain_id} - ok
    assert {errs[s] for s in short} == {"CBC.99000013"}
    assert len(errs) == 3
    for e in resp.error_details:
        assert e.error_msg
    assert quota_balance(dist, parent) == D("30.00")
    assert quota_records(dist).total_count == 2


def test_child_quota_grant_request_errors(partners, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    other = partners.solution_provider()
    own = grant_quota(cli, dist.domain_id, "100")["quota_id"]
    foreign = grant_quota(cli, other.domain_id, "100")["quota_id"]
    child = grant_child(dist, own, res.domain_id, "10")
    reclaimed = grant_child(dist, own, res.domain_id, "10")
    assert not reclaim_children(dist, [reclaimed]).error_details

    for qid in (foreign, NO_ID, child, reclaimed):
        expect_sdk_error(lambda: grant_children(dist, qid, [res.domain_id], "1"), 400, "CBC.99000012")
    for amount in ("0", "-1", "1.234"):
        expect_sdk_error(lambda: grant_children(dist, own, [res.domain_id], amount), 400, "CBC.0100")
    expect_sdk_error(lambda: grant_children(dist, "", [res.domain_id], "1"), 400, "CBC.0100")
    r = dist.signed("POST", QUOTAS_ADJUST, {"indirect_partner_ids": [res.domain_id], "quota_amount": 1})
    assert_error(r, 400, "CBC.0100")
    r = dist.signed("POST", QUOTAS_ADJUST, {"quota_id": own, "indirect_partner_ids": [res.domain_id]})
    assert_error(r, 400, "CBC.0100")
    assert quota_balance(dist, own) == D("90.00")
    assert quota_balance(other, foreign) == D("100")


def test_child_quota_apis_are_distributor_only(partners, customers, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    sp = partners.solution_provider()
    q = grant_quota(cli, sp.domain_id, "100")["quota_id"]
    cust = customers.principal(customers.create(sp))
    for caller in (sp, res, cust):
        expect_sdk_error(lambda: grant_children(caller, q, [res.domain_id], "1"), 403, "CBC.0151")
        expect_sdk_error(lambda: reclaim_children(caller, [q]), 403, "CBC.0151")
        expect_sdk_error(lambda: issued_quotas(caller), 403, "CBC.0151")
        expect_sdk_error(lambda: quota_records(caller), 403, "CBC.0151")
    assert quota_balance(sp, q) == D("100")


# ================================================================= ReclaimCouponQuotas

def test_child_quota_reclaim_returns_balance_and_late_coupon_reclaim(partners, customers, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    rc = customers.create(res)
    parent = grant_quota(cli, dist.domain_id, "1000.00")["quota_id"]
    child = grant_child(dist, parent, res.domain_id, "100.00")
    coupon = issue_one(dist, child, rc.domain_id, "30.15", indirect_partner_id=res.domain_id)
    rcp = customers.principal(rc)
    assert customer_coupon_value(rcp) == D("30.15")
    assert quota_balance(dist, child, indirect=res.domain_id) == D("69.85")
    assert quota_balance(dist, parent) == D("900.00")

    resp = reclaim_children(dist, [child], remark="unused Q2")
    assert not resp.error_details, resp
    assert [(i.quota_id, dec(i.quota_balance)) for i in resp.simple_quota_infos] == [(child, D("0"))]
    assert quota_balance(dist, parent) == D("969.85")

    # hidden from ListQuotaCoupons, shown reclaimed in ListIssuedCouponQuotas
    assert list_quotas(dist, indirect_partner_id=res.domain_id).total_count == 0
    assert list_quotas(dist, quota_ids=[child], indirect_partner_id=res.domain_id).total_count == 0
    iq = issued_quotas(dist, quota_id=child)
    assert iq.total_count == 1 and iq.quotas[0].quota_status == 6
    assert iq.quotas[0].parent_quota_id == parent
    assert dec(iq.quotas[0].balance) == D("0") and dec(iq.quotas[0].quota_value) == D("100.00")
    # the customer keeps the coupon until it is reclaimed itself
    assert customer_coupon_value(rcp) == D("30.15")

    recs = quota_records(dist, operation_type="11")
    assert recs.total_count == 1
    r = recs.records[0]
    assert (r.quota_id, r.parent_quota_id, dec(r.amount), r.remark, r.indirect_partner_id) == \
        (child, parent, D("69.85"), "unused Q2", res.domain_id)
    assert quota_records(dist, operation_type="10").total_count == 1

    # the coupon outlives its quota; reclaiming it pays the parent
    assert find_coupon(dist, coupon, indirect=res.domain_id).status == 2
    reclaim_coupon(dist, coupon, indirect=res.domain_id)
    assert quota_balance(dist, parent) == D("1000.00")
    assert find_coupon(dist, coupon, indirect=res.domain_id).status == 5
    assert customer_coupon_value(rcp) is None
    rec = coupon_records(dist, indirect_partner_id=res.domain_id, operation_types=["2"])
    assert rec.total_count == 1 and dec(rec.records[0].operation_amount) == D("30.15")

    # reclaiming the child again fails per item
    again = reclaim_children(dist, [child])
    assert details(again) == {child: "CBC.99000012"}
    assert not again.simple_quota_infos
    assert quota_balance(dist, parent) == D("1000.00")


def test_child_quota_reclaim_partial_and_errors(partners, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    other = partners.distributor()
    other_res = partners.reseller(other)
    parent = grant_quota(cli, dist.domain_id, "500")["quota_id"]
    other_parent = grant_quota(cli, other.domain_id, "500")["quota_id"]
    mine = grant_child(dist, parent, res.domain_id, "40")
    theirs = grant_child(other, other_parent, other_res.domain_id, "40")
    assert quota_balance(dist, parent) == D("460")

    resp = reclaim_children(dist, [mine, theirs, NO_ID, parent, other_parent])
    assert [(i.quota_id, dec(i.quota_balance)) for i in resp.simple_quota_infos] == [(mine, D("0"))]
    assert details(resp) == {theirs: "CBC.99000012", NO_ID: "CBC.99000012",
                             parent: "CBC.99000012", other_parent: "CBC.99000012"}
    assert quota_balance(dist, parent) == D("500")
    assert quota_balance(other, other_parent) == D("460")
    assert find_quota(other, theirs, indirect=other_res.domain_id).quota_status == 0

    expect_sdk_error(lambda: reclaim_children(dist, [unique("q") for _ in range(11)]), 400, "CBC.0100")
    expect_sdk_error(lambda: reclaim_children(dist, []), 400, "CBC.0100")
    r = dist.signed("POST", QUOTAS_RECLAIM, {"remark": "x"})
    assert_error(r, 400, "CBC.0100")
    # ten ids is within the limit
    ten = reclaim_children(dist, [unique("q") for _ in range(10)])
    assert len(ten.error_details) == 10


# ================================================================= ListIssuedCouponQuotas

def test_issued_quotas_filters_and_paging(partners, cli):
    dist = partners.distributor()
    r1, r2 = partners.reseller(dist), partners.reseller(dist)
    p1 = grant_quota(cli, dist.domain_id, "1000")["quota_id"]
    p2 = grant_quota(cli, dist.domain_id, "1000")["quota_id"]
    c = [grant_child(dist, p1, r1.domain_id, "1"), grant_child(dist, p1, r2.domain_id, "2"),
         grant_child(dist, p2, r1.domain_id, "3"), grant_child(dist, p2, r1.domain_id, "4"),
         grant_child(dist, p2, r2.domain_id, "5")]
    assert issued_quotas(dist).total_count == 5
    assert {q.quota_id for q in issued_quotas(dist, parent_quota_id=p1).quotas} == {c[0], c[1]}
    assert {q.quota_id for q in issued_quotas(dist, indirect_partner_id=r1.domain_id).quotas} == \
        {c[0], c[2], c[3]}
    got = issued_quotas(dist, parent_quota_id=p2, indirect_partner_id=r2.domain_id)
    assert [q.quota_id for q in got.quotas] == [c[4]] and dec(got.quotas[0].quota_value) == D("5")
    assert issued_quotas(dist, quota_id=c[3]).quotas[0].quota_id == c[3]
    assert issued_quotas(dist, quota_id=NO_ID).total_count == 0
    assert issued_quotas(dist, parent_quota_id=c[0]).total_count == 0

    seen = []
    for offset in (0, 2, 4):
        page = issued_quotas(dist, offset=offset, limit=2)
        assert page.total_count == 5 and len(page.quotas) == (2 if offset < 4 else 1)
        seen += [q.quota_id for q in page.quotas]
    assert sorted(seen) == sorted(c)
    page = issued_quotas(dist, offset=7, limit=100)
    assert page.total_count == 5 and not page.quotas
    for bad in (dict(limit=0), dict(limit=101), dict(offset=-1)):
        expect_sdk_error(lambda: issued_quotas(dist, **bad), 400, "CBC.0100")


# ================================================================= ListCouponQuotasRecords

def test_quota_records_filters(partners, cli):
    dist = partners.distributor()
    r1, r2 = partners.reseller(dist), partners.reseller(dist)
    p1 = grant_quota(cli, dist.domain_id, "1000")["quota_id"]
    p2 = grant_quota(cli, dist.domain_id, "1000")["quota_id"]
    t0 = utc(now_utc() - dt.timedelta(seconds=1))
    a = grant_child(dist, p1, r1.domain_id, "11")
    b = grant_child(dist, p2, r2.domain_id, "22")
    assert not reclaim_children(dist, [a], remark="").error_details
    time.sleep(1.2)
    mid = utc(now_utc())
    time.sleep(1.2)
    c = grant_child(dist, p2, r1.domain_id, "33")

    assert quota_records(dist).total_count == 4
    assert quota_records(dist, operation_type="10").total_count == 3
    assert quota_records(dist, operation_type="11").total_count == 1
    assert quota_records(dist, operation_type="99").total_count == 4  # non-enum: no filter
    assert quota_records(dist, indirect_partner_id=r1.domain_id).total_count == 3
    assert quota_records(dist, quota_id=a).total_count == 2
    assert {r.quota_id for r in quota_records(dist, parent_quota_id=p2).records} == {b, c}
    rec = quota_records(dist, quota_id=a, operation_type="11").records[0]
    assert dec(rec.amount) == D("11") and rec.remark == "" and rec.parent_quota_id == p1
    assert rec.indirect_partner_account_name == r1.domain_name

    got = quota_records(dist, operation_time_begin=mid)
    assert [r.quota_id for r in got.records] == [c]
    got = quota_records(dist, operation_time_begin=t0, operation_time_end=mid)
    assert got.total_count == 3 and c not in {r.quota_id for r in got.records}

    seen = []
    for offset in (0, 3):
        page = quota_records(dist, offset=offset, limit=3)
        assert page.total_count == 4 and len(page.records) == (3 if offset == 0 else 1)
        seen += [r.id for r in page.records]
    assert len(set(seen)) == 4
    for bad in (dict(limit=0), dict(limit=101), dict(offset=-1)):
        expect_sdk_error(lambda: quota_records(dist, **bad), 400, "CBC.0100")
    for key in ("operation_time_begin", "operation_time_end"):
        r = dist.signed("GET", QUOTA_RECORDS, query={key: ""})
        assert_error(r, 400, "CBC.0100")


# ================================================================= CreatePartnerCoupons

def test_issue_coupons_happy_path(dist_with_quota, customers):
    dist, quota, c1, c2 = dist_with_quota
    q = find_quota(dist, quota)
    before = now_utc()
    resp = issue(dist, quota, [c1.domain_id, c2.domain_id], "12.34", memo="welcome")
    assert not resp.error_details, resp
    ids = {i.id: i.coupon_id for i in resp.coupon_infos}
    assert set(ids) == {c1.domain_id, c2.domain_id} and len(set(ids.values())) == 2
    assert quota_balance(dist, quota) == D("975.32")

    for cust_id, coupon_id in ids.items():
        c = find_coupon(dist, coupon_id)
        assert c.customer_id == cust_id and c.status == 2 and c.coupon_type == 1
        assert dec(c.face_value) == D("12.34") and dec(c.balance) == D("12.34")
        assert c.effective_time == q.effective_time and c.expire_time == q.expire_time
        assert c.fetch_method == 3 and c.media_type == 1 and c.is_frozen == "0"
        assert c.measure_id == 1
        assert parse_utc(c.create_time) >= before - dt.timedelta(seconds=2)
        assert not service_values(c.use_limits, "cloudServiceType")

    recs = coupon_records(dist, operation_types=["1"])
    assert recs.total_count == 2
    for r in recs.records:
        assert r.result == "0" and r.quota_id == quota and r.quota_type == 0
        assert ids[r.customer_id] == r.coupon_id and dec(r.operation_amount) == D("12.34")
        assert r.remark == "welcome" and UTC_SECONDS.match(r.operation_time)

    cp = customers.principal(c1)
    assert customer_coupon_value(cp) == D("12.34")


def test_issue_with_explicit_validity_and_limits(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    q = grant_quota(cli, dist.domain_id, "100", expires=in_days(30), service_types=[EC2, EBS])
    quota = q["quota_id"]
    start = utc(now_utc() + dt.timedelta(minutes=1))
    end = utc(now_utc() + dt.timedelta(days=7))
    coupon = issue_one(dist, quota, cust.domain_id, "5", valid_time=start, expire_time=end,
                       cloud_service_types=[EC2], product_ids=["p-1", "p-2"])
    c = find_coupon(dist, coupon)
    assert c.effective_time == start and c.expire_time == end
    assert c.status == 1  # not yet effective
    assert service_values(c.use_limits, "cloudServiceType") == {EC2}
    assert service_values(c.use_limits, "productId") == {"p-1", "p-2"}
    # no restriction given: the quota's restriction carries over
    inherited = issue_one(dist, quota, cust.domain_id, "5")
    assert service_values(find_coupon(dist, inherited).use_limits, "cloudServiceType") == {EC2, EBS}
    assert quota_balance(dist, quota) == D("90")
    # the not-yet-effective coupon is not usable money for the customer
    assert customer_coupon_value(customers.principal(cust)) == D("5")

    expect_sdk_error(lambda: issue(dist, quota, [cust.domain_id], "1", cloud_service_types=[RDS]),
                     400, "CBC.99000023")
    expect_sdk_error(lambda: issue(dist, quota, [cust.domain_id], "1",
                                   cloud_service_types=[EC2, RDS]), 400, "CBC.99000023")
    assert quota_balance(dist, quota) == D("90")


def test_issue_parameter_errors(dist_with_quota):
    dist, quota, c1, _ = dist_with_quota
    q = find_quota(dist, quota)
    q_start, q_end = parse_utc(q.effective_time), parse_utc(q.expire_time)
    cases = [
        dict(face_value="0"), dict(face_value="-1"), dict(face_value="1.234"),
        dict(customer_ids=[]),
        dict(customer_ids=[unique("c") for _ in range(101)]),
        dict(cloud_service_types=[f"hws.service.type.s{i}" for i in range(11)]),
        dict(product_ids=[f"p{i}" for i in range(11)]),
        dict(valid_time=utc(q_start - dt.timedelta(hours=1))),
        dict(expire_time=utc(q_end + dt.timedelta(seconds=1))),
        dict(expire_time=utc(now_utc() - dt.timedelta(minutes=1))),
        dict(valid_time=utc(now_utc() + dt.timedelta(days=3)),
             expire_time=utc(now_utc() + dt.timedelta(days=2))),
        dict(valid_time="2030-01-01"),
        dict(quota_id=""),
    ]
    for case in cases:
        kw = dict(quota_id=quota, customer_ids=[c1.domain_id], face_value="1")
        kw.update(case)
        qid, cids, fv = kw.pop("quota_id"), kw.pop("customer_ids"), kw.pop("face_value")
        expect_sdk_error(lambda: issue(dist, qid, cids, fv, **kw), 400, "CBC.0100")
    r = dist.signed("POST", COUPONS, {"quota_id": quota, "face_value": 1})
    assert_error(r, 400, "CBC.0100")
    r = dist.signed("POST", COUPONS, {"quota_id": quota, "customer_ids": [c1.domain_id]})
    assert_error(r, 400, "CBC.0100")
    # a hundred customers is within the limit (all unknown here)
    many = issue(dist, quota, [unique("c") for _ in range(100)], "1")
    assert len(many.error_details) == 100 and not many.coupon_infos
    assert set(details(many).values()) == {"CBC.99000035"}
    assert quota_balance(dist, quota) == D("1000.00")
    assert list_coupons(dist).total_count == 0


def test_issue_per_customer_failures(partners, customers, cli):
    dist = partners.solution_provider()
    other = partners.solution_provider()
    res = partners.reseller(partners.distributor())
    quota = grant_quota(cli, dist.domain_id, "25.00")["quota_id"]
    good1, good2, good3 = (customers.create(dist) for _ in range(3))
    consultant = customers.create(dist, cooperation_type="1")
    foreign = customers.create(other)
    resellers_customer = customers.create(res)
    ids = [good1.domain_id, foreign.domain_id, consultant.domain_id, NO_ID,
           resellers_customer.domain_id, good2.domain_id, good3.domain_id]
    resp = issue(dist, quota, ids, "10")
    errs = details(resp)
    ok = {i.id for i in resp.coupon_infos}
    assert errs[foreign.domain_id] == "CBC.99000035"
    assert errs[NO_ID] == "CBC.99000035"
    assert errs[resellers_customer.domain_id] == "CBC.99000035"
    assert errs[consultant.domain_id] == "CBC.99000014"
    # 25 pays for two coupons of 10; the customer after them finds the quota short
    assert ok == {good1.domain_id, good2.domain_id}
    assert errs[good3.domain_id] == "CBC.99000013"
    assert len(errs) == 5
    assert quota_balance(dist, quota) == D("5.00")

    failed = coupon_records(dist, result="-1", limit=100)
    assert failed.total_count == 5
    assert {r.customer_id for r in failed.records} == set(errs)
    assert {r.operation_type for r in failed.records} == {"1"}
    assert coupon_records(dist, result="0").total_count == 2
    assert coupon_records(dist, result="x").total_count == 7
    assert list_coupons(dist).total_count == 2
    # an exact fit still works
    issue_one(dist, quota, good3.domain_id, "5")
    assert quota_balance(dist, quota) == D("0.00")
    resp = issue(dist, quota, [good3.domain_id], "0.01")
    assert details(resp) == {good3.domain_id: "CBC.99000013"} and not resp.coupon_infos


def test_issue_quota_errors(partners, customers, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    other = partners.solution_provider()
    cust = customers.create(other)  # a customer the distributor's reseller does not serve
    own = grant_quota(cli, dist.domain_id, "100")["quota_id"]
    foreign = grant_quota(cli, other.domain_id, "100")["quota_id"]
    child = grant_child(dist, own, res.domain_id, "10")
    future = grant_quota(cli, dist.domain_id, "100",
                         effective=utc(now_utc() + dt.timedelta(days=1)))["quota_id"]
    for qid in (foreign, NO_ID, child):
        expect_sdk_error(lambda: issue(dist, qid, [cust.domain_id], "1"), 400, "CBC.99000012")
    expect_sdk_error(lambda: issue(dist, future, [cust.domain_id], "1"), 400, "CBC.99000017")
    # the reseller's quota is usable for the reseller's customers only through indirect_partner_id
    rc = customers.create(res)
    expect_sdk_error(lambda: issue(dist, own, [rc.domain_id], "1", indirect_partner_id=res.domain_id),
                     400, "CBC.99000012")
    resp = issue(dist, child, [rc.domain_id, cust.domain_id], "1", indirect_partner_id=res.domain_id)
    assert {i.id for i in resp.coupon_infos} == {rc.domain_id}
    assert details(resp) == {cust.domain_id: "CBC.99000035"}
    # a reclaimed child quota is gone
    assert not reclaim_children(dist, [child]).error_details
    expect_sdk_error(lambda: issue(dist, child, [rc.domain_id], "1", indirect_partner_id=res.domain_id),
                     400, "CBC.99000012")
    assert quota_balance(dist, own) == D("99")
    assert quota_balance(other, foreign) == D("100")


def test_issue_type1_quota_makes_type4_coupons(partners, customers, cli):
    sp = partners.solution_provider()
    cust = customers.create(sp)
    q = grant_quota(cli, sp.domain_id, "50", quota_type=1)["quota_id"]
    coupon = issue_one(sp, q, cust.domain_id, "7.5")
    assert find_coupon(sp, coupon).coupon_type == 4
    assert list_coupons(sp, coupon_type=4).total_count == 1
    assert list_coupons(sp, coupon_type=1).total_count == 0
    rec = coupon_records(sp, quota_type=1)
    assert rec.total_count == 1 and rec.records[0].quota_type == 1
    assert coupon_records(sp, quota_type=0).total_count == 0
    assert dec(find_quota(sp, q, quota_type=1).balance) == D("42.5")


def test_issue_validity_boundaries_and_precision(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    q = grant_quota(cli, dist.domain_id, "12345678.91",
                    effective=utc(now_utc() - dt.timedelta(days=1)))
    quota = q["quota_id"]
    # exactly the quota's window is allowed
    full = issue_one(dist, quota, cust.domain_id, "0.07",
                     valid_time=q["effective_time"], expire_time=q["expire_time"])
    c = find_coupon(dist, full)
    assert (c.effective_time, c.expire_time, c.status) == (q["effective_time"], q["expire_time"], 2)
    # a start in the past but inside the quota's window is fine, and usable at once
    past = issue_one(dist, quota, cust.domain_id, "0.07",
                     valid_time=utc(now_utc() - dt.timedelta(hours=3)),
                     expire_time=utc(now_utc() + dt.timedelta(hours=3)))
    assert find_coupon(dist, past).status == 2
    issue_one(dist, quota, cust.domain_id, "0.07")
    assert quota_balance(dist, quota) == D("12345678.70")
    assert customer_coupon_value(customers.principal(cust)) == D("0.21")
    big = issue_one(dist, quota, cust.domain_id, "12345678.69")
    assert dec(find_coupon(dist, big).face_value) == D("12345678.69")
    assert quota_balance(dist, quota) == D("0.01")
    reclaim_coupon(dist, past)
    assert quota_balance(dist, quota) == D("0.08")


# ================================================================= ReclaimPartnerCoupons

def test_reclaim_coupon(dist_with_quota, customers, signed_request):
    dist, quota, c1, c2 = dist_with_quota
    a = issue_one(dist, quota, c1.domain_id, "100.10")
    b = issue_one(dist, quota, c1.domain_id, "0.05")
    assert quota_balance(dist, quota) == D("899.85")
    cp = customers.principal(c1)
    assert customer_coupon_value(cp) == D("100.15")

    r = dist.signed("POST", COUPONS_RECLAIM, {"coupon_id": a})
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert quota_balance(dist, quota) == D("999.95")
    c = find_coupon(dist, a)
    assert c.status == 5
    assert customer_coupon_value(cp) == D("0.05")
    rec = coupon_records(dist, operation_types=["2"])
    assert rec.total_count == 1
    assert (rec.records[0].coupon_id, rec.records[0].customer_id, dec(rec.records[0].operation_amount),
            rec.records[0].result, rec.records[0].quota_id) == (a, c1.domain_id, D("100.10"), "0", quota)

    expect_sdk_error(lambda: reclaim_coupon(dist, a), 400, "CBC.99000048")
    reclaim_coupon(dist, b)
    assert customer_coupon_value(cp) is None
    assert quota_balance(dist, quota) == D("1000.00")

    expect_sdk_error(lambda: reclaim_coupon(dist, NO_ID), 400, "CBC.0100")
    expect_sdk_error(lambda: reclaim_coupon(dist, ""), 400, "CBC.0100")
    c2_coupon = issue_one(dist, quota, c2.domain_id, "1")
    expect_sdk_error(lambda: reclaim_coupon(dist, c2_coupon, indirect=""), 400, "CBC.0100")
    r = dist.signed("POST", COUPONS_RECLAIM, {"coupon_id": c2_coupon, "indirect_partner_id": ""})
    assert_error(r, 400, "CBC.0100")
    r = dist.signed("POST", COUPONS_RECLAIM, {})
    assert_error(r, 400, "CBC.0100")
    assert find_coupon(dist, c2_coupon).status == 2
    assert quota_balance(dist, quota) == D("999.00")


def test_reclaim_reseller_coupon_needs_indirect(partners, customers, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    other_res = partners.reseller(partners.distributor())
    parent = grant_quota(cli, dist.domain_id, "100")["quota_id"]
    child = grant_child(dist, parent, res.domain_id, "50")
    rc = customers.create(res)
    coupon = issue_one(dist, child, rc.domain_id, "20", indirect_partner_id=res.domain_id)
    # the coupon belongs to the reseller's book, not the distributor's
    expect_sdk_error(lambda: reclaim_coupon(dist, coupon), 400, "CBC.0100")
    expect_sdk_error(lambda: reclaim_coupon(dist, coupon, indirect=other_res.domain_id), 400, "CBC.99000037")
    expect_sdk_error(lambda: reclaim_coupon(dist, coupon, indirect=NO_ID), 400, "CBC.99000037")
    assert list_coupons(dist).total_count == 0
    assert find_coupon(dist, coupon, indirect=res.domain_id).status == 2
    reclaim_coupon(dist, coupon, indirect=res.domain_id)
    assert quota_balance(dist, child, indirect=res.domain_id) == D("50")
    assert quota_balance(dist, parent) == D("50")


# ================================================================= ListIssuedPartnerCoupons

def test_list_coupons_filters_and_paging(partners, customers, cli):
    dist = partners.solution_provider()
    c1, c2 = customers.create(dist), customers.create(dist)
    quota = grant_quota(cli, dist.domain_id, "1000", expires=in_days(60))["quota_id"]
    early = [issue_one(dist, quota, c1.domain_id, "1"), issue_one(dist, quota, c2.domain_id, "2")]
    time.sleep(1.2)
    mid = utc(now_utc())
    time.sleep(1.2)
    later_start = utc(now_utc() + dt.timedelta(days=2))
    later_end = utc(now_utc() + dt.timedelta(days=20))
    future = issue_one(dist, quota, c1.domain_id, "3", valid_time=later_start, expire_time=later_end)
    reclaimed = issue_one(dist, quota, c2.domain_id, "4")
    reclaim_coupon(dist, reclaimed)
    plain = issue_one(dist, quota, c1.domain_id, "5")
    all_ids = set(early) | {future, reclaimed, plain}

    assert list_coupons(dist).total_count == 5
    assert {c.coupon_id for c in list_coupons(dist, customer_id=c1.domain_id).user_coupons} == \
        {early[0], future, plain}
    assert list_coupons(dist, customer_id=NO_ID).total_count == 0
    assert list_coupons(dist, coupon_id=NO_ID).total_count == 0
    assert {c.coupon_id for c in list_coupons(dist, status=2).user_coupons} == set(early) | {plain}
    assert [c.coupon_id for c in list_coupons(dist, status=1).user_coupons] == [future]
    assert [c.coupon_id for c in list_coupons(dist, status=5).user_coupons] == [reclaimed]
    assert list_coupons(dist, status=4).total_count == 0
    assert list_coupons(dist, status=3).total_count == 0
    assert list_coupons(dist, coupon_type=1).total_count == 5
    assert list_coupons(dist, coupon_type=4).total_count == 0
    for bad in (dict(coupon_type=2), dict(coupon_type=0), dict(status=0), dict(status=6),
                dict(limit=0), dict(limit=101), dict(offset=-1)):
        expect_sdk_error(lambda: list_coupons(dist, **bad), 400, "CBC.0100")

    for key in ("customer_id", "coupon_id", "create_time_begin", "expire_time_end"):
        r = dist.signed("GET", COUPONS, query={key: ""})
        assert r.status_code == 200, (key, r.text)
        assert r.json()["total_count"] == 5, (key, r.text)
    for key in ("create_time_begin", "effective_time_end", "expire_time_begin"):
        expect_sdk_error(lambda: list_coupons(dist, **{key: "2024-01-01 00:00:00"}), 400, "CBC.0100")
    got = list_coupons(dist, create_time_begin=mid, limit=100)
    assert {c.coupon_id for c in got.user_coupons} == {future, reclaimed, plain}
    got = list_coupons(dist, create_time_end=mid, limit=100)
    assert {c.coupon_id for c in got.user_coupons} == set(early)
    got = list_coupons(dist, effective_time_begin=utc(now_utc() + dt.timedelta(days=1)))
    assert [c.coupon_id for c in got.user_coupons] == [future]
    got = list_coupons(dist, effective_time_end=utc(now_utc() + dt.timedelta(days=1)), limit=100)
    assert got.total_count == 4 and future not in {c.coupon_id for c in got.user_coupons}
    got = list_coupons(dist, expire_time_end=utc(now_utc() + dt.timedelta(days=30)))
    assert [c.coupon_id for c in got.user_coupons] == [future]
    got = list_coupons(dist, expire_time_begin=utc(now_utc() + dt.timedelta(days=30)), limit=100)
    assert got.total_count == 4

    seen = []
    for offset in (0, 2, 4):
        page = list_coupons(dist, offset=offset, limit=2)
        assert page.total_count == 5 and len(page.user_coupons) == (2 if offset < 4 else 1)
        seen += [c.coupon_id for c in page.user_coupons]
    assert sorted(seen) == sorted(all_ids)
    page = list_coupons(dist, offset=5, limit=100)
    assert page.total_count == 5 and not page.user_coupons
    # the reclaimed coupon keeps its face value; its balance is gone
    r = find_coupon(dist, reclaimed)
    assert dec(r.face_value) == D("4")


def test_expired_quota_and_coupon(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    parent = partners.distributor()
    res = partners.reseller(parent)
    expires = now_utc() + dt.timedelta(seconds=6)
    quota = grant_quota(cli, dist.domain_id, "100", expires=utc(expires))["quota_id"]
    parent_quota = grant_quota(cli, parent.domain_id, "100", expires=utc(expires))["quota_id"]
    coupon = issue_one(dist, quota, cust.domain_id, "10")
    cp = customers.principal(cust)
    assert customer_coupon_value(cp) == D("10")
    while now_utc() <= expires + dt.timedelta(seconds=1):
        time.sleep(0.5)
    q = find_quota(dist, quota)
    assert q.quota_status == 3
    assert list_quotas(dist, quota_status_list=[3]).total_count == 1
    assert list_quotas(dist, quota_status_list=[0]).total_count == 0
    assert find_coupon(dist, coupon).status == 4
    assert [c.coupon_id for c in list_coupons(dist, status=4).user_coupons] == [coupon]
    assert list_coupons(dist, status=2).total_count == 0
    assert customer_coupon_value(cp) is None
    expect_sdk_error(lambda: issue(dist, quota, [cust.domain_id], "1"), 400, "CBC.99000017")
    expect_sdk_error(lambda: reclaim_coupon(dist, coupon), 400, "CBC.99000048")
    expect_sdk_error(lambda: grant_children(parent, parent_quota, [res.domain_id], "1"), 400, "CBC.99000012")
    assert find_quota(parent, parent_quota).quota_status == 3
    assert dec(find_quota(dist, quota).balance) == D("90")


# ================================================================= ListPartnerCouponsRecord

def test_coupon_records_filters(partners, customers, cli):
    sp = partners.solution_provider()
    c1, c2 = customers.create(sp), customers.create(sp)
    q1 = grant_quota(cli, sp.domain_id, "100")["quota_id"]
    q2 = grant_quota(cli, sp.domain_id, "100")["quota_id"]
    t0 = utc(now_utc() - dt.timedelta(seconds=1))
    a = issue_one(sp, q1, c1.domain_id, "1")
    b = issue_one(sp, q2, c2.domain_id, "2")
    reclaim_coupon(sp, a)
    time.sleep(1.2)
    mid = utc(now_utc())
    time.sleep(1.2)
    c = issue_one(sp, q2, c1.domain_id, "3")

    assert coupon_records(sp).total_count == 4
    assert coupon_records(sp, operation_types=["1"]).total_count == 3
    assert coupon_records(sp, operation_types=["2"]).total_count == 1
    assert coupon_records(sp, operation_types=["1", "2"]).total_count == 4
    assert coupon_records(sp, operation_types=["3"]).total_count == 0
    r = sp.signed("GET", COUPON_RECORDS, query={"operation_types": ""})
    assert r.status_code == 200, r.text
    assert r.json()["total_count"] == 0
    assert coupon_records(sp, quota_id=q1).total_count == 2
    assert coupon_records(sp, quota_id=q2).total_count == 2
    assert coupon_records(sp, coupon_ids=[a]).total_count == 2
    assert coupon_records(sp, coupon_ids=[b, c]).total_count == 2
    assert coupon_records(sp, customer_id=c1.domain_id).total_count == 3
    assert coupon_records(sp, customer_id=c2.domain_id, operation_types=["2"]).total_count == 0
    got = coupon_records(sp, operation_time_begin=mid)
    assert [x.coupon_id for x in got.records] == [c]
    got = coupon_records(sp, operation_time_begin=t0, operation_time_end=mid, limit=100)
    assert got.total_count == 3 and c not in {x.coupon_id for x in got.records}
    rec = coupon_records(sp, operation_types=["2"]).records[0]
    assert (rec.coupon_id, rec.quota_id, dec(rec.operation_amount), rec.customer_id) == \
        (a, q1, D("1"), c1.domain_id)

    seen = []
    for offset in (0, 3):
        page = coupon_records(sp, offset=offset, limit=3)
        assert page.total_count == 4 and len(page.records) == (3 if offset == 0 else 1)
        seen += [x.id for x in page.records]
    assert len(set(seen)) == 4
    for bad in (dict(limit=0), dict(limit=101), dict(offset=-1),
                dict(coupon_ids=[f"CP{i:018d}" for i in range(101)]),
                dict(operation_time_begin="2024-01-01")):
        expect_sdk_error(lambda: coupon_records(sp, **bad), 400, "CBC.0100")
    assert coupon_records(sp, coupon_ids=[a] + [f"CP{i:018d}" for i in range(99)]).total_count == 2


# ================================================================= customer balances

def test_customer_sees_usable_coupon_value(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    bystander = customers.create(dist)
    quota = grant_quota(cli, dist.domain_id, "100")["quota_id"]
    cp, bp = customers.principal(cust), customers.principal(bystander)
    assert customer_coupon_value(cp) is None
    a = issue_one(dist, quota, cust.domain_id, "10.10")
    issue_one(dist, quota, cust.domain_id, "5.45")
    assert customer_coupon_value(cp) == D("15.55")
    assert customer_coupon_value(bp) is None
    reclaim_coupon(dist, a)
    assert customer_coupon_value(cp) == D("5.45")
    resp = cp.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    entry = [b for b in resp.account_balances if b.account_type == 5][0]
    assert entry.currency == "CNY" and entry.measure_id == 1


# ================================================================= concurrency

def run_parallel(n: int, fn) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        barrier.wait()
        try:
            results[i] = ("ok", fn(i))
        except ServiceResponseException as e:
            results[i] = ("error", (e.status_code, e.error_code))
        except Exception as e:  # transport problems count against the server too
            results[i] = ("crash", repr(e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_concurrent_issue_never_overdraws(partners, customers, cli):
    dist = partners.solution_provider()
    quota = grant_quota(cli, dist.domain_id, "1000.00")["quota_id"]
    custs = [customers.create(dist) for _ in range(20)]
    clients = [make_client(dist.base_url, dist.access_key, dist.secret_key, dist.domain_id)
               for _ in range(20)]

    def one(i):
        return clients[i].create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
            quota_id=quota, customer_ids=[custs[i].domain_id], face_value=D("60"))))

    results = run_parallel(20, one)
    assert all(kind == "ok" for kind, _ in results), results
    issued = [r for _, r in results if r.coupon_infos]
    short = [r for _, r in results if r.error_details]
    assert len(issued) == 16 and len(short) == 4, results
    assert all(details(r) and set(details(r).values()) == {"CBC.99000013"} for r in short)
    assert quota_balance(dist, quota) == D("40.00")
    assert list_coupons(dist, limit=100).total_count == 16
    assert coupon_records(dist, result="0").total_count == 16


def test_concurrent_reclaim_of_one_coupon(dist_with_quota):
    dist, quota, c1, _ = dist_with_quota
    coupon = issue_one(dist, quota, c1.domain_id, "300")
    clients = [make_client(dist.base_url, dist.access_key, dist.secret_key, dist.domain_id)
               for _ in range(10)]
    results = run_parallel(10, lambda i: clients[i].reclaim_partner_coupons(ReclaimPartnerCouponsRequest(
        body=ReclaimPartnerCouponsReq(coupon_id=coupon))))
    ok = [r for kind, r in results if kind == "ok"]
    errs = [r for kind, r in results if kind == "error"]
    # the value comes back exactly once ...
    assert quota_balance(dist, quota) == D("1000.00")
    assert coupon_records(dist, operation_types=["2"]).total_count == 1
    assert find_coupon(dist, coupon).status == 5
    # ... and every loser is told the coupon is already reclaimed
    assert len(ok) == 1 and len(errs) == 9, results
    assert errs == [(400, "CBC.99000048")] * 9, results


def test_concurrent_child_grants_share_the_parent_quota(partners, cli):
    dist = partners.distributor()
    resellers = [partners.reseller(dist) for _ in range(12)]
    parent = grant_quota(cli, dist.domain_id, "1000.00")["quota_id"]
    clients = [make_client(dist.base_url, dist.access_key, dist.secret_key, dist.domain_id)
               for _ in range(12)]

    # A distributor's own quota goes only to its resellers (it has no direct customers):
    # twelve concurrent grants of 100 from 1000, so ten fit and two find the quota short.
    def one(i):
        return clients[i].update_coupon_quotas(UpdateCouponQuotasRequest(body=AdjustCouponQuotasReq(
            quota_id=parent, indirect_partner_ids=[resellers[i].domain_id], quota_amount=D("100"))))

    results = run_parallel(12, one)
    assert all(kind == "ok" for kind, _ in results), results
    grants = sum(len(r.simple_quota_infos or []) for _, r in results)
    shorts = [code for _, r in results for code in details(r).values()]
    assert grants == 10 and len(shorts) == 2, results
    assert set(shorts) == {"CBC.99000013"}
    assert quota_balance(dist, parent) == D("0.00")
    assert issued_quotas(dist).total_count == grants


def test_concurrent_reclaims_of_one_child_quota(partners, cli):
    dist = partners.distributor()
    res = partners.reseller(dist)
    parent = grant_quota(cli, dist.domain_id, "1000.00")["quota_id"]
    child = grant_child(dist, parent, res.domain_id, "250.00")
    clients = [make_client(dist.base_url, dist.access_key, dist.secret_key, dist.domain_id)
               for _ in range(6)]
    results = run_parallel(6, lambda i: clients[i].reclaim_coupon_quotas(ReclaimCouponQuotasRequest(
        body=ReclaimCouponQuotasReq(quota_ids=[child]))))
    assert quota_balance(dist, parent) == D("1000.00")
    recs = quota_records(dist, quota_id=child, operation_type="11").records
    assert [dec(r.amount) for r in recs] == [D("250.00")], (recs, results)
    assert all(kind == "ok" for kind, _ in results), results
    resps = [r for _, r in results]
    assert sum(1 for r in resps if r.simple_quota_infos) == 1, resps
    assert sum(1 for r in resps if details(r) == {child: "CBC.99000012"}) == 5, resps


def test_concurrent_child_reclaim_against_issues(partners, customers, cli):
    """Issues from a child quota race its reclaim: value is neither lost nor doubled."""
    dist = partners.distributor()
    res = partners.reseller(dist)
    parent = grant_quota(cli, dist.domain_id, "1000.00")["quota_id"]
    child = grant_child(dist, parent, res.domain_id, "100.00")
    custs = [customers.create(res) for _ in range(8)]
    clients = [make_client(dist.base_url, dist.access_key, dist.secret_key, dist.domain_id)
               for _ in range(11)]

    def one(i):
        if i < 8:
            return clients[i].create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
                quota_id=child, customer_ids=[custs[i].domain_id], face_value=D("10"),
                indirect_partner_id=res.domain_id)))
        return clients[i].reclaim_coupon_quotas(ReclaimCouponQuotasRequest(
            body=ReclaimCouponQuotasReq(quota_ids=[child])))

    results = run_parallel(11, one)
    assert not [r for kind, r in results if kind == "crash"], results
    coupons = list_coupons(dist, indirect_partner_id=res.domain_id, limit=100).user_coupons
    iq = issued_quotas(dist, quota_id=child).quotas[0]
    # conservation first: parent + child + coupons is what the parent started with
    assert quota_balance(dist, parent) + dec(iq.balance) + sum(dec(c.balance) for c in coupons) \
        == D("1000.00"), (results, iq)
    # in any serial order an issue either succeeds (before the reclaim) or finds the
    # child quota gone (after it): 10 x 8 never exhausts 100
    issued = [r for kind, r in results[:8] if kind == "ok" and r.coupon_infos]
    short = [r for kind, r in results[:8] if kind == "ok" and not r.coupon_infos]
    refused = [r for kind, r in results[:8] if kind == "error"]
    assert not short, short
    assert all(len(r.coupon_infos) == 1 and not r.error_details for r in issued), issued
    assert set(refused) <= {(400, "CBC.99000012")}, refused
    assert all(kind == "ok" for kind, _ in results[8:]), results[8:]
    reclaims = [r for _, r in results[8:]]
    won = [r for r in reclaims if r.simple_quota_infos]
    assert len(won) == 1, reclaims
    assert sum(1 for r in reclaims if details(r) == {child: "CBC.99000012"}) == 2
    k = len(issued)
    assert len(coupons) == k
    assert quota_balance(dist, parent) == D("1000.00") - D("10") * k
    assert iq.quota_status == 6 and dec(iq.balance) == 0
    recs = quota_records(dist, quota_id=child, operation_type="11").records
    assert len(recs) == 1 and dec(recs[0].amount) == D("100.00") - D("10") * k


# ================================================================= tenancy

@pytest.fixture(scope="module")
def world(partners, customers, cli):
    """Three solution providers (A, B, S), each with a quota, a customer and a coupon of
    10.00; two distributors (DA, DB) with a quota each and a reseller each (A1, B1), which
    holds a child quota, a customer and a coupon of 10.00. (A distributor has no direct
    customers: it issues only for its resellers.)"""
    w = {}
    for name in ("A", "B", "S"):
        p = partners.solution_provider()
        q = grant_quota(cli, p.domain_id, "1000.00")["quota_id"]
        c = customers.create(p)
        w[name] = dict(p=p, quota=q, cust=c, coupon=issue_one(p, q, c.domain_id, "10"))
    for name in ("DA", "DB"):
        p = partners.distributor()
        w[name] = dict(p=p, quota=grant_quota(cli, p.domain_id, "1000.00")["quota_id"])
    for name, parent in (("A1", "DA"), ("B1", "DB")):
        d = w[parent]["p"]
        r = partners.reseller(d)
        q = grant_child(d, w[parent]["quota"], r.domain_id, "100.00")
        c = customers.create(r)
        w[name] = dict(p=r, parent=parent, quota=q, cust=c,
                       coupon=issue_one(d, q, c.domain_id, "10", indirect_partner_id=r.domain_id))
    return w


ISSUERS = ("A", "B", "S")


def victims(w, attacker):
    """Books with a customer and a coupon that are not the attacker's own."""
    return [k for k in w if k != attacker and "cust" in w[k]]


def snapshot(w) -> dict:
    out = {}
    for k in ("A", "B", "S", "DA", "DB"):
        out[k] = quota_balance(w[k]["p"], w[k]["quota"])
    for k in ("A1", "B1"):
        d = w[w[k]["parent"]]["p"]
        out[k] = quota_balance(d, w[k]["quota"], indirect=w[k]["p"].domain_id)
    return out


@pytest.mark.parametrize("attacker", ISSUERS)
def test_tenancy_issue_from_foreign_quota(world, attacker):
    w = world
    me = w[attacker]
    before = snapshot(w)
    ref = expect_sdk_error(lambda: issue(me["p"], NO_ID, [me["cust"].domain_id], "1"), 400, "CBC.99000012")
    for v in victims(w, attacker):
        e = expect_sdk_error(lambda: issue(me["p"], w[v]["quota"], [me["cust"].domain_id], "1"),
                             400, "CBC.99000012")
        assert e.error_msg == ref.error_msg, (v, e.error_msg, ref.error_msg)
    assert snapshot(w) == before
    assert list_coupons(me["p"], customer_id=me["cust"].domain_id).total_count == 1


@pytest.mark.parametrize("attacker", ISSUERS)
def test_tenancy_issue_to_foreign_customer(world, attacker):
    w = world
    me = w[attacker]
    before = snapshot(w)
    foreign = [w[v]["cust"].domain_id for v in victims(w, attacker)]
    resp = issue(me["p"], me["quota"], foreign + [NO_ID], "1")
    assert not resp.coupon_infos, resp
    assert details(resp) == {cid: "CBC.99000035" for cid in foreign + [NO_ID]}
    msgs = {e.error_msg for e in resp.error_details}
    assert len(msgs) == 1, msgs  # nothing tells a foreign customer from a nonexistent one
    assert snapshot(w) == before


@pytest.mark.parametrize("attacker", ISSUERS)
def test_tenancy_reclaim_foreign_coupon(world, attacker):
    w = world
    me = w[attacker]
    before = snapshot(w)
    ref = expect_sdk_error(lambda: reclaim_coupon(me["p"], NO_ID), 400, "CBC.0100")
    for v in victims(w, attacker):
        e = expect_sdk_error(lambda: reclaim_coupon(me["p"], w[v]["coupon"]), 400, "CBC.0100")
        assert e.error_msg == ref.error_msg, (v, e.error_msg, ref.error_msg)
    assert snapshot(w) == before
    for v in ("A", "B", "S"):
        assert find_coupon(w[v]["p"], w[v]["coupon"]).status == 2
    for v in ("A1", "B1"):
        assert find_coupon(w[w[v]["parent"]]["p"], w[v]["coupon"],
                           indirect=w[v]["p"].domain_id).status == 2


@pytest.mark.parametrize("attacker", ISSUERS)
def test_tenancy_reads_see_only_own_book(world, attacker):
    w = world
    me = w[attacker]
    p = me["p"]
    assert [q.quota_id for q in list_quotas(p).quotas] == [me["quota"]]
    assert [c.coupon_id for c in list_coupons(p).user_coupons] == [me["coupon"]]
    # failed attempts of other tests here are the attacker's own records; look at successes
    assert {r.coupon_id for r in coupon_records(p, result="0").records} == {me["coupon"]}
    for v in victims(w, attacker):
        assert list_quotas(p, quota_ids=[w[v]["quota"]]).total_count == 0
        assert list_coupons(p, coupon_id=w[v]["coupon"]).total_count == 0
        assert list_coupons(p, customer_id=w[v]["cust"].domain_id).total_count == 0
        assert coupon_records(p, coupon_ids=[w[v]["coupon"]]).total_count == 0
        assert coupon_records(p, customer_id=w[v]["cust"].domain_id, result="0").total_count == 0
        assert coupon_records(p, quota_id=w[v]["quota"]).total_count == 0


@pytest.mark.parametrize("attacker,own_res,foreign_res", [("DA", "A1", "B1"), ("DB", "B1", "A1")])
def test_tenancy_indirect_scope(world, attacker, own_res, foreign_res):
    w = world
    d = w[attacker]["p"]
    mine = w[own_res]["p"].domain_id
    theirs = w[foreign_res]["p"].domain_id
    before = snapshot(w)
    for rid in (theirs, NO_ID):
        expect_sdk_error(lambda: list_quotas(d, indirect_partner_id=rid), 400, "CBC.99000037")
        expect_sdk_error(lambda: list_coupons(d, indirect_partner_id=rid), 400, "CBC.99000037")
        expect_sdk_error(lambda: coupon_records(d, indirect_partner_id=rid), 400, "CBC.99000037")
        expect_sdk_error(lambda: issue(d, w[foreign_res]["quota"], [w[foreign_res]["cust"].domain_id], "1",
                                       indirect_partner_id=rid), 400, "CBC.99000037")
        expect_sdk_error(lambda: reclaim_coupon(d, w[foreign_res]["coupon"], indirect=rid),
                         400, "CBC.99000037")
    # own reseller's scope holds exactly the reseller's book
    assert [q.quota_id for q in list_quotas(d, indirect_partner_id=mine).quotas] == [w[own_res]["quota"]]
    assert [c.coupon_id for c in list_coupons(d, indirect_partner_id=mine).user_coupons] == \
        [w[own_res]["coupon"]]
    assert {r.coupon_id for r in coupon_records(d, indirect_partner_id=mine).records} == \
        {w[own_res]["coupon"]}
    # ... and the foreign reseller's objects are unknown inside it
    expect_sdk_error(lambda: issue(d, w[foreign_res]["quota"], [w[own_res]["cust"].domain_id], "1",
                                   indirect_partner_id=mine), 400, "CBC.99000012")
    resp = issue(d, w[own_res]["quota"], [w[foreign_res]["cust"].domain_id], "1", indirect_partner_id=mine)
    assert details(resp) == {w[foreign_res]["cust"].domain_id: "CBC.99000035"} and not resp.coupon_infos
    expect_sdk_error(lambda: reclaim_coupon(d, w[foreign_res]["coupon"], indirect=mine), 400, "CBC.0100")
    assert list_coupons(d, indirect_partner_id=mine, coupon_id=w[foreign_res]["coupon"]).total_count == 0

    # distributor-only quota APIs
    resp = grant_children(d, w[attacker]["quota"], [theirs], "1")
    assert details(resp) == {theirs: "CBC.99000037"} and not resp.simple_quota_infos
    resp = reclaim_children(d, [w[foreign_res]["quota"]])
    assert details(resp) == {w[foreign_res]["quota"]: "CBC.99000012"} and not resp.simple_quota_infos
    assert issued_quotas(d, quota_id=w[foreign_res]["quota"]).total_count == 0
    assert quota_records(d, quota_id=w[foreign_res]["quota"]).total_count == 0
    assert [q.quota_id for q in issued_quotas(d).quotas] == [w[own_res]["quota"]]
    assert {r.quota_id for r in quota_records(d).records} == {w[own_res]["quota"]}
    for call in (lambda: issued_quotas(d, indirect_partner_id=theirs),
                 lambda: quota_records(d, indirect_partner_id=theirs)):
        try:
            assert call().total_count == 0
        except ServiceResponseException as e:
            assert (e.status_code, e.error_code) == (400, "CBC.99000037"), e
    assert snapshot(w) == before


@pytest.mark.parametrize("who", ["A1", "B1", "cust"])
def test_tenancy_resellers_and_customers_are_refused(world, customers, who):
    w = world
    if who == "cust":
        caller = customers.principal(w["A"]["cust"])
    else:
        caller = w[who]["p"]
    target = w["A"]
    calls = [
        lambda: list_quotas(caller),
        lambda: issue(caller, w[who]["quota"] if who != "cust" else target["quota"],
                      [w[who]["cust"].domain_id if who != "cust" else target["cust"].domain_id], "1"),
        lambda: reclaim_coupon(caller, w[who]["coupon"] if who != "cust" else target["coupon"]),
        lambda: list_coupons(caller),
        lambda: coupon_records(caller),
        lambda: grant_children(caller, target["quota"], [w["A1"]["p"].domain_id], "1"),
        lambda: reclaim_children(caller, [w["A1"]["quota"]]),
        lambda: issued_quotas(caller),
        lambda: quota_records(caller),
    ]
    before = snapshot(w)
    for call in calls:
        expect_sdk_error(call, 403, "CBC.0151")
    assert snapshot(w) == before
