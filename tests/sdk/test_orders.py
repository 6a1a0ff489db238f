"""Yearly/monthly orders: placed by the operator (standing in for a console purchase), paid or
cancelled by the customer, read by the customer and its partner.

Covers `admin order create|show|list`, POST/GET /operator/v1/orders, ListCustomerOrders,
ShowCustomerOrderDetails, PayOrders, CancelCustomerOrder, ListOrderCouponsByOrderId and
ListOrderDiscounts. Every expected amount is computed here from the default price book with
Decimal; balances, resources and `ledger verify` are checked after each payment.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Optional

import pytest

from huaweicloudsdkbss.v2 import (
    CancelCustomerOrderReq,
    CancelCustomerOrderRequest,
    CouponSimpleInfoOrderPayV3,
    CreatePartnerCouponsReq,
    CreatePartnerCouponsRequest,
    DiscountSimpleInfoV3,
    ListCustomerOrdersRequest,
    ListOrderCouponsByOrderIdRequest,
    ListOrderDiscountsRequest,
    ListPayPerUseCustomerResourcesRequest,
    PayCustomerOrderV3Req,
    PayOrdersRequest,
    QueryResourcesReq,
    ShowCustomerAccountBalancesRequest,
    ShowCustomerOrderDetailsRequest,
)

from conftest import Cli, CustomerFactory, PartnerFactory, assert_error, expect_sdk_error, sign_and_send
from funds_support import fund, grant, verify_ledger

D = Decimal
EC2, VM = "hws.service.type.ec2", "hws.resource.type.vm"
EBS, VOLUME = "hws.service.type.ebs", "hws.resource.type.volume"
REGION = "cn-north-4"
SMALL_MONTH, SMALL_YEAR = D("28.20"), D("287.64")
SATA_MONTH = D("0.30")  # per GB
BEIJING = dt.timezone(dt.timedelta(hours=8))


def q2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def parse_utc(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def small(item_id: str = "1", *, period_type: int = 2, period_num: int = 1, count: int = 1) -> dict:
    return {"id": item_id, "cloud_service_type": EC2, "resource_type": VM, "resource_spec": "s6.small.1.linux",
            "region": REGION, "period_type": period_type, "period_num": period_num, "subscription_num": count}


def sata(item_id: str = "2", *, size: int = 40, period_num: int = 1) -> dict:
    return {"id": item_id, "cloud_service_type": EBS, "resource_type": VOLUME, "resource_spec": "SATA",
            "region": REGION, "period_type": 2, "period_num": period_num, "subscription_num": 1,
            "resource_size": size, "size_measure_id": 17}


class World:
    def __init__(self, srv, cli: Cli, partners: PartnerFactory, tmp: Path):
        self.srv, self.cli, self.partners, self.tmp = srv, cli, partners, tmp
        self.customers = CustomerFactory(partners)
        self.operator = cli("admin", "key", "create", "--operator", "--json")
        self.sp = partners.solution_provider()
        fund(cli, self.sp.domain_id, "100000")
        self.n = 0

    def customer(self, partner=None, referral: bool = False, cash: Optional[str] = None):
        partner = partner or self.sp
        c = self.customers.create(partner, cooperation_type="1" if referral else None)
        p = self.customers.principal(c)
        if cash is not None:
            if referral:
                self.cli("admin", "customer", "top-up", "--customer-id", c.domain_id, "--amount", cash, "--json")
            else:
                grant(partner, c.domain_id, cash)
        return c, p

    def order(self, customer_id: str, *items: dict, pay: bool = False) -> dict:
        self.n += 1
        path = self.tmp / f"order{self.n}.json"
        path.write_text(json.dumps({"product_infos": list(items)}))
        args = ["admin", "order", "create", "--customer-id", customer_id, "--file", str(path), "--json"]
        return self.cli(*(args + (["--pay"] if pay else [])))

    def op(self, method: str, path: str, body: Any = None, query: Optional[dict] = None):
        return sign_and_send(self.srv.base_url, method, path, self.operator["access_key"], self.operator["secret_key"],
                             body=body, query=query)

    def now(self) -> dt.datetime:
        return parse_utc(self.cli("admin", "clock", "show", "--json")["now"])


@pytest.fixture(scope="module")
def world(start_server, binary, tmp_path_factory):
    srv = start_server("orders", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    w = World(srv, cli, PartnerFactory(cli, srv.base_url), tmp_path_factory.mktemp("orders"))
    yield w
    cli("admin", "clock", "reset", "--json")


def show(principal, order_id: str, **kw):
    return principal.client.show_customer_order_details(ShowCustomerOrderDetailsRequest(order_id=order_id, **kw))


def orders_of(principal, **kw):
    return principal.client.list_customer_orders(ListCustomerOrdersRequest(**kw))


def pay(principal, order_id: str, coupons: Optional[list] = None, discount: Optional[tuple] = None):
    body = PayCustomerOrderV3Req(order_id=order_id, use_coupon="YES" if coupons else "NO", use_discount="YES" if discount else "NO")
    if coupons:
        body.coupon_infos = [CouponSimpleInfoOrderPayV3(id=c, type=t) for c, t in coupons]
    if discount:
        body.discount_infos = [DiscountSimpleInfoV3(id=discount[0], type=discount[1])]
    return principal.client.pay_orders(PayOrdersRequest(body=body))


def cash_of(principal) -> Decimal:
    resp = principal.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    return sum((D(str(b.amount)) for b in resp.account_balances if b.account_type == 1), D(0))


def resources_of(principal, order_id: str) -> list:
    resp = principal.client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(order_id=order_id, limit=100)))
    return resp.data or []


def expiry_after(start: dt.datetime, months: int) -> str:
    day = start.astimezone(BEIJING).date()
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    import calendar
    d = min(day.day, calendar.monthrange(year, month)[1])
    return f"{dt.date(year, month, d).isoformat()}T15:59:59Z"


# ------------------------------------------------------------------------------ placing

def test_a_placed_order_waits_seven_days_for_payment_at_list_prices(world):
    cust, me = world.customer()
    before = world.now()
    out = world.order(cust.domain_id, small(period_num=2), sata(size=40))
    official = SMALL_MONTH * 2 + SATA_MONTH * 40
    assert out["status"] == 6 and out["order_type"] == 1, out
    assert out["order_id"].startswith("CS") and len(out["order_id"]) == 17, out
    assert D(str(out["official_amount"])) == official
    # A reseller-model customer has no partner discount on orders.
    assert D(str(out["amount_after_discount"])) == official == D(str(out["amount"]))
    assert out["amount_info"]["discounts"] == []
    assert out["customer_id"] == cust.domain_id and out["service_type_code"] == EC2
    deadline = parse_utc(out["pending_payment_end_time"])
    created = parse_utc(out["create_time"])
    assert deadline - created == dt.timedelta(days=7)
    assert abs((created - before).total_seconds()) < 120
    assert [l["official_amount"] for l in out["order_line_items"]] == [float(SMALL_MONTH * 2), float(SATA_MONTH * 40)]

    d = show(me, out["order_id"])
    assert d.total_count == 2
    assert d.order_info.status == 6 and d.order_info.user_name == cust.domain_name
    assert d.order_info.pending_payment_end_time == out["pending_payment_end_time"]
    items = {i.product_spec_desc.split("|")[0]: i for i in d.order_line_items}
    assert items["s6.small.1.linux"].period_type == 2 and items["s6.small.1.linux"].period_num == 2
    assert items["SATA"].product_spec_desc == "SATA|40" and items["SATA"].commercial_resource == VOLUME
    assert all(i.order_id == out["order_id"] for i in d.order_line_items)
    # Paging walks the line items, not the orders.
    page = show(me, out["order_id"], offset=1, limit=1)
    assert page.total_count == 2 and len(page.order_line_items) == 1
    # Nothing is provisioned before payment.
    assert resources_of(me, out["order_id"]) == []


def test_an_order_for_an_unknown_product_or_customer_is_refused(world):
    cust, _ = world.customer()
    bad = dict(small(), resource_spec="no.such.spec")
    proc = world.cli.run("admin", "order", "create", "--customer-id", cust.domain_id, "--file",
                         str(_write(world, {"product_infos": [bad]})))
    assert proc.returncode == 1 and "CBC.99006006" in proc.stderr, proc.stderr
    proc = world.cli.run("admin", "order", "create", "--customer-id", "0" * 32, "--file",
                         str(_write(world, {"product_infos": [small()]})))
    assert proc.returncode == 1 and "does not exist" in proc.stderr, proc.stderr
    for item, field in ((dict(small(), period_type=0), "period_type"), (dict(small(), period_num=12), "period_num"),
                        (dict(small(), period_type=3, period_num=6), "period_num")):
        resp = world.op("POST", "/operator/v1/orders", {"customer_id": cust.domain_id, "product_infos": [item]})
        err = assert_error(resp, 400, "CBC.0100")
        assert field in err["error_msg"], err
    resp = world.op("POST", "/operator/v1/orders", {"customer_id": cust.domain_id, "product_infos": []})
    assert_error(resp, 400, "CBC.0100")
    assert world.cli("admin", "order", "list", "--customer-id", cust.domain_id, "--json")["orders"] == []


def _write(world, body: dict) -> Path:
    world.n += 1
    path = world.tmp / f"raw{world.n}.json"
    path.write_text(json.dumps(body))
    return path


# ------------------------------------------------------------------------------ paying

def test_paying_takes_cash_and_provisions_the_resources(world):
    cust, me = world.customer(cash="100")
    out = world.order(cust.domain_id, small(period_num=1, count=2))
    due = SMALL_MONTH * 2
    pay(me, out["order_id"])
    paid_at = world.now()
    assert cash_of(me) == D("100") - due
    d = show(me, out["order_id"])
    assert d.order_info.status == 5 and d.order_info.payment_time is not None
    assert d.order_info.pending_payment_end_time is None
    assert D(str(d.order_info.amount_after_discount)) == due
    res = resources_of(me, out["order_id"])
    assert len(res) == 2, res
    line = d.order_line_items[0]
    for r in res:
        assert r.resource_spec_code == "s6.small.1.linux" and r.status == 2
        assert r.expire_time == expiry_after(paid_at, 1) == line.expire_time
        assert r.effective_time == line.effective_time
    # Paying again: the order is no longer pending.
    expect_sdk_error(lambda: pay(me, out["order_id"]), 400, "CBC.99003106")
    assert cash_of(me) == D("100") - due
    verify_ledger(world.cli)


def test_not_enough_money_leaves_the_order_pending_and_nothing_moved(world):
    cust, me = world.customer(cash="20")
    out = world.order(cust.domain_id, small())
    expect_sdk_error(lambda: pay(me, out["order_id"]), 400, "CBC.99005003")
    assert cash_of(me) == D("20")
    assert show(me, out["order_id"]).order_info.status == 6
    assert resources_of(me, out["order_id"]) == []
    grant(world.sp, cust.domain_id, "8.20")
    pay(me, out["order_id"])
    assert cash_of(me) == D("0")
    assert show(me, out["order_id"]).order_info.status == 5
    verify_ledger(world.cli)


def test_an_order_paid_twice_at_once_is_paid_once(world):
    cust, me = world.customer(cash="500")
    out = world.order(cust.domain_id, small(period_type=3))
    results: list = []

    def attempt():
        try:
            pay(me, out["order_id"])
            results.append("ok")
        except Exception as e:  # the SDK's ServiceResponseException
            results.append(getattr(e, "error_code", repr(e)))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["CBC.99003106"] * 3 + ["ok"], results
    assert cash_of(me) == D("500") - SMALL_YEAR
    assert len(resources_of(me, out["order_id"])) == 1
    verify_ledger(world.cli)


def test_paying_and_cancelling_at_once_leaves_one_outcome(world):
    cust, me = world.customer(cash="100")
    for _ in range(3):
        out = world.order(cust.domain_id, small())
        results: dict = {}

        def do(name, call):
            try:
                call()
                results[name] = "ok"
            except Exception as e:
                results[name] = getattr(e, "error_code", repr(e))

        a = threading.Thread(target=do, args=("pay", lambda: pay(me, out["order_id"])))
        b = threading.Thread(target=do, args=("cancel", lambda: me.client.cancel_customer_order(
            CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=out["order_id"])))))
        a.start(); b.start(); a.join(); b.join()
        status = show(me, out["order_id"]).order_info.status
        if results["pay"] == "ok":
            assert results["cancel"] == "CBC.99005010" and status == 5, results
        else:
            assert results == {"pay": "CBC.99003106", "cancel": "ok"} and status == 4, results
    verify_ledger(world.cli)


def test_cancel_and_the_payment_deadline(world):
    cust, me = world.customer(cash="100")
    a = world.order(cust.domain_id, small())
    me.client.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=a["order_id"])))
    assert show(me, a["order_id"]).order_info.status == 4
    expect_sdk_error(lambda: me.client.cancel_customer_order(
        CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=a["order_id"]))), 400, "CBC.99005010")
    expect_sdk_error(lambda: pay(me, a["order_id"]), 400, "CBC.99003106")

    b = world.order(cust.domain_id, small())
    world.cli("admin", "clock", "advance", "167h", "--json")
    assert show(me, b["order_id"]).order_info.status == 6
    world.cli("admin", "clock", "advance", "2h", "--json")
    info = show(me, b["order_id"]).order_info
    assert info.status == 4 and info.pending_payment_end_time is None
    assert [o.order_id for o in orders_of(me, status=4).order_infos] == [b["order_id"], a["order_id"]]
    expect_sdk_error(lambda: pay(me, b["order_id"]), 400, "CBC.99003110")
    expect_sdk_error(lambda: me.client.cancel_customer_order(
        CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=b["order_id"]))), 400, "CBC.99005010")
    assert cash_of(me) == D("100")
    world.cli("admin", "clock", "reset", "--json")


# ------------------------------------------------------------------------------ coupons and discounts

def test_coupons_pay_first_on_the_lines_they_allow(world):
    cust, me = world.customer(cash="100")
    quota = world.cli("admin", "quota", "grant", "--domain-id", world.sp.domain_id, "--amount", "100",
                      "--expires", "2099-12-31", "--json")["quota_id"]

    def issue(face: str, **kw) -> str:
        resp = world.sp.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
            quota_id=quota, customer_ids=[cust.domain_id], face_value=D(face), **kw)))
        assert not resp.error_details, resp
        return resp.coupon_infos[0].coupon_id

    ec2_only = issue("10", cloud_service_types=[EC2])
    ebs_only = issue("50", cloud_service_types=[EBS])
    rds_only = issue("5", cloud_service_types=["hws.service.type.rds"])
    out = world.order(cust.domain_id, small(), sata(size=20))  # 28.20 + 6.00

    listed = me.client.list_order_coupons_by_order_id(ListOrderCouponsByOrderIdRequest(order_id=out["order_id"]))
    ids = {c.coupon_id: c for c in listed.user_coupons}
    assert set(ids) == {ec2_only, ebs_only}, listed  # the RDS coupon fits no line
    assert listed.count == 2
    assert all(c.coupon_type == 301 and c.status == 2 for c in listed.user_coupons)
    assert D(str(ids[ebs_only].balance)) == D("50")
    assert {(q.coupon_type, q.use_quantity_value) for q in listed.coupon_max_use_quantity} == {(301, 3), (302, 3)}

    expect_sdk_error(lambda: pay(me, out["order_id"], coupons=[(rds_only, 301)]), 400, "CBC.99003112")
    expect_sdk_error(lambda: pay(me, out["order_id"], coupons=[(ec2_only, 302)]), 400, "CBC.99003112")
    assert cash_of(me) == D("100")

    pay(me, out["order_id"], coupons=[(ec2_only, 301), (ebs_only, 301)])
    # 10 of the EC2 line, all 6.00 of the disk line; the rest of the EC2 line from cash.
    assert cash_of(me) == D("100") - (SMALL_MONTH - 10)
    d = show(me, out["order_id"])
    assert D(str(d.order_info.amount_info.coupon_amount)) == D("16")
    by_spec = {i.product_spec_desc.split("|")[0]: i for i in d.order_line_items}
    assert D(str(by_spec["s6.small.1.linux"].amount_info.coupon_amount)) == D("10")
    assert D(str(by_spec["SATA"].amount_info.coupon_amount)) == D("6")
    # The EC2 coupon is used up; 44 of the EBS one is left for the next order.
    again = world.order(cust.domain_id, sata(size=10))
    left = me.client.list_order_coupons_by_order_id(ListOrderCouponsByOrderIdRequest(order_id=again["order_id"])).user_coupons
    assert [(c.coupon_id, D(str(c.balance))) for c in left] == [(ebs_only, D("44"))]
    verify_ledger(world.cli)


def test_customers_list_their_own_coupons(world):
    from huaweicloudsdkbss.v2 import ListSubCustomerCouponsRequest

    def own(principal, **kw):
        return principal.client.list_sub_customer_coupons(ListSubCustomerCouponsRequest(**kw))

    cust, me = world.customer(cash="100")
    vouchers = world.cli("admin", "quota", "grant", "--domain-id", world.sp.domain_id, "--amount", "100", "--expires", "2099-12-31", "--json")["quota_id"]
    cash_coupons = world.cli("admin", "quota", "grant", "--domain-id", world.sp.domain_id, "--amount", "100", "--expires", "2099-12-31",
                             "--type", "1", "--json")["quota_id"]

    def issue(quota: str, face: str) -> str:
        resp = world.sp.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
            quota_id=quota, customer_ids=[cust.domain_id], face_value=D(face), cloud_service_types=[EC2])))
        assert not resp.error_details, resp
        return resp.coupon_infos[0].coupon_id

    voucher, cash_coupon = issue(vouchers, "10"), issue(cash_coupons, "5")
    got = own(me)
    assert got.count == 2 and {c.coupon_id for c in got.user_coupons} == {voucher, cash_coupon}, got
    by_id = {c.coupon_id: c for c in got.user_coupons}
    v = by_id[voucher]
    assert (v.coupon_code, v.status, v.customer_id, v.coupon_type, v.measure_id, v.coupon_version, v.currency, v.source_id) == (
        voucher, 2, cust.domain_id, 1, 1, 2, "CNY", world.sp.domain_id), v
    assert D(str(v.face_value)) == D(str(v.balance)) == 10 and v.order_id is None and v.reserve_time is None
    assert [(l.limit_key, l.value1) for l in v.use_limits] == [("cloudServiceType", EC2)], v
    assert by_id[cash_coupon].coupon_type == 4
    assert [c.coupon_id for c in own(me, coupon_type=4).user_coupons] == [cash_coupon]

    # An order paid with the voucher: found by the order, used up, when and where it was used.
    out = world.order(cust.domain_id, small())
    pay(me, out["order_id"], coupons=[(voucher, 301)])
    used = own(me, order_id=out["order_id"])
    assert [c.coupon_id for c in used.user_coupons] == [voucher] and used.count == 1
    assert used.user_coupons[0].order_id == out["order_id"] and used.user_coupons[0].reserve_time
    assert used.user_coupons[0].status == 3 and D(str(used.user_coupons[0].balance)) == 0
    assert [c.coupon_id for c in own(me, status=2).user_coupons] == [cash_coupon]
    # The partner finds the same coupon by the order in its issued list.
    from huaweicloudsdkbss.v2 import ListIssuedPartnerCouponsRequest
    issued = world.sp.client.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(order_id=out["order_id"]))
    assert [c.coupon_id for c in issued.user_coupons] == [voucher] and issued.total_count == 1
    assert own(me, source_id=world.sp.domain_id).count == 2 and own(me, source_id="someone-else").count == 0
    assert own(me, promotion_plan_id="PP1").count == 0
    assert own(me, limit=1, offset=1).count == 2 and len(own(me, limit=1, offset=1).user_coupons) == 1
    assert own(me, active_start_time="2099-01-01T00:00:00Z").count == 0

    # Usage fees take the EC2 cash coupon first: its ledger shows the spending as usage.
    begin = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    usage_file = world.tmp / "coupon-usage.jsonl"
    usage_file.write_text(json.dumps({
        "record_id": f"cu-{cust.domain_id[:8]}", "customer_id": cust.domain_id, "resource_id": "vm-usage", "cloud_service_type": EC2,
        "resource_type": VM, "resource_spec": "s6.small.1.linux", "region": REGION, "usage_type": "Duration", "usage_value": 2,
        "usage_measure_id": 4, "begin_time": begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_time": (begin + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")}) + "\n")
    assert world.cli("admin", "usage", "import", str(usage_file), "--json")["imported"] == 1
    from huaweicloudsdkbss.v2 import ListCustomerCouponChangeRecordsRequest
    lines = me.client.list_customer_coupon_change_records(ListCustomerCouponChangeRecordsRequest(
        balance_type="BALANCE_TYPE_COUPON", coupon_id=cash_coupon)).records
    assert [(r.trade_detail_type, D(r.change_amount), D(r.balance_after_change)) for r in reversed(lines)] == [
        ("SOURCE_OPERAIION_PRIZE", D("5"), D("5")), ("SOURCE_OPERAIION_USAGE", D("0.44"), D("4.56"))], lines
    assert lines[0].trade_id.startswith("CU") and lines[0].cloud_service_type_name is None
    assert D(str(own(me, coupon_id=cash_coupon).user_coupons[0].balance)) == D("4.56")

    # Nobody else sees them: another customer, the partner (it holds no coupons of its own).
    other, other_me = world.customer()
    assert own(other_me).count == 0 and own(other_me, coupon_id=voucher).count == 0
    assert own(world.sp).count == 0
    dist = world.partners.distributor()
    foreign = world.partners.reseller(world.partners.distributor())
    expect_sdk_error(lambda: own(dist, indirect_partner_id=foreign.domain_id), 400, "CBC.99000037")
    reseller = world.partners.reseller(dist)
    assert own(dist, indirect_partner_id=reseller.domain_id).count == 0
    assert reseller.signed("GET", "/v2/promotions/benefits/coupons").status_code == 403
    for query, field in (({"coupon_type": "5"}, "coupon_type"), ({"status": "0"}, "status"), ({"limit": "101"}, "limit"),
                         ({"offset": "-1"}, "offset"), ({"active_start_time": "2026-01-01"}, "active_start_time"),
                         ({"coupon_id": "x" * 65}, "coupon_id"), ({"source_id": "x" * 256}, "source_id")):
        err = assert_error(me.signed("GET", "/v2/promotions/benefits/coupons", query=query), 400, "CBC.0100")
        assert field in err["error_msg"], (query, err)
    verify_ledger(world.cli)


def test_referral_customers_choose_their_partner_discount(world):
    cust, me = world.customer(referral=True, cash="1000")
    world.cli("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", EC2, "--rate", "0.85",
              "--expires", "2099-12-31", "--json")
    out = world.order(cust.domain_id, small(period_num=3), sata(size=40))
    official = SMALL_MONTH * 3 + SATA_MONTH * 40
    ec2_after = q2(SMALL_MONTH * 3 * D("0.85"))
    assert D(str(out["official_amount"])) == official
    assert D(str(out["amount_after_discount"])) == ec2_after + SATA_MONTH * 40
    assert out["amount_info"]["discounts"] == [{"discount_type": "607", "discount_amount": float(SMALL_MONTH * 3 - ec2_after)}]

    listed = me.client.list_order_discounts(ListOrderDiscountsRequest(order_id=out["order_id"])).discounts
    assert len(listed) == 1 and listed[0].discount_type == 3 and listed[0].discount_value == "0.85"
    lines = listed[0].orders[0].order_line_items
    assert len(lines) == 1 and D(str(lines[0].discount_amount)) == SMALL_MONTH * 3 - ec2_after
    expect_sdk_error(lambda: pay(me, out["order_id"], discount=("nope", 3)), 400, "CBC.99003108")
    expect_sdk_error(lambda: pay(me, out["order_id"], discount=(listed[0].discount_id, 2)), 400, "CBC.99003108")
    pay(me, out["order_id"], discount=(listed[0].discount_id, 3))
    assert cash_of(me) == D("1000") - ec2_after - SATA_MONTH * 40

    # Without the discount the list price is paid.
    plain = world.order(cust.domain_id, small())
    pay(me, plain["order_id"])
    d = show(me, plain["order_id"]).order_info
    assert D(str(d.amount_after_discount)) == SMALL_MONTH and d.amount_info.discounts == []
    assert cash_of(me) == D("1000") - ec2_after - SATA_MONTH * 40 - SMALL_MONTH

    # A reseller-model customer is offered none, whatever the operator set.
    rc, rme = world.customer(cash="100")
    world.cli("admin", "discount", "set", "--customer-id", rc.domain_id, "--service-type", EC2, "--rate", "0.5",
              "--expires", "2099-12-31", "--json")
    r = world.order(rc.domain_id, small())
    assert rme.client.list_order_discounts(ListOrderDiscountsRequest(order_id=r["order_id"])).discounts == []
    assert D(str(r["amount_after_discount"])) == SMALL_MONTH
    verify_ledger(world.cli)


# ------------------------------------------------------------------------------ reading and tenancy

def test_partners_read_their_customers_orders_and_nobody_elses(world):
    partners = world.partners
    cust, me = world.customer(cash="100")
    other_sp = partners.solution_provider()
    stranger, stranger_me = world.customer(cash="100")
    a = world.order(cust.domain_id, small(), pay=True)
    b = world.order(cust.domain_id, small(period_type=3))
    c = world.order(stranger.domain_id, small())

    mine = orders_of(world.sp, customer_id=cust.domain_id)
    assert mine.total_count == 2 and [o.order_id for o in mine.order_infos] == [b["order_id"], a["order_id"]]
    assert mine.order_infos[0].agent_pay_info.is_agent_pay is False
    assert mine.order_infos[0].enterprise_projects[0].id == "0"
    assert [o.order_id for o in orders_of(world.sp, customer_id=cust.domain_id, order_by="createTime").order_infos] == [a["order_id"], b["order_id"]]
    assert [o.order_id for o in orders_of(world.sp, customer_id=cust.domain_id, status=5).order_infos] == [a["order_id"]]
    assert [o.order_id for o in orders_of(world.sp, order_id=b["order_id"].lower()).order_infos] == [b["order_id"]]
    assert orders_of(world.sp, customer_id=cust.domain_id, order_type="2").total_count == 0
    assert orders_of(world.sp, customer_id=cust.domain_id, limit=1, offset=1).order_infos[0].order_id == a["order_id"]
    assert orders_of(me).total_count == 2
    # A customer sees only its own, whatever customer_id it names.
    assert {o.order_id for o in orders_of(me, customer_id=stranger.domain_id).order_infos} == {a["order_id"], b["order_id"]}
    assert show(world.sp, a["order_id"]).order_info.status == 5

    # Another partner, another customer: the same answer as an unknown order.
    assert orders_of(other_sp, customer_id=cust.domain_id).total_count == 0
    for who, oid in ((other_sp, a["order_id"]), (stranger_me, a["order_id"]), (me, c["order_id"]), (me, "CS0000000000XXXXX")):
        expect_sdk_error(lambda: show(who, oid), 400, "CBC.30000010")
    for who, oid in ((stranger_me, b["order_id"]), (me, "CS0000000000XXXXX")):
        expect_sdk_error(lambda: pay(who, oid), 400, "CBC.30000010")
        expect_sdk_error(lambda: who.client.cancel_customer_order(
            CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=oid))), 400, "CBC.30000010")
        expect_sdk_error(lambda: who.client.list_order_coupons_by_order_id(ListOrderCouponsByOrderIdRequest(order_id=oid)), 400, "CBC.30000010")
        expect_sdk_error(lambda: who.client.list_order_discounts(ListOrderDiscountsRequest(order_id=oid)), 400, "CBC.30000010")
    # Partners buy nothing themselves.
    resp = world.sp.signed("POST", "/v3/orders/customer-orders/pay", {"order_id": b["order_id"], "use_coupon": "NO", "use_discount": "NO"})
    assert resp.status_code == 403, resp.text
    assert show(me, b["order_id"]).order_info.status == 6


def test_distributors_read_their_resellers_customers_with_indirect_partner_id(world):
    partners = world.partners
    dist = partners.distributor()
    resl = partners.reseller(dist)
    other = partners.distributor()
    fund(world.cli, dist.domain_id, "1000")
    cust = world.customers.create(dist, indirect_partner_id=resl.domain_id)
    o = world.order(cust.domain_id, small())
    assert orders_of(dist).total_count == 0
    got = orders_of(dist, indirect_partner_id=resl.domain_id)
    assert [x.order_id for x in got.order_infos] == [o["order_id"]]
    assert show(dist, o["order_id"], indirect_partner_id=resl.domain_id).order_info.order_id == o["order_id"]
    expect_sdk_error(lambda: show(dist, o["order_id"]), 400, "CBC.30000010")
    expect_sdk_error(lambda: orders_of(other, indirect_partner_id=resl.domain_id), 400, "CBC.99000037")
    # The note names solution providers and tier-1 distributors; a reseller reads through its distributor.
    expect_sdk_error(lambda: orders_of(resl), 403, "CBC.0151")


def test_bad_input_is_a_named_400(world):
    cust, me = world.customer(cash="10")
    o = world.order(cust.domain_id, small())["order_id"]
    path = "/v3/orders/customer-orders/pay"
    for body, field in (({"use_coupon": "NO", "use_discount": "NO"}, "order_id"),
                        ({"order_id": o, "use_coupon": "MAYBE", "use_discount": "NO"}, "use_coupon"),
                        ({"order_id": o, "use_coupon": "YES", "use_discount": "NO"}, "coupon_infos"),
                        ({"order_id": o, "use_coupon": "NO", "use_discount": "NO", "coupon_infos": [{"id": "x", "type": 301}]}, "coupon_infos"),
                        ({"order_id": o, "use_coupon": "YES", "coupon_infos": [{"id": f"c{i}", "type": 301} for i in range(4)]}, "coupon_infos"),
                        ({"order_id": o, "use_coupon": "YES", "coupon_infos": [{"id": "c", "type": 299}]}, "coupon_infos[0].type"),
                        ({"order_id": o, "use_discount": "YES", "discount_infos": [{"id": "d", "type": 1}]}, "discount_infos[0].type"),
                        ({"order_id": o, "use_discount": "YES", "discount_infos": [{"id": "d", "type": 3}, {"id": "e", "type": 3}]}, "discount_infos"),
                        ({"order_id": "x" * 65}, "order_id")):
        err = assert_error(me.signed("POST", path, body), 400, "CBC.0100")
        assert field in err["error_msg"], (body, err)
    assert_error(me.signed("PUT", "/v2/orders/customer-orders/cancel", {}), 400, "CBC.0100")
    for query, field in (({"status": "2"}, "status"), ({"order_type": "5"}, "order_type"), ({"limit": "101"}, "limit"),
                         ({"offset": "-1"}, "offset"), ({"order_by": "amount"}, "order_by"), ({"method": "all"}, "method"),
                         ({"create_time_begin": "2024-01-01"}, "create_time_begin"),
                         ({"create_time_begin": "2024-01-01T00:00:00Z", "create_time_end": "2025-06-01T00:00:00Z"}, "create_time_end"),
                         ({"customer_id": ""}, "customer_id")):
        err = assert_error(world.sp.signed("GET", "/v2/orders/customer-orders", query=query), 400, "CBC.0100")
        assert field in err["error_msg"], (query, err)
    assert_error(me.signed("GET", "/v2/orders/customer-orders/order-coupons"), 400, "CBC.0100")
    assert_error(me.signed("GET", "/v2/orders/customer-orders/order-discounts", query={"order_id": ""}), 400, "CBC.0100")
    assert show(me, o).order_info.status == 6 and cash_of(me) == D("10")


# ------------------------------------------------------------------------------ the operator's tools

def test_the_operator_places_and_pays_orders_over_http_and_the_cli(world):
    cust, me = world.customer(cash="300")
    resp = world.op("POST", "/operator/v1/orders", {"customer_id": cust.domain_id, "product_infos": [small(period_type=3)], "pay": True})
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["status"] == 5 and D(str(out["amount"])) == SMALL_YEAR and out["payment_time"], out
    assert cash_of(me) == D("300") - SMALL_YEAR
    got = world.op("GET", f"/operator/v1/orders/{out['order_id']}").json()
    assert got["order_id"] == out["order_id"] and got["status"] == 5 and len(got["order_line_items"]) == 1
    listed = world.op("GET", "/operator/v1/orders", query={"customer_id": cust.domain_id}).json()["orders"]
    assert [o["order_id"] for o in listed] == [out["order_id"]]
    assert world.cli("admin", "order", "show", out["order_id"], "--json")["status"] == 5
    text = world.cli.run("admin", "order", "list", "--customer-id", cust.domain_id).stdout
    assert out["order_id"] in text and "status 5" in text
    # --pay without the money: the order is placed, the payment refused, the order left pending.
    proc = world.cli.run("admin", "order", "create", "--customer-id", cust.domain_id, "--file",
                         str(_write(world, {"product_infos": [small(period_type=3)]})), "--pay")
    assert proc.returncode == 1 and "CBC.99005003" in proc.stderr, proc.stderr
    pending = [o for o in world.cli("admin", "order", "list", "--customer-id", cust.domain_id, "--json")["orders"] if o["status"] == 6]
    assert len(pending) == 1
    resp = world.op("GET", "/operator/v1/orders/CS0000000000XXXXX")
    assert_error(resp, 400, "CBC.30000010")
    verify_ledger(world.cli)


# ------------------------------------------------------------------------------ renewals

def renew(principal, resource_ids: list, period_type: int = 2, period_num: int = 1, auto_pay: Optional[int] = None):
    from huaweicloudsdkbss.v2 import RenewalResourcesReq, RenewalResourcesRequest
    return principal.client.renewal_resources(RenewalResourcesRequest(body=RenewalResourcesReq(
        resource_ids=resource_ids, period_type=period_type, period_num=period_num, is_auto_pay=auto_pay)))


def add_months_utc(expire: str, months: int) -> str:
    """A renewal from an expiry at 23:59:59 Beijing on day D ends on day D, N months on (clamped)."""
    import calendar
    t = parse_utc(expire).astimezone(BEIJING).date()
    total = t.month - 1 + months
    y, m = t.year + total // 12, total % 12 + 1
    return f"{dt.date(y, m, min(t.day, calendar.monthrange(y, m)[1])).isoformat()}T15:59:59Z"


def test_a_renewal_order_extends_the_resource_from_its_expiry_when_paid(world):
    cust, me = world.customer(cash="200")
    bought = world.order(cust.domain_id, small(), pay=True)
    (vm,) = resources_of(me, bought["order_id"])
    out = renew(me, [vm.resource_id], period_num=2)
    assert len(out.order_ids) == 1 and out.fail_resource_infos == []
    oid = out.order_ids[0]
    d = show(me, oid)
    assert d.order_info.order_type == 2 and d.order_info.status == 6
    assert D(str(d.order_info.official_amount)) == SMALL_MONTH * 2
    (line,) = d.order_line_items
    assert line.effective_time == vm.expire_time and line.expire_time == add_months_utc(vm.expire_time, 2)
    # One open order per resource.
    expect_sdk_error(lambda: renew(me, [vm.resource_id]), 400, "CBC.99003100")
    assert cash_of(me) == D("200") - SMALL_MONTH
    pay(me, oid)
    assert cash_of(me) == D("200") - SMALL_MONTH * 3
    (after,) = [r for r in resources_of(me, bought["order_id"])]
    assert after.expire_time == add_months_utc(vm.expire_time, 2) and after.effective_time == vm.effective_time
    assert show(me, oid).order_info.status == 5
    # Renewable again once the order is done; a yearly renewal quotes the year price.
    again = renew(me, [vm.resource_id], period_type=3, period_num=1)
    assert D(str(show(me, again.order_ids[0]).order_info.official_amount)) == SMALL_YEAR
    verify_ledger(world.cli)


def test_automatic_payment_of_a_renewal(world):
    cust, me = world.customer(cash="60")
    bought = world.order(cust.domain_id, small(), pay=True)
    (vm,) = resources_of(me, bought["order_id"])
    out = renew(me, [vm.resource_id], auto_pay=1)
    assert show(me, out.order_ids[0]).order_info.status == 5
    assert cash_of(me) == D("60") - SMALL_MONTH * 2
    (after,) = resources_of(me, bought["order_id"])
    assert after.expire_time == add_months_utc(vm.expire_time, 1)
    # Not enough money: the order is placed but stays pending, and the answer says so.
    e = expect_sdk_error(lambda: renew(me, [vm.resource_id], auto_pay=1), 400, "CBC.30050006")
    pending = orders_of(me, status=6, order_type="2").order_infos
    assert len(pending) == 1 and pending[0].order_id in e.error_msg
    assert cash_of(me) == D("60") - SMALL_MONTH * 2
    (still,) = resources_of(me, bought["order_id"])
    assert still.expire_time == after.expire_time
    verify_ledger(world.cli)


def test_renewing_a_main_resource_renews_its_attached_ones(world):
    cust, me = world.customer(cash="500")
    vm = world.cli("admin", "resource", "provision", "--customer-id", cust.domain_id, "--service-type", EC2, "--resource-type", VM,
                   "--spec", "s6.small.1.linux", "--region", REGION, "--json")
    disk = world.cli("admin", "resource", "provision", "--customer-id", cust.domain_id, "--service-type", EBS, "--resource-type", VOLUME,
                     "--spec", "SATA", "--region", REGION, "--size=40", f"--parent={vm['resource_id']}", "--json")
    cash = cash_of(me)
    out = renew(me, [vm["resource_id"]], period_num=1)
    d = show(me, out.order_ids[0])
    assert d.total_count == 2
    assert D(str(d.order_info.official_amount)) == SMALL_MONTH + SATA_MONTH * 40
    assert {i.commercial_resource for i in d.order_line_items} == {VM, VOLUME}
    expect_sdk_error(lambda: renew(me, [disk["resource_id"]]), 400, "CBC.30010036")
    expect_sdk_error(lambda: renew(me, ["no-such-resource"]), 400, "CBC.99003016")
    me.client.cancel_customer_order(CancelCustomerOrderRequest(body=CancelCustomerOrderReq(order_id=out.order_ids[0])))
    # Some renewable, some not: the order holds the renewable ones, the rest are reported.
    part = renew(me, [vm["resource_id"], "no-such-resource", disk["resource_id"]])
    assert len(part.order_ids) == 1
    assert sorted((f.resource_id, f.error_code) for f in part.fail_resource_infos) == [
        (disk["resource_id"], "CBC.30010036"), ("no-such-resource", "CBC.99003016")]
    pay(me, part.order_ids[0])
    assert cash_of(me) == cash - SMALL_MONTH - SATA_MONTH * 40
    res = {r.resource_id: r for r in me.client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[vm["resource_id"]], limit=10))).data}
    assert res[vm["resource_id"]].expire_time == res[disk["resource_id"]].expire_time == add_months_utc(vm["expire_time"], 1)
    # Another customer's resource is as unknown as a missing one; partners renew nothing.
    other, other_me = world.customer(cash="10")
    expect_sdk_error(lambda: renew(other_me, [vm["resource_id"]]), 400, "CBC.99003016")
    resp = world.sp.signed("POST", "/v2/orders/subscriptions/resources/renew", {"resource_ids": [vm["resource_id"]], "period_type": 2, "period_num": 1})
    assert resp.status_code == 403, resp.text
    for body, field in (({"period_type": 2, "period_num": 1}, "resource_ids"),
                        ({"resource_ids": ["a", "a"], "period_type": 2, "period_num": 1}, "resource_ids"),
                        ({"resource_ids": [str(i) for i in range(11)], "period_type": 2, "period_num": 1}, "resource_ids"),
                        ({"resource_ids": ["a"], "period_type": 1, "period_num": 1}, "period_type"),
                        ({"resource_ids": ["a"], "period_type": 3, "period_num": 4}, "period_num"),
                        ({"resource_ids": ["a"], "period_type": 2, "period_num": 12}, "period_num"),
                        ({"resource_ids": ["a"], "period_type": 2, "period_num": 1, "is_auto_pay": 2}, "is_auto_pay")):
        err = assert_error(me.signed("POST", "/v2/orders/subscriptions/resources/renew", body), 400, "CBC.0100")
        assert field in err["error_msg"], (body, err)
    verify_ledger(world.cli)


# ------------------------------------------------------------------------------ the lifecycle

@pytest.fixture(scope="module")
def life(start_server, binary, tmp_path_factory):
    """A server of its own: these tests move the business clock far."""
    srv = start_server("lifecycle", ["--rate-limit", "0", "--lifecycle-interval", "0"])
    cli = Cli(binary, srv.database)
    w = World(srv, cli, PartnerFactory(cli, srv.base_url), tmp_path_factory.mktemp("life"))
    yield w
    cli("admin", "clock", "reset", "--json")


def auto_renew(principal, resource_id: str, times: Optional[int] = None, period: Optional[str] = None):
    from huaweicloudsdkbss.v2 import AutoRenewalResourcesReq, AutoRenewalResourcesRequest
    return principal.client.auto_renewal_resources(AutoRenewalResourcesRequest(
        resource_id=resource_id, body=AutoRenewalResourcesReq(auto_renew_times=times, period_type=period)))


def resource(principal, resource_id: str):
    got = principal.client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[resource_id], limit=10))).data
    return {r.resource_id: r for r in got}[resource_id]


def month_sum(principal, cycle: str) -> Decimal:
    from huaweicloudsdkbss.v2 import ShowCustomerMonthlySumRequest
    return D(str(principal.client.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=cycle, limit=100)).consume_amount))


def test_a_hundred_days_of_auto_renewal_expiry_grace_retention_and_release(life):
    w = life
    w.cli("admin", "clock", "set", "2026-01-10T04:00:00Z", "--json")  # noon in Beijing
    a, ame = w.customer(cash="1000")   # auto-renews twice, then lets it expire
    b, bme = w.customer(cash="100")    # lets it expire
    c, cme = w.customer(cash="30")     # auto-renews, but runs out of money
    subs = {}
    for cust, me in ((a, ame), (b, bme), (c, cme)):
        out = w.order(cust.domain_id, small(), pay=True)
        (subs[cust.domain_id],) = resources_of(me, out["order_id"])
    ra, rb, rc = (subs[x.domain_id].resource_id for x in (a, b, c))
    assert subs[a.domain_id].expire_time == "2026-02-10T15:59:59Z"
    auto_renew(ame, ra, times=2)
    auto_renew(cme, rc)
    assert resource(ame, ra).expire_policy == 3 and resource(bme, rb).expire_policy == 0

    out = w.cli("admin", "clock", "advance", "100d", "--json")   # to 2026-04-20
    assert out["now"].startswith("2026-04-20"), out
    # A renewed on 3 Feb and 3 Mar at 03:00 Beijing, then expired 10 Apr (grace to 17 Apr, frozen since).
    # B expired 10 Feb, frozen 17 Feb, released 4 Mar. C failed every day from 3 Feb to 4 Mar, then went B's way.
    assert out["lifecycle"] == {"renewed": 2, "renewals_failed": 30, "expired": 3, "frozen": 3, "released": 2, "converted": 0}, out
    got = resource(ame, ra)
    assert got.expire_time == "2026-04-10T15:59:59Z" and got.status == 4 and got.expire_policy == 0, got
    assert resource(bme, rb).status == 3 and resource(cme, rc).status == 3
    renewals = orders_of(ame, order_type="2").order_infos
    assert len(renewals) == 2 and all(o.status == 5 and o.source_type == 8 for o in renewals)
    assert [o.payment_time for o in sorted(renewals, key=lambda o: o.create_time)] == ["2026-02-02T19:00:00Z", "2026-03-02T19:00:00Z"]
    assert show(ame, renewals[0].order_id).order_info.user_name == "运营系统"
    assert cash_of(ame) == D("1000") - SMALL_MONTH * 3
    assert cash_of(cme) == D("30") - SMALL_MONTH
    assert orders_of(cme, order_type="2").total_count == 0   # a failed attempt leaves no order
    # Each renewal is billed in the month it was paid.
    assert month_sum(ame, "2026-01") == SMALL_MONTH
    assert month_sum(ame, "2026-02") == SMALL_MONTH
    assert month_sum(ame, "2026-03") == SMALL_MONTH
    # Nothing more is due: running again does nothing.
    assert w.cli("admin", "lifecycle", "run", "--json") == {"renewed": 0, "renewals_failed": 0, "expired": 0, "frozen": 0, "released": 0, "converted": 0}
    # A frozen resource is renewed from its expiry and comes back in use.
    r = renew(ame, [ra], auto_pay=1)
    back = resource(ame, ra)
    assert back.status == 2 and back.expire_time == "2026-05-10T15:59:59Z", back
    assert show(ame, r.order_ids[0]).order_info.status == 5
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


def test_auto_renewal_settings_and_their_errors(life):
    w = life
    w.cli("admin", "clock", "reset", "--json")
    cust, me = w.customer(cash="500")
    vm = w.cli("admin", "resource", "provision", "--customer-id", cust.domain_id, "--service-type", EC2, "--resource-type", VM,
               "--spec", "s6.small.1.linux", "--region", REGION, "--json")
    disk = w.cli("admin", "resource", "provision", "--customer-id", cust.domain_id, "--service-type", EBS, "--resource-type", VOLUME,
                 "--spec", "SATA", "--region", REGION, "--size=40", f"--parent={vm['resource_id']}", "--json")
    # Setting it on the attached disk sets the whole group.
    auto_renew(me, disk["resource_id"], period="YEAR")
    assert resource(me, vm["resource_id"]).expire_policy == 3 and resource(me, disk["resource_id"]).expire_policy == 3
    from huaweicloudsdkbss.v2 import CancelAutoRenewalResourcesRequest
    me.client.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=vm["resource_id"]))
    assert resource(me, disk["resource_id"]).expire_policy == 0
    me.client.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=vm["resource_id"]))  # idempotent
    expect_sdk_error(lambda: auto_renew(me, "no-such-resource"), 400, "CBC.99003012")
    expect_sdk_error(lambda: me.client.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id="nope")), 400, "CBC.99003012")
    other, other_me = w.customer(cash="1")
    expect_sdk_error(lambda: auto_renew(other_me, vm["resource_id"]), 400, "CBC.99003012")
    path = f"/v2/orders/subscriptions/resources/autorenew/{vm['resource_id']}"
    for body, field in (({"auto_renew_times": 100}, "auto_renew_times"), ({"period_type": "WEEK"}, "period_type")):
        err = assert_error(me.signed("POST", path, body), 400, "CBC.0100")
        assert field in err["error_msg"], err
    assert me.signed("POST", path).status_code == 204   # no body: unlimited, the resource's own period
    assert w.sp.signed("POST", path, {}).status_code == 403
    # An expired resource cannot be set.
    me.client.cancel_auto_renewal_resources(CancelAutoRenewalResourcesRequest(resource_id=vm["resource_id"]))
    moved = w.cli("admin", "clock", "advance", "33d", "--json")   # a month and two days: in its grace period
    assert moved["lifecycle"]["expired"] >= 1 and moved["lifecycle"]["renewed"] == 0, moved
    assert resource(me, vm["resource_id"]).status == 5
    expect_sdk_error(lambda: auto_renew(me, disk["resource_id"]), 400, "CBC.99003602")
    w.cli("admin", "clock", "reset", "--json")


def test_two_sweeps_at_once_do_each_renewal_once(life):
    w = life
    w.cli("admin", "clock", "set", "2027-01-05T04:00:00Z", "--json")
    people = []
    for _ in range(6):
        cust, me = w.customer(cash="100")
        out = w.order(cust.domain_id, small(), pay=True)
        (r,) = resources_of(me, out["order_id"])
        auto_renew(me, r.resource_id)
        people.append((me, r))
    import subprocess
    procs = [subprocess.Popen([str(w.cli.binary), "admin", "clock", "set", "2027-02-01T04:00:00Z", "--json",
                               "--database", w.srv.database], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=__import__("conftest").pc_env()) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    renewed = sum(json.loads(o[0])["lifecycle"]["renewed"] for o in outs)
    assert renewed == 6, outs
    for me, r in people:
        assert orders_of(me, order_type="2").total_count == 1
        assert cash_of(me) == D("100") - SMALL_MONTH * 2
        assert resource(me, r.resource_id).expire_time == "2027-03-05T15:59:59Z"
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


def test_one_sweep_renews_many_groups_of_one_moment_by_the_rules_of_one(life):
    """Renewals due at one moment are written together; each still follows the rules of a
    single automatic renewal: resource id order within a customer's money, one order per
    group with its attached lines, a resource held by a pending order left for tomorrow, the
    referral customer's discount on the order."""
    w = life
    w.cli("admin", "clock", "set", "2027-05-05T04:00:00Z", "--json")
    short, short_me = w.customer(cash=str(SMALL_MONTH * 5))        # three VMs: money for two renewals
    vms = sorted(resources_of(short_me, w.order(short.domain_id, small(count=3), pay=True)["order_id"]), key=lambda r: r.resource_id)
    group, group_me = w.customer(cash="500")                        # a VM with its disk
    bought = resources_of(group_me, w.order(group.domain_id, small(), pay=True)["order_id"])
    (gvm,) = bought
    disk = w.cli("admin", "resource", "provision", "--customer-id", group.domain_id, "--service-type", EBS, "--resource-type", VOLUME,
                 "--spec", "SATA", "--region", REGION, "--size=40", f"--parent={gvm.resource_id}", "--json")
    held, held_me = w.customer(cash="500")                          # a renewal order pending since before
    (hvm,) = resources_of(held_me, w.order(held.domain_id, small(), pay=True)["order_id"])
    ref, ref_me = w.customer(referral=True, cash="500")             # a referral customer with an 80% ECS discount
    (rvm,) = resources_of(ref_me, w.order(ref.domain_id, small(), pay=True)["order_id"])
    w.cli("admin", "discount", "set", "--customer-id", ref.domain_id, "--service-type", EC2, "--rate", "0.8",
          "--effective", "2027-01-01T00:00:00Z", "--expires", "2027-12-31", "--json")
    for me, r in [(short_me, v) for v in vms] + [(group_me, gvm), (held_me, hvm), (ref_me, rvm)]:
        auto_renew(me, r.resource_id)
    early = w.cli("admin", "clock", "set", "2027-05-28T04:00:00Z", "--json")   # nothing due yet
    assert early["lifecycle"]["renewed"] == 0, early
    pending = renew(held_me, [hvm.resource_id]).order_ids[0]                # pending for 7 days

    out = w.cli("admin", "clock", "set", "2027-05-29T04:00:00Z", "--json")   # every attempt fell on 29 May 03:00 Beijing
    assert out["lifecycle"]["renewed"] == 4 and out["lifecycle"]["renewals_failed"] == 2, out
    renewed = "2027-07-05T15:59:59Z"
    # The short customer: the first two by resource id renewed, the third tried again tomorrow.
    assert [resource(short_me, v.resource_id).expire_time for v in vms] == [renewed, renewed, "2027-06-05T15:59:59Z"]
    assert cash_of(short_me) == SMALL_MONTH * 0  # 5 months' money: 3 bought, 2 renewed
    assert orders_of(short_me, order_type="2").total_count == 2
    # The group: one order, two lines, both resources extended and billed.
    (order,) = orders_of(group_me, order_type="2").order_infos
    d = show(group_me, order.order_id)
    assert (d.order_info.status, d.order_info.source_type, d.order_info.user_name) == (5, 8, "运营系统")
    assert D(str(d.order_info.official_amount)) == SMALL_MONTH + SATA_MONTH * 40 and d.total_count == 2
    assert resource(group_me, disk["resource_id"]).expire_time == resource(group_me, gvm.resource_id).expire_time == renewed
    # Held by its pending order: nothing renewed, tried again the next day.
    assert resource(held_me, hvm.resource_id).expire_time == "2027-06-05T15:59:59Z"
    assert [o.order_id for o in orders_of(held_me, order_type="2").order_infos] == [pending]
    # The referral customer's order carries its discount.
    (rorder,) = orders_of(ref_me, order_type="2").order_infos
    after = (SMALL_MONTH * D("0.8")).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert D(str(show(ref_me, rorder.order_id).order_info.amount_after_discount)) == after
    assert cash_of(ref_me) == D("500") - SMALL_MONTH - after
    # The next day the held one still waits (its order pends); paying for nothing else moved.
    nxt = w.cli("admin", "clock", "advance", "1d", "--json")
    assert nxt["lifecycle"]["renewed"] == 0 and nxt["lifecycle"]["renewals_failed"] == 2, nxt
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


def test_a_resource_set_to_pay_per_use_continues_by_usage_at_expiry(life):
    from huaweicloudsdkbss.v2 import PeriodToOnDemandReq, UpdatePeriodToOnDemandRequest
    w = life
    w.cli("admin", "clock", "set", "2028-01-10T04:00:00Z", "--json")
    cust, me = w.customer(cash="100")
    out = w.order(cust.domain_id, small(), pay=True)
    (r,) = resources_of(me, out["order_id"])
    keep = w.order(cust.domain_id, small(), pay=True)
    (k,) = resources_of(me, keep["order_id"])

    def switch(op, ids):
        return me.client.update_period_to_on_demand(UpdatePeriodToOnDemandRequest(body=PeriodToOnDemandReq(operation=op, resource_ids=ids)))

    resp = switch("SET_UP", [r.resource_id, k.resource_id, "no-such-resource"])
    assert [(e.id, e.error_code) for e in resp.error_details] == [("no-such-resource", "CBC.99003012")]
    assert resource(me, r.resource_id).expire_policy == 1
    assert switch("CANCEL", [k.resource_id]).error_details == []
    assert resource(me, k.resource_id).expire_policy == 0
    moved = w.cli("admin", "clock", "advance", "35d", "--json")
    assert moved["lifecycle"]["converted"] == 1 and moved["lifecycle"]["expired"] == 1, moved
    left = me.client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[r.resource_id], limit=10))).data
    assert left == []   # it has left the yearly/monthly list
    assert resource(me, k.resource_id).status == 5
    # The partner now finds it among the customer's pay-per-use resources, from the switch.
    from huaweicloudsdkbss.v2 import ListCustomerOnDemandResourcesRequest, QueryCustomerOnDemandResourcesReq
    def on_demand(partner, customer_id, **kw):
        return partner.client.list_customer_on_demand_resources(ListCustomerOnDemandResourcesRequest(
            body=QueryCustomerOnDemandResourcesReq(customer_id=customer_id, **kw)))
    got = on_demand(w.sp, cust.domain_id)
    assert got.total_count == 1 and got.resources[0].resource_id == r.resource_id, got
    assert got.resources[0].status == 1 and got.resources[0].effective_time == r.expire_time
    assert got.resources[0].resource_spec_code == "s6.small.1.linux" and got.resources[0].service_type_code == EC2
    assert on_demand(w.sp, cust.domain_id, status=6).total_count == 0
    assert on_demand(w.sp, cust.domain_id, region_code="cn-south-1").total_count == 0
    other_sp = w.partners.solution_provider()
    expect_sdk_error(lambda: on_demand(other_sp, cust.domain_id), 400, "CBC.99000035")
    referral, _ = w.customer(referral=True)
    expect_sdk_error(lambda: on_demand(w.sp, referral.domain_id), 400, "CBC.99000035")
    assert me.signed("POST", "/v2/partners/sub-customers/on-demand-resources/query", {"customer_id": cust.domain_id}).status_code == 403
    assert_error(w.sp.signed("POST", "/v2/partners/sub-customers/on-demand-resources/query", {}), 400, "CBC.0100")
    err = switch("SET_UP", [k.resource_id]).error_details
    assert [(e.id, e.error_code) for e in err] == [(k.resource_id, "CBC.99003610")]
    assert_error(me.signed("POST", "/v2/orders/subscriptions/resources/to-on-demand", {"operation": "NOW", "resource_ids": ["a"]}), 400, "CBC.0100")
    w.cli("admin", "clock", "reset", "--json")


# ------------------------------------------------------------------------------ unsubscribing

def unsubscribe(principal, ids: list, kind: int = 1):
    from huaweicloudsdkbss.v2 import CancelResourcesSubscriptionRequest, UnsubscribeResourcesReq
    return principal.client.cancel_resources_subscription(CancelResourcesSubscriptionRequest(
        body=UnsubscribeResourcesReq(resource_ids=ids, unsubscribe_type=kind, unsubscribe_reason_type=5, unsubscribe_reason="done")))


def refund_rows(principal, order_id: str, **kw):
    from huaweicloudsdkbss.v2 import ShowRefundOrderDetailsRequest
    return principal.client.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=order_id, **kw))


def ms(s: str) -> int:
    return int(parse_utc(s).timestamp() * 1000)


def unused_share(total: Decimal, begin: int, end: int, now: int) -> tuple[Decimal, Decimal]:
    """The unused share of a period to the fen, truncated, for a moment known to a few
    seconds (the wire shows whole seconds and the clock runs on): the lowest and highest."""
    from decimal import ROUND_DOWN
    at = lambda t: (total * D(end - t) / D(end - begin)).quantize(D("0.01"), rounding=ROUND_DOWN)
    return at(now + 10_000), at(now - 2_000)


def test_unsubscribing_refunds_renewals_in_full_and_the_period_in_effect_by_its_unused_share(life):
    from decimal import ROUND_DOWN
    w = life
    w.cli("admin", "clock", "set", "2029-01-10T04:00:00Z", "--json")
    cust, me = w.customer(cash="1000")
    bought = w.order(cust.domain_id, small(), pay=True)
    (vm,) = resources_of(me, bought["order_id"])
    w.cli("admin", "clock", "advance", "10d", "--json")
    ren = renew(me, [vm.resource_id], period_num=2, auto_pay=1).order_ids[0]
    assert cash_of(me) == D("1000") - SMALL_MONTH * 3
    # Renewals only: the two months not begun come back in full, the expiry falls back.
    out = unsubscribe(me, [vm.resource_id], kind=2)
    (oid,) = out.order_ids
    d = show(me, oid)
    assert d.order_info.order_type == 4 and d.order_info.status == 5
    assert D(str(d.order_info.amount_after_discount)) == SMALL_MONTH * 2
    assert d.order_line_items[0].period_num is None
    assert cash_of(me) == D("1000") - SMALL_MONTH
    assert resource(me, vm.resource_id).expire_time == vm.expire_time
    rows = refund_rows(me, oid)
    assert [(r.base_order_id, D(str(r.amount))) for r in rows.refund_infos] == [(ren, -SMALL_MONTH * 2)]
    assert rows.refund_infos[0].measure_id == "1" and rows.refund_infos[0].resource_type_code == VM
    expect_sdk_error(lambda: unsubscribe(me, [vm.resource_id], kind=2), 400, "CBC.99003128")

    # The whole resource: the unused share of the month in effect, truncated to the fen.
    now = ms(w.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    begin, end = ms(vm.effective_time), ms(vm.expire_time)
    low, high = unused_share(SMALL_MONTH, begin, end, now)
    out = unsubscribe(me, [vm.resource_id])
    (oid,) = out.order_ids
    info = show(me, oid).order_info
    back = D(str(info.amount_after_discount))
    assert low <= back <= high and high - low <= D("0.01"), (low, back, high)
    assert D(str(info.amount_info.consumed_amount)) == SMALL_MONTH - back and D(str(info.amount_info.commission_amount)) == 0
    assert cash_of(me) == D("1000") - SMALL_MONTH + back
    assert resource(me, vm.resource_id).status == 3
    parts = refund_rows(w.sp, oid, customer_id=cust.domain_id).refund_infos   # partners read it naming the customer
    assert sorted((p.base_order_id, D(str(p.amount))) for p in parts) == sorted([(bought["order_id"], -SMALL_MONTH), (bought["order_id"], SMALL_MONTH - back)])
    assert sum(D(str(p.amount)) for p in parts) == -back
    expect_sdk_error(lambda: unsubscribe(me, [vm.resource_id]), 400, "CBC.99003012")
    kinds = sorted(o.order_type for o in orders_of(me).order_infos)
    assert kinds == [1, 2, 4, 4]
    expect_sdk_error(lambda: refund_rows(me, bought["order_id"]), 400, "CBC.99005026")
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


def test_within_five_days_everything_paid_comes_back(life):
    w = life
    w.cli("admin", "clock", "set", "2029-06-10T04:00:00Z", "--json")
    cust, me = w.customer(cash="300")
    bought = w.order(cust.domain_id, small(period_type=3), pay=True)
    (vm,) = resources_of(me, bought["order_id"])
    w.cli("admin", "clock", "advance", "4d", "--json")
    (oid,) = unsubscribe(me, [vm.resource_id]).order_ids
    info = show(me, oid).order_info
    assert D(str(info.amount_after_discount)) == SMALL_YEAR and D(str(info.amount_info.consumed_amount)) == 0
    assert cash_of(me) == D("300")
    # A resource in a pending order cannot go; nor can another's, and partners unsubscribe nothing.
    again = w.order(cust.domain_id, small(), pay=True)
    (r2,) = resources_of(me, again["order_id"])
    renew(me, [r2.resource_id])
    expect_sdk_error(lambda: unsubscribe(me, [r2.resource_id]), 400, "CBC.99003100")
    other, other_me = w.customer(cash="1")
    expect_sdk_error(lambda: unsubscribe(other_me, [r2.resource_id]), 400, "CBC.99003012")
    expect_sdk_error(lambda: refund_rows(other_me, oid), 400, "CBC.30000010")
    resp = w.sp.signed("POST", "/v2/orders/subscriptions/resources/unsubscribe", {"resource_ids": [r2.resource_id], "unsubscribe_type": 1})
    assert resp.status_code == 403, resp.text
    for body, field in (({"unsubscribe_type": 1}, "resource_ids"), ({"resource_ids": ["a"]}, "unsubscribe_type"),
                        ({"resource_ids": ["a"], "unsubscribe_type": 3}, "unsubscribe_type"),
                        ({"resource_ids": ["a"], "unsubscribe_type": 1, "unsubscribe_reason_type": 9}, "unsubscribe_reason_type")):
        err = assert_error(me.signed("POST", "/v2/orders/subscriptions/resources/unsubscribe", body), 400, "CBC.0100")
        assert field in err["error_msg"], err
    assert_error(w.sp.signed("GET", "/v2/orders/customer-orders/refund-orders", query={"order_id": oid}), 400, "CBC.0100")
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


def test_coupons_come_back_with_a_period_not_begun_and_only_then(life):
    from huaweicloudsdkbss.v2 import ListIssuedPartnerCouponsRequest
    w = life
    w.cli("admin", "clock", "set", "2030-03-10T04:00:00Z", "--json")
    cust, me = w.customer(cash="1000")
    quota = w.cli("admin", "quota", "grant", "--domain-id", w.sp.domain_id, "--amount", "100", "--expires", "2099-12-31", "--json")["quota_id"]

    def issue(face: str) -> str:
        resp = w.sp.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
            quota_id=quota, customer_ids=[cust.domain_id], face_value=D(face), cloud_service_types=[EC2])))
        assert not resp.error_details, resp
        return resp.coupon_infos[0].coupon_id

    def coupon(cid: str):
        got = {c.coupon_id: c for c in w.sp.client.list_issued_partner_coupons(
            ListIssuedPartnerCouponsRequest(customer_id=cust.domain_id)).user_coupons}
        return D(str(round(got[cid].balance, 2))), got[cid].status

    bought = w.order(cust.domain_id, small(), pay=True)
    (vm,) = resources_of(me, bought["order_id"])
    # A renewal paid partly by a 10-yuan voucher, unsubscribed before it begins: all of it
    # comes back, the voucher's part to the voucher, which is usable again.
    first = issue("10")
    ren = renew(me, [vm.resource_id]).order_ids[0]
    pay(me, ren, coupons=[(first, 301)])
    assert coupon(first) == (D("0"), 3)
    assert cash_of(me) == D("1000") - SMALL_MONTH - (SMALL_MONTH - 10)
    (oid,) = unsubscribe(me, [vm.resource_id], kind=2).order_ids
    info = show(me, oid).order_info
    assert D(str(info.amount_after_discount)) == SMALL_MONTH
    assert D(str(info.amount_info.coupon_amount)) == D("10")
    assert cash_of(me) == D("1000") - SMALL_MONTH
    assert coupon(first) == (D("10"), 2)
    assert [(r.base_order_id, D(str(r.amount))) for r in refund_rows(me, oid).refund_infos] == [(ren, -SMALL_MONTH)]
    assert resource(me, vm.resource_id).expire_time == vm.expire_time
    # The month's fees: the purchase stands, the renewal and its refund cancel out.
    assert month_sum(me, "2030-03") == SMALL_MONTH

    # The voucher pays again; a period that has begun keeps its coupons (past the five days,
    # only the unused share of the cash comes back).
    again = w.order(cust.domain_id, small())
    pay(me, again["order_id"], coupons=[(first, 301)])
    assert coupon(first) == (D("0"), 3)
    (r2,) = resources_of(me, again["order_id"])
    w.cli("admin", "clock", "advance", "10d", "--json")
    before = cash_of(me)
    (oid2,) = unsubscribe(me, [r2.resource_id]).order_ids
    info = show(me, oid2).order_info
    assert D(str(info.amount_info.coupon_amount)) == 0
    back = D(str(info.amount_after_discount))
    assert 0 < back < SMALL_MONTH - 10
    assert cash_of(me) == before + back
    assert coupon(first) == (D("0"), 3)

    # The voucher's own ledger (ListCustomerCouponChangeRecords), newest first.
    from huaweicloudsdkbss.v2 import ListCustomerCouponChangeRecordsRequest

    def changes(**kw):
        return me.client.list_customer_coupon_change_records(ListCustomerCouponChangeRecordsRequest(balance_type="BALANCE_TYPE_COUPON", **kw))

    got = changes(coupon_id=first)
    assert got.total_count == 4 and got.currency == "CNY"
    assert [(r.trade_detail_type, r.revenue_expense_type, r.trade_id, D(r.change_amount), D(r.balance_after_change)) for r in reversed(got.records)] == [
        ("SOURCE_OPERAIION_PRIZE", "REVENUE", first, D("10"), D("10")),
        ("SOURCE_OPERAIION_DEDEUCT", "EXPENSE", ren, D("10"), D("0")),
        ("SOURCE_OPERAIION_UNSUBSCRIBE", "REVENUE", oid, D("10"), D("10")),
        ("SOURCE_OPERAIION_DEDEUCT", "EXPENSE", again["order_id"], D("10"), D("0"))], got
    assert all(r.coupon_id == first and r.bill_cycle == "2030-03" and r.account_name == cust.domain_name for r in got.records)
    assert got.records[0].cloud_service_type_name and got.records[1].cloud_service_type_name is None
    assert [r.trade_id for r in changes(trade_type="REFUND").records] == [oid]
    assert changes(revenue_expense_type="EXPENSE").total_count == 2 and changes(trade_type="EXPIRED").total_count == 0
    assert changes(trade_id=ren).total_count == 1 and changes(limit=1, offset=3).records[0].trade_id == first
    assert changes(trade_time_begin="2030-04-01", trade_time_end="2030-04-30").total_count == 0
    other, other_me = w.customer(cash="1")
    assert other_me.client.list_customer_coupon_change_records(ListCustomerCouponChangeRecordsRequest(
        balance_type="BALANCE_TYPE_COUPON", coupon_id=first)).total_count == 0
    path = "/v2/promotions/benefits/account-change-records"
    assert w.sp.signed("GET", path, query={"balance_type": "BALANCE_TYPE_COUPON"}).status_code == 403
    for query, field in (({}, "balance_type"), ({"balance_type": "BALANCE_TYPE_DEBIT"}, "balance_type"),
                         ({"trade_type": "SPEND"}, "trade_type"), ({"revenue_expense_type": ""}, "revenue_expense_type"),
                         ({"trade_time_begin": "2030-3-1"}, "trade_time_begin"), ({"limit": "101"}, "limit"),
                         ({"trade_time_begin": "2028-01-01", "trade_time_end": "2030-03-01"}, "trade_time_end")):
        err = assert_error(me.signed("GET", path, query={"balance_type": "BALANCE_TYPE_COUPON", **query} if "balance_type" not in query and query != {}
                                     else query), 400, "CBC.0100")
        assert field in err["error_msg"], (query, err)
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


def test_resource_specs_on_sale_page_by_marker(world):
    from huaweicloudsdkbss.v2 import ListResourceSpecsRequest, ResourceSpecsFilter, ResourceSpecsQueryReq

    def specs(who, **kw):
        body = dict(cloud_service_type=EC2, resource_type=VM, region_code=REGION, charge_mode="1")
        body.update(kw)
        return who.client.list_resource_specs(ListResourceSpecsRequest(body=ResourceSpecsQueryReq(**body)))

    everything = specs(world.sp)
    names = [s.resource_spec for s in everything.cloud_service_basics]
    assert "s6.small.1.linux" in names and names == sorted(names) and everything.page_info.next_marker is None
    assert all(s.charge_mode == "1" and s.region_code == REGION for s in everything.cloud_service_basics)
    walked, marker = [], None
    while True:
        page = specs(world.sp, limit=2, marker=marker)
        walked += [s.resource_spec for s in page.cloud_service_basics]
        marker = page.page_info.next_marker
        if marker is None:
            break
    assert walked == names
    one = specs(world.sp, filters=[ResourceSpecsFilter(key="RESOURCE_SPEC", value="s6.small.1.linux")])
    assert [s.resource_spec for s in one.cloud_service_basics] == ["s6.small.1.linux"]
    assert specs(world.sp, charge_mode="3").cloud_service_basics  # pay-per-use specs exist too
    assert specs(world.sp, region_code="nowhere-1").cloud_service_basics == []
    cust, me = world.customer()
    assert [s.resource_spec for s in specs(me).cloud_service_basics] == names
    for body, field in (({"charge_mode": "2"}, "charge_mode"), ({"limit": 101}, "limit"),
                        ({"filters": [{"key": "NAME", "value": "x"}]}, "filters[0].key"),
                        ({"marker": "bm90LWEtbWFya2Vy", "limit": 2}, "marker")):
        full = dict(cloud_service_type=EC2, resource_type=VM, region_code=REGION, charge_mode="1")
        full.update(body)
        err = assert_error(world.sp.signed("POST", "/v2/products/resource-specs-query", full), 400, "CBC.0100")
        assert field in err["error_msg"], err
    # A marker belongs to its query.
    first = specs(world.sp, limit=1).page_info.next_marker
    err = assert_error(world.sp.signed("POST", "/v2/products/resource-specs-query",
                                       dict(cloud_service_type=EC2, resource_type=VM, region_code=REGION, charge_mode="3", limit=1, marker=first)), 400, "CBC.0100")


def test_switching_to_pay_per_use_now_refunds_the_rest_of_the_term(life):
    from decimal import ROUND_DOWN
    from huaweicloudsdkbss.v2 import (ListCustomerOnDemandResourcesRequest, PeriodToOnDemandInstantlyReq, QueryCustomerOnDemandResourcesReq,
                                      UpdatePeriodToOnDemandInstantlyRequest)
    w = life
    w.cli("admin", "clock", "set", "2029-09-10T04:00:00Z", "--json")
    cust, me = w.customer(cash="100")
    bought = w.order(cust.domain_id, small(), pay=True)
    (vm,) = resources_of(me, bought["order_id"])
    w.cli("admin", "clock", "advance", "12d", "--json")
    now = ms(w.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    begin, end = ms(vm.effective_time), ms(vm.expire_time)
    low, high = unused_share(SMALL_MONTH, begin, end, now)

    def switch(ids):
        return me.client.update_period_to_on_demand_instantly(UpdatePeriodToOnDemandInstantlyRequest(
            body=PeriodToOnDemandInstantlyReq(resource_ids=ids))).to_ondemand_service_results

    got = switch([vm.resource_id, "no-such-resource"])
    assert [(g.resource_id, g.result, g.error_code) for g in got] == [(vm.resource_id, "SUCCESS", None), ("no-such-resource", "FAIL", "CBC.99003012")]
    info = show(me, got[0].order_id).order_info
    back = D(str(info.amount_after_discount))
    assert info.order_type == 10 and info.status == 5 and low <= back <= high, (low, back, high)
    assert D(str(info.amount_info.consumed_amount)) == SMALL_MONTH - back
    assert cash_of(me) == D("100") - SMALL_MONTH + back
    parts = refund_rows(me, got[0].order_id).refund_infos
    assert sum(D(str(p.amount)) for p in parts) == -back
    assert me.client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
        body=QueryResourcesReq(resource_ids=[vm.resource_id], limit=10))).data == []
    od = w.sp.client.list_customer_on_demand_resources(ListCustomerOnDemandResourcesRequest(
        body=QueryCustomerOnDemandResourcesReq(customer_id=cust.domain_id))).resources
    assert [(r.resource_id, r.status) for r in od] == [(vm.resource_id, 1)]
    assert abs((parse_utc(od[0].effective_time) - w.now()).total_seconds()) <= 10   # billed by usage from the switch
    (again,) = switch([vm.resource_id])
    assert again.result == "FAIL" and again.error_code == "CBC.99003012" and again.order_id is None
    assert_error(me.signed("POST", "/v2/orders/subscriptions/resources/to-on-demand/instantly", {"resource_ids": []}), 400, "CBC.0100")
    assert w.sp.signed("POST", "/v2/orders/subscriptions/resources/to-on-demand/instantly", {"resource_ids": [vm.resource_id]}).status_code == 403
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


# ------------------------------------------------------------------------------ renewal settings

def renew_config(principal, name: str, value: str):
    from huaweicloudsdkbss.v2 import RenewResourceConfigReq, SetResourcesRenewConfigRequest
    return principal.client.set_resources_renew_config(SetResourcesRenewConfigRequest(
        body=RenewResourceConfigReq(config_name=name, config_value=value)))


def test_renewal_settings_are_the_customers_own_and_checked(life):
    w = life
    cust, me = w.customer(cash="1")
    path = "/v2/orders/subscriptions/resources/renew/config"
    out = renew_config(me, "DEDUCTION_DATE", "5")
    assert (out.error_code, out.error_msg) == ("CBC.0000", "success")
    assert renew_config(me, "EXPIRE_DATE", "-1").error_code == "CBC.0000"
    # Partners set nothing for a customer.
    assert_error(w.sp.signed("POST", path, {"config_name": "DEDUCTION_DATE", "config_value": "5"}), 403, "CBC.0151")
    for body, field in (({"config_value": "5"}, "config_name"),
                        ({"config_name": "RENEW_DATE", "config_value": "5"}, "config_name"),
                        ({"config_name": "DEDUCTION_DATE"}, "config_value"),
                        ({"config_name": "DEDUCTION_DATE", "config_value": "1"}, "config_value"),
                        ({"config_name": "DEDUCTION_DATE", "config_value": "8"}, "config_value"),
                        ({"config_name": "DEDUCTION_DATE", "config_value": "07"}, "config_value"),
                        ({"config_name": "DEDUCTION_DATE", "config_value": " 7"}, "config_value"),
                        ({"config_name": "EXPIRE_DATE", "config_value": "0"}, "config_value"),
                        ({"config_name": "EXPIRE_DATE", "config_value": "29"}, "config_value"),
                        ({"config_name": "EXPIRE_DATE", "config_value": "-2"}, "config_value"),
                        ({"config_name": "EXPIRE_DATE", "config_value": 15}, "config_value")):
        err = assert_error(me.signed("POST", path, body), 400, "CBC.0100")
        assert field in err["error_msg"], (body, err)


def test_a_deduction_day_moves_auto_renewal_and_a_unified_expiry_day_aligns_renewals(life):
    w = life
    w.cli("admin", "clock", "set", "2027-06-10T04:00:00Z", "--json")  # noon, 10 June, in Beijing
    a, ame = w.customer(cash="1000")
    b, bme = w.customer(cash="1000")
    (ra,) = resources_of(ame, w.order(a.domain_id, small(), pay=True)["order_id"])
    (ra2,) = resources_of(ame, w.order(a.domain_id, small(), pay=True)["order_id"])
    (rb,) = resources_of(bme, w.order(b.domain_id, small(), pay=True)["order_id"])
    assert ra.expire_time == rb.expire_time == "2027-07-10T15:59:59Z"

    # A: auto-renewal set before the deduction day moves, and after: both are charged 3 days
    # before expiry (03:00 Beijing on 7 July), not 7 (3 July).
    auto_renew(ame, ra.resource_id)
    renew_config(ame, "DEDUCTION_DATE", "3")
    auto_renew(ame, ra2.resource_id)
    moved = w.cli("admin", "clock", "set", "2027-07-06T18:00:00Z", "--json")
    assert moved["lifecycle"]["renewed"] == 0, moved
    moved = w.cli("admin", "clock", "set", "2027-07-06T19:00:00Z", "--json")
    assert moved["lifecycle"]["renewed"] == 2, moved
    renewals = orders_of(ame, order_type="2").order_infos
    assert len(renewals) == 2 and {o.payment_time for o in renewals} == {"2027-07-06T19:00:00Z"}
    assert resource(ame, ra.resource_id).expire_time == resource(ame, ra2.resource_id).expire_time == "2027-08-10T15:59:59Z"
    assert cash_of(ame) == D("1000") - SMALL_MONTH * 4

    # B: renewals end on the month's last day, priced by the time they cover (half-up to the fen).
    renew_config(bme, "EXPIRE_DATE", "-1")
    placed = renew(bme, [rb.resource_id]).order_ids[0]
    (line,) = show(bme, placed).order_line_items
    start, natural, aligned = ms("2027-07-10T15:59:59Z"), ms("2027-08-10T15:59:59Z"), ms("2027-08-31T15:59:59Z")
    assert (line.effective_time, line.expire_time) == ("2027-07-10T15:59:59Z", "2027-08-31T15:59:59Z")
    price = q2(SMALL_MONTH * D(aligned - start) / D(natural - start))
    assert price == D("47.30")
    assert D(str(show(bme, placed).order_info.official_amount)) == price
    pay(bme, placed)
    assert resource(bme, rb.resource_id).expire_time == "2027-08-31T15:59:59Z"
    assert cash_of(bme) == D("1000") - SMALL_MONTH - price
    # Setting it again overwrites: the 15th. From 31 August a month is 30 September, so 15 October.
    renew_config(bme, "EXPIRE_DATE", "15")
    again = renew(bme, [rb.resource_id], auto_pay=1).order_ids[0]
    (line,) = show(bme, again).order_line_items
    assert line.expire_time == "2027-10-15T15:59:59Z"
    start, natural, aligned = ms("2027-08-31T15:59:59Z"), ms("2027-09-30T15:59:59Z"), ms("2027-10-15T15:59:59Z")
    assert D(str(show(bme, again).order_info.official_amount)) == q2(SMALL_MONTH * D(aligned - start) / D(natural - start)) == D("42.30")
    assert resource(bme, rb.resource_id).expire_time == "2027-10-15T15:59:59Z"
    # Its monthly bill holds what was paid.
    assert month_sum(bme, "2027-07") == price + D("42.30")
    # A's settings are A's: its renewals kept their natural end.
    assert ra.expire_time == "2027-07-10T15:59:59Z" and resource(ame, ra.resource_id).expire_time == "2027-08-10T15:59:59Z"
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


# ------------------------------------------------------------------------------ incentive and discount policies

@pytest.fixture(scope="module")
def policies(start_server, binary, tmp_path_factory):
    """A server of its own: these tests import into its catalog."""
    srv = start_server("policies", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    return World(srv, cli, PartnerFactory(cli, srv.base_url), tmp_path_factory.mktemp("policies"))


def test_incentive_and_discount_policies_come_from_the_catalog_and_rule_discounts(policies):
    from huaweicloudsdkbss.v2 import ListIncentiveDiscountPoliciesRequest
    w = policies

    def listed(principal=None, **kw):
        return (principal or w.sp).client.list_incentive_discount_policies(ListIncentiveDiscountPoliciesRequest(**kw))

    got = listed(time="2026-05", limit=100)
    catalog = json.loads(w.cli("admin", "catalog", "export"))
    assert got.total_count == len(catalog["service_types"]) == len(got.policies)
    assert all((p.incentive_policy, p.allow_discount) == ("0", "YES") for p in got.policies), got
    ec2 = listed(time="2026-05", service_type_code=EC2)
    assert ec2.total_count == 1 and (ec2.policies[0].service_type_code, ec2.policies[0].service_type_name) == (EC2, "弹性云服务器")
    assert listed(time="2026-05", service_type_code="hws.service.type.none").total_count == 0
    assert len(listed(time="2026-05", limit=2, offset=1).policies) == 2

    # A referral customer's EC2 discount applies while the service allows partner discounts...
    cust, me = w.customer(referral=True, cash="1000")
    w.cli("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", EC2, "--rate", "0.85", "--expires", "2099-12-31", "--json")
    assert D(str(w.order(cust.domain_id, small())["amount_after_discount"])) == q2(SMALL_MONTH * D("0.85"))
    # ...and not once the catalog says NO (set in the catalog document, as the export shows it).
    for s in catalog["service_types"]:
        if s["code"] == EC2:
            s.update(incentive_policy="13", allow_discount="NO")
    doc = w.tmp / "catalog.json"
    doc.write_text(json.dumps(catalog))
    w.cli("admin", "catalog", "import", str(doc), "--json")
    p = listed(time="2031-12", service_type_code=EC2).policies[0]
    assert (p.incentive_policy, p.allow_discount) == ("13", "NO")
    assert [s for s in json.loads(w.cli("admin", "catalog", "export"))["service_types"] if s["code"] == EC2][0]["allow_discount"] == "NO"
    out = w.order(cust.domain_id, small())
    assert D(str(out["amount_after_discount"])) == SMALL_MONTH
    assert me.client.list_order_discounts(ListOrderDiscountsRequest(order_id=out["order_id"])).discounts == []
    refused = w.cli.run("admin", "discount", "set", "--customer-id", cust.domain_id, "--service-type", EC2, "--rate", "0.9",
                        "--expires", "2099-12-31", "--json")
    assert refused.returncode != 0 and "allow_discount" in (refused.stdout + refused.stderr), refused
    # A catalog with a policy it does not know is refused whole.
    catalog["service_types"][0]["incentive_policy"] = "7"
    doc.write_text(json.dumps(catalog))
    bad = w.cli.run("admin", "catalog", "import", str(doc), "--json")
    assert bad.returncode != 0 and "incentive_policy" in (bad.stdout + bad.stderr), bad

    # Partners only; the month is required and checked.
    path = "/v2/products/incentive-discount-policies"
    assert me.signed("GET", path, query={"time": "2026-05"}).status_code == 403
    reseller = w.partners.reseller(w.partners.distributor())
    assert reseller.signed("GET", path, query={"time": "2026-05"}).status_code == 403
    assert listed(w.partners.distributor(), time="2026-05").total_count == got.total_count
    for query, field in (({}, "time"), ({"time": "2026-5"}, "time"), ({"time": "2026-13"}, "time"), ({"time": "2026-05-01"}, "time"),
                         ({"time": "2026-05", "limit": "101"}, "limit"), ({"time": "2026-05", "offset": "-1"}, "offset"),
                         ({"time": "2026-05", "service_type_code": "x" * 65}, "service_type_code")):
        err = assert_error(w.sp.signed("GET", path, query=query), 400, "CBC.0100")
        assert field in err["error_msg"], (query, err)


# ------------------------------------------------------------------------------ amortized cost

def yearly_and_hourly(w, tag: str):
    """On 10 Jan 2027: a new customer buys a yearly VM and uses another by the hour for 2 hours (0.44)."""
    w.cli("admin", "clock", "set", "2027-01-10T04:00:00Z", "--json")
    cust, me = w.customer(cash="1000")
    bought = w.order(cust.domain_id, small(period_type=3), pay=True)
    (vm,) = resources_of(me, bought["order_id"])
    usage_file = w.tmp / f"{tag}-usage.jsonl"
    usage_file.write_text(json.dumps({
        "record_id": f"{tag}-{cust.domain_id[:8]}", "customer_id": cust.domain_id, "resource_id": "vm-hourly", "cloud_service_type": EC2,
        "resource_type": VM, "resource_spec": "s6.small.1.linux", "region": REGION, "usage_type": "Duration", "usage_value": 2,
        "usage_measure_id": 4, "begin_time": "2027-01-10T00:00:00Z", "end_time": "2027-01-10T02:00:00Z"}) + "\n")
    assert w.cli("admin", "usage", "import", str(usage_file), "--json")["imported"] == 1
    return cust, me, bought, vm


def test_monthly_breakdown_spreads_a_yearly_fee_over_its_months_and_usage_lands_whole(policies):
    from decimal import ROUND_HALF_UP as HALF_UP
    from huaweicloudsdkbss.v2 import ListCustomerBillsMonthlyBreakDownRequest
    w = policies
    cust, me, bought, vm = yearly_and_hourly(w, "breakdown")
    begin, end = ms(vm.effective_time), ms(vm.expire_time)
    w.cli("admin", "clock", "set", "2028-02-15T04:00:00Z", "--json")

    def breakdown(month: str, **kw):
        return me.client.list_customer_bills_monthly_break_down(ListCustomerBillsMonthlyBreakDownRequest(shared_month=month, **{"limit": 100, **kw}))

    def month_start(month: str) -> int:
        return int(dt.datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=BEIJING).timestamp() * 1000)

    def share(elapsed: int) -> Decimal:
        elapsed = min(max(elapsed, 0), end - begin)
        return (SMALL_YEAR * D(elapsed) / D(end - begin)).quantize(D("0.01"), rounding=HALF_UP)

    months = [f"2027-{m:02d}" for m in range(1, 13)] + ["2028-01"]
    total = D(0)
    for i, month in enumerate(months):
        nxt = months[i + 1] if i + 1 < len(months) else "2028-02"
        got = breakdown(month, charging_mode=1)
        assert got.total_count == 1 and got.currency == "CNY", (month, got)
        (c,) = got.details
        past, through = share(month_start(month) - begin), share(month_start(nxt) - begin)
        assert (c.shared_month, c.bill_cycle, c.bill_type, c.charging_mode, c.period_type, c.order_id, c.resource_id) == (
            month, "2027-01", 1, 1, 19, bought["order_id"], vm.resource_id), c
        assert (D(str(c.consume_amount)), D(str(c.past_months_amortized_amount)), D(str(c.current_month_amortized_amount)),
                D(str(c.future_months_amortized_amount))) == (SMALL_YEAR, past, through - past, SMALL_YEAR - through), (month, c)
        assert D(str(c.amortized_cash_amount)) == through - past and D(str(c.amortized_coupon_amount)) == 0
        assert c.effective_time is None and c.usage_type is None
        total += D(str(c.current_month_amortized_amount))
    assert total == SMALL_YEAR   # the months of the year add up to what was paid

    # January also holds the hourly usage, whole, with its period and quantity.
    jan = breakdown("2027-01")
    assert jan.total_count == 2
    hourly = breakdown("2027-01", charging_mode=3).details
    assert len(hourly) == 1 and hourly[0].resource_id == "vm-hourly" and hourly[0].period_type == 25 and hourly[0].order_id is None
    assert (D(str(hourly[0].consume_amount)), D(str(hourly[0].current_month_amortized_amount)), D(str(hourly[0].past_months_amortized_amount))) == (
        D("0.44"), D("0.44"), 0)
    assert (hourly[0].usage_type, D(str(hourly[0].usage)), hourly[0].effective_time) == ("Duration", D(2), "2027-01-10T00:00:00Z")
    assert hourly[0].service_type_name == "弹性云服务器"
    assert breakdown("2027-01", charging_mode=3, x_language="en_US").details[0].service_type_name == "Elastic Cloud Server"
    assert breakdown("2027-02", charging_mode=3).total_count == 0
    assert breakdown("2027-01", resource_id="vm-hourly").total_count == 1 and breakdown("2027-01", service_type_code=EBS).total_count == 0
    assert breakdown("2027-01", enterprise_project_id="ep-9").total_count == 0
    assert len(breakdown("2027-01", limit=1, offset=1).details) == 1

    path = "/v2/costs/cost-analysed-bills/monthly-breakdown"
    for query, field in (({}, "shared_month"), ({"shared_month": "2027-1"}, "shared_month"), ({"shared_month": "2028-03"}, "shared_month"),
                         ({"shared_month": "2026-08"}, "shared_month"), ({"shared_month": "2027-05", "charging_mode": "2"}, "charging_mode"),
                         ({"shared_month": "2027-05", "limit": "1001"}, "limit"), ({"shared_month": "2027-05", "bill_type": "6"}, "bill_type"),
                         ({"shared_month": "2027-05", "method": "sub_customer"}, "sub_customer_id")):
        err = assert_error(me.signed("GET", path, query=query), 400, "CBC.0100")
        assert field in err["error_msg"], (query, err)
    assert w.sp.signed("GET", path, query={"shared_month": "2027-05"}).status_code == 403
    verify_ledger(w.cli)
    w.cli("admin", "clock", "reset", "--json")


def test_costs_by_dimension_original_and_amortized(policies):
    from decimal import ROUND_HALF_UP as HALF_UP
    from huaweicloudsdkbss.v2 import FilterFactor, FilterV2, GroupBy, ListCostsReq, ListCostsRequest, TimeCondition
    w = policies
    cust, me, bought, vm = yearly_and_hourly(w, "costs")
    begin, end = ms(vm.effective_time), ms(vm.expire_time)
    w.cli("admin", "clock", "set", "2027-03-15T04:00:00Z", "--json")

    def costs(measure, b, e, groupby, cost="ORIGINAL_COST", amount="PAYMENT_AMOUNT", filters=None, **kw):
        return me.client.list_costs(ListCostsRequest(body=ListCostsReq(
            time_condition=TimeCondition(time_measure_id=measure, begin_time=b, end_time=e),
            groupby=[GroupBy(type=t, key=k) for t, k in groupby], cost_type=cost, amount_type=amount,
            filters=[FilterV2(operator=op, filter_factor=FilterFactor(key=k, value=v)) for op, k, v in (filters or [])], **kw)))

    def table(resp):
        return {tuple(d.value for d in r.dimensions): ([(c.time_dimension_value, D(c.amount)) for c in r.costs], D(r.amount_by_costs)) for r in resp.cost_data}

    def share(t: int) -> Decimal:
        t = min(max(t, begin), end)
        return (SMALL_YEAR * D(t - begin) / D(end - begin)).quantize(D("0.01"), rounding=HALF_UP)

    def start(day: str) -> int:
        return int(dt.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=BEIJING).timestamp() * 1000)

    # Original cost: the yearly charge on the day it was paid, the usage on the day it was used.
    got = costs(2, "2027-01", "2027-03", [("dimension", "CLOUD_SERVICE_TYPE")])
    assert got.total_count == 1 and got.currency == "CNY"
    assert table(got) == {(EC2,): ([("2027-01", SMALL_YEAR + D("0.44")), ("2027-02", 0), ("2027-03", 0)], SMALL_YEAR + D("0.44"))}
    assert D(got.cost_data[0].official_amount_by_costs) >= D(got.cost_data[0].amount_by_costs)
    by_mode = costs(2, "2027-01", "2027-01", [("dimension", "CHARGING_MODE"), ("dimension", "RESOURCE_ID")])
    assert table(by_mode) == {("1", vm.resource_id): ([("2027-01", SMALL_YEAR)], SMALL_YEAR), ("3", "vm-hourly"): ([("2027-01", D("0.44"))], D("0.44"))}
    assert [tuple(d.key for d in r.dimensions) for r in by_mode.cost_data] == [("CHARGING_MODE", "RESOURCE_ID")] * 2
    assert by_mode.cost_data[0].dimensions[1].value == vm.resource_id   # the biggest first
    # Amortized: the yearly charge month by month and day by day, by the same rule as the monthly breakdown.
    amortized = costs(2, "2027-01", "2027-03", [("dimension", "CHARGING_MODE")], cost="AMORTIZED_COST", filters=[(0, "CHARGING_MODE", ["1"])])
    jan, feb, mar = share(start("2027-02-01")), share(start("2027-03-01")) - share(start("2027-02-01")), share(start("2027-04-01")) - share(start("2027-03-01"))
    assert table(amortized) == {("1",): ([("2027-01", jan), ("2027-02", feb), ("2027-03", mar)], jan + feb + mar)}
    days = costs(1, "2027-01-10", "2027-01-12", [("dimension", "CLOUD_SERVICE_TYPE")], cost="AMORTIZED_COST", filters=[(1, "CHARGING_MODE", ["3"])])
    d10, d11, d12 = share(start("2027-01-11")), share(start("2027-01-12")) - share(start("2027-01-11")), share(start("2027-01-13")) - share(start("2027-01-12"))
    assert table(days) == {(EC2,): ([("2027-01-10", d10), ("2027-01-11", d11), ("2027-01-12", d12)], d10 + d11 + d12)}
    assert costs(2, "2027-01", "2027-01", [("dimension", "REGION_CODE")], amount="NET_AMOUNT").cost_data[0].amount_by_costs == got.cost_data[0].amount_by_costs
    # Exclusions, and what this sandbox has none of: tags, cost units.
    assert costs(2, "2027-01", "2027-03", [("dimension", "CLOUD_SERVICE_TYPE")], filters=[(1, "CLOUD_SERVICE_TYPE", [EC2])]).total_count == 0
    tagged = costs(2, "2027-01", "2027-01", [("tag", "env")])
    assert [[(d.key, d.value) for d in r.dimensions] for r in tagged.cost_data] == [[("env", "")]]
    assert costs(2, "2027-01", "2027-01", [], filters=[(0, "RESOURCE_TAG", ["env=prod"])]).total_count == 0
    assert costs(2, "2027-01", "2027-01", [("dimension", "RESOURCE_ID")], limit=1, offset=1).total_count == 2

    path = "/v4/costs/cost-analysed-bills/query"
    ok = {"time_condition": {"time_measure_id": 2, "begin_time": "2027-01", "end_time": "2027-02"}, "groupby": [{"type": "dimension", "key": "REGION_CODE"}],
          "cost_type": "ORIGINAL_COST", "amount_type": "PAYMENT_AMOUNT"}
    assert me.signed("POST", path, ok).status_code == 200
    for change, field in (({"time_condition": None}, "time_condition"), ({"time_condition": {"time_measure_id": 3, "begin_time": "2027-01", "end_time": "2027-01"}}, "time_measure_id"),
                          ({"time_condition": {"time_measure_id": 1, "begin_time": "2027-01", "end_time": "2027-01"}}, "begin_time"),
                          ({"time_condition": {"time_measure_id": 2, "begin_time": "2027-03", "end_time": "2027-01"}}, "begin_time"),
                          ({"time_condition": {"time_measure_id": 2, "begin_time": "2027-01", "end_time": "2027-04"}}, "end_time"),
                          ({"time_condition": {"time_measure_id": 2, "begin_time": "2025-09", "end_time": "2027-01"}}, "begin_time"),
                          ({"groupby": [{"type": "dimension", "key": "REGION_CODE"}] * 3}, "groupby"),
                          ({"groupby": [{"type": "tag", "key": "a"}, {"type": "tag", "key": "b"}]}, "groupby"),
                          ({"groupby": [{"type": "dimension", "key": "COLOUR"}]}, "groupby.key"), ({"cost_type": "REAL_COST"}, "cost_type"),
                          ({"amount_type": None}, "amount_type"), ({"limit": 1001}, "limit"),
                          ({"filters": [{"operator": 2, "filter_factor": {"key": "REGION_CODE", "value": []}}]}, "operator"),
                          ({"filters": [{"operator": 0, "filter_factor": {"key": "COLOUR", "value": []}}]}, "filter_factor.key")):
        body = {**ok, **change}
        err = assert_error(me.signed("POST", path, {k: v for k, v in body.items() if v is not None}), 400, "CBC.0100")
        assert field in err["error_msg"], (change, err)
    assert w.sp.signed("POST", path, ok).status_code == 403
    w.cli("admin", "clock", "reset", "--json")
