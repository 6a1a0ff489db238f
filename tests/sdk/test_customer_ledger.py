"""A customer's own account lines (ListCustomerAccountChangeRecords), and `ledger verify`
catching a fee record whose split does not add up."""
import sqlite3
from decimal import Decimal

import pytest
from huaweicloudsdkbss.v2 import (AdjustAccountReq, ListCustomerAccountChangeRecordsRequest, UpdateCustomerAccountAmountRequest)

from conftest import Cli, CustomerFactory, PartnerFactory, expect_sdk_error


@pytest.fixture(scope="module")
def world(start_server, binary):
    srv = start_server("customer-ledger", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    customers = CustomerFactory(partners)
    sp = partners.solution_provider()
    cli("admin", "partner", "fund", "--domain-id", sp.domain_id, "--amount", "500")
    cust = customers.create(sp)
    sp.client.update_customer_account_amount(UpdateCustomerAccountAmountRequest(
        body=AdjustAccountReq(customer_id=cust.domain_id, amount=Decimal("50"))))
    cli("admin", "resource", "provision", "--customer-id", cust.domain_id, "--service-type", "hws.service.type.ec2",
        "--resource-type", "hws.resource.type.vm", "--spec", "s6.small.1.linux", "--region", "cn-north-4", "--json")
    return srv, cli, sp, cust, customers.principal(cust)


def lines(principal, **filters):
    return principal.client.list_customer_account_change_records(
        ListCustomerAccountChangeRecordsRequest(balance_type="BALANCE_TYPE_DEBIT", **filters))


def test_customer_sees_grant_and_purchase_lines(world):
    _, _, _, _, me = world
    r = lines(me)
    assert r.total_count == 2
    newest, oldest = r.records
    assert (oldest.trade_detail_type, oldest.revenue_expense_type, Decimal(oldest.change_amount), Decimal(oldest.balance_after_change)) == \
        ("SOURCE_OPERATION_BEADJUST", "REVENUE", Decimal("50"), Decimal("50"))
    # s6.small.1.linux in cn-north-4 costs 28.20 a month, paid from cash at purchase.
    assert (newest.trade_detail_type, newest.revenue_expense_type, Decimal(newest.change_amount), Decimal(newest.balance_after_change)) == \
        ("SOURCE_OPERAIION_DEDEUCT", "EXPENSE", Decimal("28.2"), Decimal("21.8"))


def test_filters(world):
    _, _, _, _, me = world
    assert [x.revenue_expense_type for x in lines(me, revenue_expense_type="EXPENSE").records] == ["EXPENSE"]
    assert [x.trade_detail_type for x in lines(me, trade_type="BEADJUST").records] == ["SOURCE_OPERATION_BEADJUST"]
    one = lines(me).records[0]
    assert [x.trade_id for x in lines(me, trade_id=one.trade_id).records] == [one.trade_id]
    assert lines(me, trade_time_begin="2020-01-01", trade_time_end="2020-01-31").total_count == 0


@pytest.mark.parametrize("filters", [{"balance_type": "BALANCE_TYPE_BONUS"}, {"revenue_expense_type": "BOTH"}, {"trade_type": "GIFT"},
                                     {"trade_time_begin": "2024-13-01"}, {"trade_time_begin": "2020-01-01", "trade_time_end": "2022-01-01"},
                                     {"limit": 1001}])
def test_bad_parameters(world, filters):
    _, _, _, _, me = world
    args = {"balance_type": "BALANCE_TYPE_DEBIT", **filters}
    expect_sdk_error(lambda: me.client.list_customer_account_change_records(ListCustomerAccountChangeRecordsRequest(**args)), 400, "CBC.0100")


def test_partners_are_refused(world):
    _, _, sp, _, _ = world
    expect_sdk_error(lambda: sp.client.list_customer_account_change_records(
        ListCustomerAccountChangeRecordsRequest(balance_type="BALANCE_TYPE_DEBIT")), 403, "CBC.0151")


def test_verify_catches_a_fee_whose_split_does_not_add_up(world, backend):
    srv, cli, _, _, _ = world
    assert cli("admin", "ledger", "verify", "--json")["ok"] is True
    if backend.name != "sqlite":
        pytest.skip("tampering goes through the SQLite file directly")
    path = srv.database.removeprefix("sqlite:")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE fee_records SET cash = cash + 1 WHERE id = (SELECT MIN(id) FROM fee_records)")
    proc = cli.run("admin", "ledger", "verify", "--json")
    assert proc.returncode == 1
    assert "payment split" in proc.stdout
    with sqlite3.connect(path) as db:
        db.execute("UPDATE fee_records SET cash = cash - 1 WHERE id = (SELECT MIN(id) FROM fee_records)")
    assert cli("admin", "ledger", "verify", "--json")["ok"] is True
