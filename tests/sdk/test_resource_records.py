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
