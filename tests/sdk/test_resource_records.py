"""Resource-level customer records (per record, per day, per cycle), the partner's list of
customers with spend, and package item details — on a server and clock of their own."""
import json
from decimal import Decimal

import pytest
from huaweicloudsdkbss.v2 import (ListConsumeSubCustomersReq, ListConsumeSubCustomersRequest, ListCustomerselfResourceRecordsRequest,
                                  ListFreeResourceUsagesReq, ListFreeResourceUsagesRequest)

from conftest import Cli, CustomerFactory, PartnerFactory, expect_sdk_error


def usage(record_id, customer, begin, end, hours, resource="vm-1"):
    return {"record_id": record_id, "customer_id": customer, "resource_id": resource, "cloud_service_type": "hws.service.type.ec2",
            "resource_type": "hws.resource.type.vm", "resource_spec": "s6.small.1.linux", "region": "cn-north-4", "usage_type": "Duration",
            "usage_value": hours, "usage_measure_id": 4, "begin_time": begin, "end_time": end}


@pytest.fixture(scope="module")
def world(start_server, binary, tmp_path_factory):
    srv = start_server("bills-more", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    cli("admin", "clock", "set", "2026-03-20T04:00:00Z")
    partners = PartnerFactory(cli, srv.base_url)
    customers = CustomerFactory(partners)
    sp, other = partners.solution_provider(), partners.solution_provider()
    a, b, idle = customers.create(sp), customers.create(other), customers.create(sp)
    grant = cli("admin", "package", "grant", "--customer-id", a.domain_id, "--resource-type", "hws.resource.type.vm", "--usage-type", "Duration",
                "--amount", "4", "--measure-id", "4", "--effective", "2026-03-01", "--expires", "2026-12-31", "--json")
    path = tmp_path_factory.mktemp("usage") / "usage.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        usage("m-1", a.domain_id, "2026-03-10T00:00:00Z", "2026-03-10T10:00:00Z", 10),
        usage("m-2", a.domain_id, "2026-03-10T10:00:00Z", "2026-03-10T16:00:00Z", 6),
        usage("m-3", a.domain_id, "2026-03-11T00:00:00Z", "2026-03-11T05:00:00Z", 5),
        usage("m-4", b.domain_id, "2026-03-11T00:00:00Z", "2026-03-11T01:00:00Z", 1, resource="vm-b"),
    ]) + "\n")
    assert cli("admin", "usage", "import", str(path), "--json")["imported"] == 4
    return srv, cli, sp, other, customers.principal(a), customers.principal(b), a, b, idle, grant


def records(principal, **kw):
    return principal.client.list_customerself_resource_records(ListCustomerselfResourceRecordsRequest(cycle="2026-03", **kw))


def test_detail_records_with_package_cover(world):
    pa, a = world[4], world[6]
    r = records(pa)
    assert r.total_count == 3
    by_usage = sorted((Decimal(x.usage), x.free_resource_usage and Decimal(x.free_resource_usage), Decimal(x.amount)) for x in r.fee_records)
    # The 4-hour package covers the first 4 hours of m-1 (imported first); 0.22 an hour for the rest.
    assert by_usage == [(Decimal(5), None, Decimal("1.1")), (Decimal(6), None, Decimal("1.32")), (Decimal(10), Decimal(4), Decimal("1.32"))]
    assert all(x.charge_mode == "3" and x.bill_type == 5 and x.customer_id == a.domain_id for x in r.fee_records)


def test_grouped_by_day_and_by_cycle(world):
    pa = world[4]
    days = records(pa, statistic_type=2)
    assert sorted((x.bill_date, Decimal(x.usage), Decimal(x.amount)) for x in days.fee_records) == [
        ("2026-03-10", Decimal(16), Decimal("2.64")), ("2026-03-11", Decimal(5), Decimal("1.1"))]
    cycle = records(pa, statistic_type=1)
    assert [(Decimal(x.usage), Decimal(x.amount)) for x in cycle.fee_records] == [(Decimal(21), Decimal("3.74"))]


@pytest.mark.parametrize("kw", [{"statistic_type": 4}, {"charge_mode": 2}, {"bill_type": 6}, {"method": "everyone"}, {"limit": 1001}])
def test_bad_parameters(world, kw):
    pa = world[4]
    expect_sdk_error(lambda: records(pa, **kw), 400, "CBC.0100")


def test_customers_see_only_their_own(world):
    pb = world[5]
    assert [x.resource_id for x in records(pb).fee_records] == ["vm-b"]


def test_partner_lists_customers_with_spend(world):
    _, _, sp, other, _, _, a, b, idle, _ = world
    got = sp.client.list_consume_sub_customers(ListConsumeSubCustomersRequest(body=ListConsumeSubCustomersReq(bill_cycle="2026-03")))
    assert [c.customer_id for c in got.sub_customers] == [a.domain_id] and got.total_count == 1
    assert idle.domain_id not in [c.customer_id for c in got.sub_customers]
    theirs = other.client.list_consume_sub_customers(ListConsumeSubCustomersRequest(body=ListConsumeSubCustomersReq(bill_cycle="2026-03")))
    assert [c.customer_id for c in theirs.sub_customers] == [b.domain_id]
    empty = sp.client.list_consume_sub_customers(ListConsumeSubCustomersRequest(body=ListConsumeSubCustomersReq(bill_cycle="2026-02")))
    assert empty.total_count == 0
    expect_sdk_error(lambda: sp.client.list_consume_sub_customers(ListConsumeSubCustomersRequest(body=ListConsumeSubCustomersReq(bill_cycle="2026-3"))), 400, "CBC.0100")


def test_package_item_details(world):
    _, _, _, _, pa, pb, _, _, _, grant = world
    got = pa.client.list_free_resource_usages(ListFreeResourceUsagesRequest(body=ListFreeResourceUsagesReq(free_resource_ids=[grant["free_resource_id"]])))
    assert [(d.free_resource_id, Decimal(d.amount), Decimal(d.original_amount), d.measure_id) for d in got.free_resources] == [
        (grant["free_resource_id"], Decimal(0), Decimal(4), 4)]
    # Another customer asking for the same item sees nothing.
    theirs = pb.client.list_free_resource_usages(ListFreeResourceUsagesRequest(body=ListFreeResourceUsagesReq(free_resource_ids=[grant["free_resource_id"]])))
    assert theirs.free_resources == []
    expect_sdk_error(lambda: pa.client.list_free_resource_usages(ListFreeResourceUsagesRequest(body=ListFreeResourceUsagesReq(free_resource_ids=[]))), 400, "CBC.0100")


def test_partner_credentials_refused_on_customer_apis(world):
    sp = world[2]
    expect_sdk_error(lambda: records(sp), 403, "CBC.0151")


def test_books_balance(world):
    assert world[1]("admin", "ledger", "verify", "--json")["ok"] is True


def details(principal, language=None, **kw):
    from huaweicloudsdkbss.v2 import ListCustomerselfResourceRecordDetailsRequest, QueryResRecordsDetailReq
    return principal.client.list_customerself_resource_record_details(ListCustomerselfResourceRecordDetailsRequest(
        x_language=language, body=QueryResRecordsDetailReq(**{"cycle": "2026-03", **kw})))


def test_resource_record_details_per_cycle_day_and_record(world):
    pa, a = world[4], world[6]
    # Per cycle (the default): the resource's whole month, as ListCustomerselfResourceRecords sums it.
    cycle = details(pa)
    assert cycle.total_count == 1 and cycle.currency == "CNY"
    (r,) = cycle.monthly_records
    assert (r.cycle, r.bill_date, r.bill_type, r.charge_mode, r.res_instance_id, r.resource_type_code, r.sku_code) == (
        "2026-03", None, 5, 3, "vm-1", "hws.resource.type.vm", "s6.small.1.linux"), r
    assert (r.consume_amount, r.cash_amount + r.credit_amount + r.coupon_amount + r.debt_amount) == (Decimal("3.74"), Decimal("3.74"))
    assert r.official_amount - r.discount_amount == r.consume_amount
    assert (r.cloud_service_type_name, r.resource_type_name) == ("弹性云服务器", "云主机")
    assert (r.customer_id, r.payer_account_id, r.root_resource_id, r.parent_resource_id, r.period_type) == (a.domain_id, a.domain_id, "vm-1", "vm-1", 25)
    assert r.id is None and r.effective_time is None and r.consume_time is None
    assert details(pa, language="en_US").monthly_records[0].cloud_service_type_name == "Elastic Cloud Server"
    # Per day and per record, with the days bounded.
    days = details(pa, statistic_type=2)
    assert sorted((x.bill_date, x.consume_amount) for x in days.monthly_records) == [("2026-03-10", Decimal("2.64")), ("2026-03-11", Decimal("1.1"))]
    records = details(pa, statistic_type=3)
    assert records.total_count == 3 and all(x.id and x.effective_time and x.consume_time and x.is_spot == "N" for x in records.monthly_records)
    daily = details(pa, statistic_type=3, query_type="DAILY", bill_cycle_begin="2026-03-11", bill_cycle_end="2026-03-11")
    assert [x.consume_amount for x in daily.monthly_records] == [Decimal("1.1")]
    # Filters, and what matches nothing here: another project, a member, another payer.
    assert details(pa, cloud_service_type="hws.service.type.obs").total_count == 0
    assert details(pa, resource_type="hws.resource.type.vm", region="cn-north-4", res_instance_id="vm-1", charge_mode=3, bill_type=5).total_count == 1
    assert details(pa, enterprise_project_id="0").total_count == 1 and details(pa, enterprise_project_id="ep-1").total_count == 0
    assert details(pa, method="sub_customer", sub_customer_id="someone").total_count == 0
    assert details(pa, payer_account_id=a.domain_id).total_count == 1 and details(pa, payer_account_id="another").total_count == 0
    assert details(pa, statistic_type=3, limit=2, offset=2).total_count == 3 and len(details(pa, statistic_type=3, limit=2, offset=2).monthly_records) == 1
    # Only the customer's own: the other customer sees its record, partners none.
    assert [x.res_instance_id for x in details(world[5]).monthly_records] == ["vm-b"]
    sp = world[2]
    assert sp.signed("POST", "/v2/bills/customer-bills/res-records/query", {"cycle": "2026-03"}).status_code == 403


def test_resource_record_details_of_subscriptions_show_their_period_and_main_resource(world):
    srv, cli, sp = world[0], world[1], world[2]
    customers = CustomerFactory(PartnerFactory(cli, srv.base_url))
    c = customers.create(sp)
    me = customers.principal(c)
    cli("admin", "customer", "top-up", "--customer-id", c.domain_id, "--amount", "1000", "--json")  # a purchase is paid
    vm = cli("admin", "resource", "provision", "--customer-id", c.domain_id, "--service-type", "hws.service.type.ec2",
             "--resource-type", "hws.resource.type.vm", "--spec", "s6.small.1.linux", "--region", "cn-north-4", "--json")
    disk = cli("admin", "resource", "provision", "--customer-id", c.domain_id, "--service-type", "hws.service.type.ebs",
               "--resource-type", "hws.resource.type.volume", "--spec", "SATA", "--region", "cn-north-4", "--size=40",
               f"--parent={vm['resource_id']}", "--json")
    got = {r.res_instance_id: r for r in details(me, charge_mode=1, statistic_type=3).monthly_records}
    assert set(got) == {vm["resource_id"], disk["resource_id"]}
    for r in got.values():
        assert (r.bill_type, r.charge_mode, r.period_type, r.is_spot, r.root_resource_id) == (1, 1, 20, "--", vm["resource_id"]), r
        assert r.consume_amount == r.cash_amount + r.credit_amount + r.coupon_amount + r.debt_amount
    assert got[disk["resource_id"]].parent_resource_id == vm["resource_id"]


@pytest.mark.parametrize("body,field", [
    ({}, "cycle"), ({"cycle": "2018-12"}, "cycle"), ({"cycle": "2026-3"}, "cycle"), ({"cycle": "2026-03", "statistic_type": 4}, "statistic_type"),
    ({"cycle": "2026-03", "charge_mode": 2}, "charge_mode"), ({"cycle": "2026-03", "bill_type": 6}, "bill_type"),
    ({"cycle": "2026-03", "query_type": "WEEKLY"}, "query_type"), ({"cycle": "2026-03", "query_type": "DAILY", "statistic_type": 2}, "bill_cycle_begin"),
    ({"cycle": "2026-03", "query_type": "DAILY", "bill_cycle_begin": "2026-03-01", "bill_cycle_end": "2026-03-02"}, "query_type"),
    ({"cycle": "2026-03", "bill_cycle_begin": "2026-04-01", "bill_cycle_end": "2026-04-02", "statistic_type": 2}, "bill_cycle_begin"),
    ({"cycle": "2026-03", "method": "everyone"}, "method"), ({"cycle": "2026-03", "method": "sub_customer"}, "sub_customer_id"),
    ({"cycle": "2026-03", "limit": 1001}, "limit"), ({"cycle": "2026-03", "offset": -1}, "offset"),
    ({"cycle": "2026-03", "region": "r" * 65}, "region"), ({"cycle": "2026-03", "include_zero_record": "maybe"}, "include_zero_record"),
])
def test_resource_record_details_bad_bodies(world, body, field):
    from conftest import assert_error
    err = assert_error(world[4].signed("POST", "/v2/bills/customer-bills/res-records/query", body), 400, "CBC.0100")
    assert field in err["error_msg"], (body, err)
