"""Helpers shared by the funds tests: moving money through the SDK and reading it back.

Amounts are handled as `decimal.Decimal` end to end so every balance check is
exact; ListPartnerBalances is typed `float` in the SDK, so its values are
converted through `repr`, which round-trips any 2-decimal amount exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from huaweicloudsdkbss.v2 import (
    AdjustAccountReq,
    AdjustToIndirectPartnerReq,
    CustomerInfoV2,
    ListCustomersBalancesDetailRequest,
    ListPartnerAccountChangeRecordsRequest,
    ListPartnerAdjustRecordsRequest,
    ListPartnerBalancesRequest,
    QueryCustomersBalancesReq,
    ReclaimIndirectPartnerAccountReq,
    ReclaimIndirectPartnerAccountRequest,
    ReclaimToPartnerAccountBalancesReq,
    ReclaimToPartnerAccountRequest,
    ShowCustomerAccountBalancesRequest,
    UpdateCustomerAccountAmountRequest,
    UpdateIndirectPartnerAccountRequest,
)

BEADJUST = "SOURCE_OPERATION_BEADJUST"
BERETRIEVE = "SOURCE_OPERATION_BERETRIEVE"
BEUNBIND = "SOURCE_OPERATION_BEUNBIND"
RECHARGE = "SOURCE_OPERAIION_RECHARGE"
DEBIT = "BALANCE_TYPE_DEBIT"
CREDIT = "BALANCE_TYPE_CREDIT"

ADJUST_PATH = "/v2/accounts/partner-accounts/adjust-amount"
RECLAIM_PATH = "/v2/accounts/partner-accounts/reclaim"
INDIRECT_ADJUST_PATH = "/v2/accounts/partner-accounts/indirect-partner-adjust"
INDIRECT_RECLAIM_PATH = "/v2/accounts/partner-accounts/indirect-partner-reclaim"

BEIJING = dt.timezone(dt.timedelta(hours=8))


def dec(value: Any) -> Decimal:
    if value is None:
        raise AssertionError("amount is missing (None)")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


# ----------------------------------------------------------------- CLI / operator

def fund(cli, domain_id: str, amount: Any, account: Optional[str] = None) -> dict:
    args = ["admin", "partner", "fund", "--domain-id", domain_id, "--amount", str(amount)]
    if account:
        args += ["--account", account]
    out = cli(*args, "--json")
    assert out.get("transfer_id"), out
    assert "balance" in out, out
    return out


def verify_ledger(cli) -> dict:
    proc = cli.run("admin", "ledger", "verify", "--json")
    assert proc.stdout.strip(), f"ledger verify printed nothing: {proc.stderr}"
    import json
    out = json.loads(proc.stdout)
    assert proc.returncode == 0 and out.get("ok") is True and out.get("problems") == [], (
        f"ledger verify failed (exit {proc.returncode}): {out}\n{proc.stderr}")
    assert Decimal(str(out["total"])) == 0, out
    return out


def unbind(cli, customer_id: str) -> dict:
    out = cli("admin", "customer", "unbind", "--customer-id", customer_id, "--json")
    assert out.get("customer_id") == customer_id, out
    return out


# ----------------------------------------------------------------- writes via the SDK

def grant(p, customer_id: str, amount: Any, indirect: Optional[str] = None) -> str:
    resp = p.client.update_customer_account_amount(UpdateCustomerAccountAmountRequest(
        body=AdjustAccountReq(customer_id=customer_id, amount=Decimal(str(amount)),
                              indirect_partner_id=indirect)))
    assert resp.transfer_id, resp
    return resp.transfer_id


def reclaim(p, customer_id: str, amount: Any, indirect: Optional[str] = None) -> str:
    resp = p.client.reclaim_to_partner_account(ReclaimToPartnerAccountRequest(
        body=ReclaimToPartnerAccountBalancesReq(customer_id=customer_id,
                                                amount=Decimal(str(amount)),
                                                indirect_partner_id=indirect)))
    assert resp.trans_id, resp
    return resp.trans_id


def grant_reseller(p, reseller_id: str, amount: Any) -> str:
    resp = p.client.update_indirect_partner_account(UpdateIndirectPartnerAccountRequest(
        body=AdjustToIndirectPartnerReq(indirect_partner_id=reseller_id,
                                        amount=Decimal(str(amount)))))
    assert resp.transfer_id, resp
    return resp.transfer_id


def reclaim_reseller(p, reseller_id: str, amount: Any) -> str:
    resp = p.client.reclaim_indirect_partner_account(ReclaimIndirectPartnerAccountRequest(
        body=ReclaimIndirectPartnerAccountReq(indirect_partner_id=reseller_id,
                                              amount=Decimal(str(amount)))))
    assert resp.trans_id, resp
    return resp.trans_id


# ----------------------------------------------------------------- reads via the SDK

def balances(p, indirect: Optional[str] = None) -> dict:
    """ListPartnerBalances as {account_type: AccountBalanceV2}."""
    resp = p.client.list_partner_balances(ListPartnerBalancesRequest(indirect_partner_id=indirect))
    out = {}
    for b in resp.account_balances:
        assert b.account_type not in out, f"account type {b.account_type} listed twice: {resp}"
        out[b.account_type] = b
    return out


def cash(p, indirect: Optional[str] = None) -> Decimal:
    bal = balances(p, indirect)
    assert 1 in bal, f"no cash account (type 1) listed: {bal}"
    return dec(bal[1].amount)


def customer_balances(p, customer_ids, indirect: Optional[str] = None) -> dict:
    resp = p.client.list_customers_balances_detail(ListCustomersBalancesDetailRequest(
        body=QueryCustomersBalancesReq(
            customer_infos=[CustomerInfoV2(customer_id=c) for c in customer_ids],
            indirect_partner_id=indirect)))
    return {b.customer_id: b for b in (resp.customer_balances or [])}


def customer_cash(p, customer_id: str, indirect: Optional[str] = None) -> Decimal:
    got = customer_balances(p, [customer_id], indirect)
    assert customer_id in got, f"{customer_id} missing from batch query: {got}"
    return dec(got[customer_id].amount)


def own_balances(customer_principal):
    return customer_principal.client.show_customer_account_balances(
        ShowCustomerAccountBalancesRequest())


def adjust_page(p, **filters):
    return p.client.list_partner_adjust_records(ListPartnerAdjustRecordsRequest(**filters))


def adjust_records(p, **filters) -> list:
    """Every matching adjust record, following offset/limit to the end."""
    out, offset = [], 0
    while True:
        page = adjust_page(p, offset=offset, limit=100, **filters)
        recs = page.records or []
        out.extend(recs)
        offset += len(recs)
        if not recs or offset >= page.total_count:
            assert len(out) == page.total_count, (len(out), page.total_count)
            return out


def change_page(p, balance_type: str = DEBIT, **filters):
    return p.client.list_partner_account_change_records(
        ListPartnerAccountChangeRecordsRequest(balance_type=balance_type, **filters))


def change_records(p, balance_type: str = DEBIT, **filters) -> list:
    out, offset = [], 0
    while True:
        page = change_page(p, balance_type, offset=offset, limit=100, **filters)
        recs = page.records or []
        out.extend(recs)
        offset += len(recs)
        if not recs or offset >= page.total_count:
            assert len(out) == page.total_count, (len(out), page.total_count)
            return out


def assert_chain(records: list, final_balance: Decimal):
    """Newest-first ledger lines must replay: each balance_after_change is the
    previous one plus (income) or minus (expense) its change_amount."""
    assert records, "no ledger lines"
    assert dec(records[0].balance_after_change) == final_balance, (
        f"newest line ends at {records[0].balance_after_change}, balance is {final_balance}")
    for newer, older in zip(records, records[1:]):
        delta = dec(newer.change_amount)
        assert delta > 0, newer
        sign = {"1": 1, "2": -1}[newer.type]
        assert dec(older.balance_after_change) + sign * delta == dec(newer.balance_after_change), (
            f"chain broken between {older} and {newer}")
    oldest = records[-1]
    sign = {"1": 1, "2": -1}[oldest.type]
    assert sign * dec(oldest.change_amount) == dec(oldest.balance_after_change), (
        f"first line does not start from 0: {oldest}")
