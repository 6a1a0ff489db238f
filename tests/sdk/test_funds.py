"""Funds: partner funding, grants and reclaims (customers and resellers), balances,
adjust records, account-change records, idempotency, unbind and tenancy."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from conftest import assert_error, expect_sdk_error, issue_token, list_customers, token_request, unique
from funds_support import (
    ADJUST_PATH,
    BEADJUST,
    BERETRIEVE,
    BEUNBIND,
    CREDIT,
    DEBIT,
    INDIRECT_ADJUST_PATH,
    INDIRECT_RECLAIM_PATH,
    RECHARGE,
    RECLAIM_PATH,
    adjust_page,
    adjust_records,
    assert_chain,
    balances,
    beijing_today,
    cash,
    change_page,
    change_records,
    customer_balances,
    customer_cash,
    dec,
    fund,
    grant,
    grant_reseller,
    own_balances,
    reclaim,
    reclaim_reseller,
    unbind,
    verify_ledger,
)

UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
D = Decimal


@pytest.fixture(scope="module", autouse=True)
def ledger_clean_after_module(cli):
    yield
    verify_ledger(cli)


@pytest.fixture
def funded(partners, cli):
    """A solution provider (it has direct customers) holding 1000.00 in cash."""
    dist = partners.solution_provider()
    fund(cli, dist.domain_id, "1000.00")
    return dist


@pytest.fixture
def funded_distributor(partners, cli):
    """A distributor holding 1000.00 in cash: the one kind that funds resellers."""
    dist = partners.distributor()
    fund(cli, dist.domain_id, "1000.00")
    return dist


def utc(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ================================================================= funding

def test_fund_cli_credits_cash_and_reports_balance(partners, cli):
    dist = partners.solution_provider()
    assert cash(dist) == 0
    first = fund(cli, dist.domain_id, "100.5")
    assert dec(first["balance"]) == D("100.5")
    second = fund(cli, dist.domain_id, "0.01")
    assert dec(second["balance"]) == D("100.51")
    assert first["transfer_id"] != second["transfer_id"]
    assert cash(dist) == D("100.51")
    # funding is a RECHARGE line on the partner's cash ledger
    lines = change_records(dist, DEBIT)
    assert [l.trade_id for l in lines] == [second["transfer_id"], first["transfer_id"]]
    assert {l.trade_detail_type for l in lines} == {RECHARGE}
    assert {l.type for l in lines} == {"1"}
    assert_chain(lines, D("100.51"))
    assert [l.trade_id for l in change_records(dist, DEBIT, trade_type="RECHARGE")] == \
        [second["transfer_id"], first["transfer_id"]]
    # funding is not a grant: no adjust record
    assert adjust_page(dist).total_count == 0


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "abc", "", "0.001"])
def test_fund_cli_rejects_bad_amounts(partners, cli, amount):
    dist = partners.solution_provider()
    proc = cli.run("admin", "partner", "fund", "--domain-id", dist.domain_id, "--amount", amount,
                   "--json")
    assert proc.returncode != 0, proc.stdout
    assert proc.stderr.strip(), "a rejected fund must say why on stderr"
    assert cash(dist) == 0


def test_fund_cli_rejects_unknown_targets_and_accounts(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    for args in (["--domain-id", "0" * 32],
                 ["--domain-id", cust.domain_id],
                 ["--domain-id", dist.domain_id, "--account", "bonus"]):
        proc = cli.run("admin", "partner", "fund", *args, "--amount", "10", "--json")
        assert proc.returncode != 0, (args, proc.stdout)
        assert proc.stderr.strip(), args
    assert cash(dist) == 0


def test_fund_operator_http(partners, operator):
    dist = partners.solution_provider()
    resp = operator.signed("POST", f"/operator/v1/partners/{dist.domain_id}/fund",
                           {"amount": 100.5, "account": "cash"})
    assert resp.status_code == 200, resp.text
    body = resp.json(parse_float=Decimal)
    assert body["transfer_id"]
    assert dec(body["balance"]) == D("100.5")
    resp = operator.signed("POST", f"/operator/v1/partners/{dist.domain_id}/fund", {"amount": 20})
    assert resp.status_code == 200, resp.text
    assert dec(resp.json(parse_float=Decimal)["balance"]) == D("120.5")
    assert cash(dist) == D("120.5")
    for bad in ({"amount": 0}, {"amount": -5}, {"amount": 1.234}, {"amount": "5"}, {}):
        r = operator.signed("POST", f"/operator/v1/partners/{dist.domain_id}/fund", bad)
        assert r.status_code == 400, (bad, r.status_code, r.text)
    assert cash(dist) == D("120.5")


def test_fund_operator_http_needs_operator(partners):
    dist = partners.solution_provider()
    assert_error(dist.signed("POST", f"/operator/v1/partners/{dist.domain_id}/fund",
                             {"amount": 10}), 403, "CBC.0151")
    assert_error(dist.signed("GET", "/operator/v1/ledger/verify"), 403, "CBC.0151")
    assert cash(dist) == 0


def test_credit_funding_appears_as_credit_account(partners, cli):
    dist = partners.solution_provider()
    bal = balances(dist)
    assert list(bal) == [1], f"before credit funding only cash is listed: {bal}"
    cash_acct = bal[1]
    assert dec(cash_acct.amount) == 0
    assert cash_acct.currency == "CNY" and cash_acct.measure_id == 1
    assert dec(cash_acct.designated_amount) == 0

    fund(cli, dist.domain_id, "300", account="credit")
    fund(cli, dist.domain_id, "200.25", account="credit")
    bal = balances(dist)
    assert set(bal) == {1, 2}
    assert dec(bal[1].amount) == 0, "credit funding must not touch cash"
    assert dec(bal[2].amount) == D("500.25")
    assert dec(bal[2].credit_amount) == D("500.25")
    assert bal[2].currency == "CNY" and bal[2].measure_id == 1
    assert bal[1].account_id != bal[2].account_id

    lines = change_records(dist, CREDIT)
    assert len(lines) == 2
    assert_chain(lines, D("500.25"))
    assert change_page(dist, DEBIT).total_count == 0

    # credit is not grantable cash
    # (a customer grant draws on the cash account only)


def test_credit_is_not_grantable(partners, customers, cli):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    fund(cli, dist.domain_id, "500", account="credit")
    expect_sdk_error(lambda: grant(dist, cust.domain_id, "1"), 400, "CBC.99005003")
    assert customer_cash(dist, cust.domain_id) == 0


# ================================================================= grant / reclaim

def test_grant_and_reclaim_arithmetic(funded, customers):
    dist = funded
    a = customers.create(dist)
    b = customers.create(dist)
    t1 = grant(dist, a.domain_id, "150.25")
    t2 = grant(dist, b.domain_id, "0.01")
    t3 = grant(dist, a.domain_id, "99.99")
    r1 = reclaim(dist, a.domain_id, "50.24")
    assert t1.startswith("AD") and t2.startswith("AD") and t3.startswith("AD"), (t1, t2, t3)
    assert r1.startswith("RE"), r1
    assert len({t1, t2, t3, r1}) == 4

    assert cash(dist) == D("1000.00") - D("150.25") - D("0.01") - D("99.99") + D("50.24")
    assert customer_cash(dist, a.domain_id) == D("150.25") + D("99.99") - D("50.24")
    assert customer_cash(dist, b.domain_id) == D("0.01")

    # reclaim the exact remainder: balance may reach exactly zero
    reclaim(dist, a.domain_id, "200.00")
    assert customer_cash(dist, a.domain_id) == 0
    assert cash(dist) == D("999.99")


def test_grant_whole_balance_then_nothing_left(partners, customers, cli):
    dist = partners.solution_provider()
    fund(cli, dist.domain_id, "10.10")
    cust = customers.create(dist)
    grant(dist, cust.domain_id, "10.10")
    assert cash(dist) == 0
    expect_sdk_error(lambda: grant(dist, cust.domain_id, "0.01"), 400, "CBC.99005003")
    assert customer_cash(dist, cust.domain_id) == D("10.10")


def test_insufficient_balance_moves_nothing(funded, customers):
    dist = funded
    cust = customers.create(dist)
    expect_sdk_error(lambda: grant(dist, cust.domain_id, "1000.01"), 400, "CBC.99005003")
    grant(dist, cust.domain_id, "30")
    expect_sdk_error(lambda: reclaim(dist, cust.domain_id, "30.01"), 400, "CBC.99005003")
    assert cash(dist) == D("970")
    assert customer_cash(dist, cust.domain_id) == D("30")
    assert adjust_page(dist).total_count == 1
    assert change_page(dist, DEBIT).total_count == 2


def test_customer_reads_own_balance(funded, customers, server):
    dist = funded
    cust = customers.create(dist)
    me = customers.principal(cust)
    resp = own_balances(me)
    assert resp.currency == "CNY" and resp.measure_id == 1
    assert dec(resp.debt_amount) == 0
    cash_accts = [a for a in resp.account_balances if a.account_type == 1]
    assert len(cash_accts) == 1 and dec(cash_accts[0].amount) == 0

    grant(dist, cust.domain_id, "150.25")
    grant(dist, cust.domain_id, "10")
    reclaim(dist, cust.domain_id, "0.25")
    resp = own_balances(me)
    cash_accts = [a for a in resp.account_balances if a.account_type == 1]
    assert len(cash_accts) == 1
    acct = cash_accts[0]
    assert dec(acct.amount) == D("160.00")
    assert acct.currency == "CNY" and acct.measure_id == 1
    assert dec(resp.debt_amount) == 0

    # the same through an IAM token issued with the customer's password
    tok = issue_token(server.base_url, cust.domain_name, cust.password)
    assert tok.status_code == 201, tok.text
    r = token_request(server.base_url, "GET", "/v2/accounts/customer-accounts/balances",
                      tok.headers["X-Subject-Token"])
    assert r.status_code == 200, r.text
    body = r.json(parse_float=Decimal)
    assert [dec(a["amount"]) for a in body["account_balances"] if a["account_type"] == 1] == \
        [D("160.00")]


def test_customer_balance_api_refuses_partners(funded):
    expect_sdk_error(lambda: own_balances(funded), 403, "CBC.0151")


def test_customer_cannot_use_partner_apis(funded, customers):
    dist = funded
    cust = customers.create(dist)
    other = customers.create(dist)
    grant(dist, cust.domain_id, "5")
    me = customers.principal(cust)
    expect_sdk_error(lambda: grant(me, other.domain_id, "1"), 403, "CBC.0151")
    expect_sdk_error(lambda: reclaim(me, cust.domain_id, "1"), 403, "CBC.0151")
    expect_sdk_error(lambda: balances(me), 403, "CBC.0151")
    assert customer_cash(dist, cust.domain_id) == D("5")
    assert customer_cash(dist, other.domain_id) == 0


def test_reseller_cannot_grant_or_reclaim(partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    fund(cli, dist.domain_id, "100")
    grant_reseller(dist, reseller.domain_id, "50")
    cust = customers.create(dist, indirect_partner_id=reseller.domain_id)
    expect_sdk_error(lambda: grant(reseller, cust.domain_id, "1"), 403, "CBC.0151")
    expect_sdk_error(lambda: reclaim(reseller, cust.domain_id, "1"), 403, "CBC.0151")
    expect_sdk_error(lambda: grant_reseller(reseller, reseller.domain_id, "1"), 403, "CBC.0151")
    expect_sdk_error(lambda: reclaim_reseller(reseller, reseller.domain_id, "1"), 403, "CBC.0151")
    assert cash(dist, reseller.domain_id) == D("50")
    assert customer_cash(dist, cust.domain_id, reseller.domain_id) == 0


def test_solution_provider_grants_and_reclaims(partners, customers, cli):
    sp = partners.solution_provider()
    fund(cli, sp.domain_id, "80")
    cust = customers.create(sp)
    t = grant(sp, cust.domain_id, "30.30")
    r = reclaim(sp, cust.domain_id, "0.30")
    assert cash(sp) == D("50.00")
    assert customer_cash(sp, cust.domain_id) == D("30.00")
    assert [x.trans_id for x in adjust_records(sp)] == [r, t]
    # indirect-partner APIs are for distributors only
    expect_sdk_error(lambda: grant_reseller(sp, cust.domain_id, "1"), 403, "CBC.0151")
    expect_sdk_error(lambda: reclaim_reseller(sp, cust.domain_id, "1"), 403, "CBC.0151")
    assert cash(sp) == D("50.00")


BAD_AMOUNTS = [
    pytest.param({}, id="missing"),
    pytest.param({"amount": 0}, id="zero"),
    pytest.param({"amount": 0.0}, id="zero-float"),
    pytest.param({"amount": -1}, id="negative"),
    pytest.param({"amount": 1.234}, id="3-decimals"),
    pytest.param({"amount": 0.001}, id="sub-cent"),
    pytest.param({"amount": "10"}, id="string"),
    pytest.param({"amount": None}, id="null"),
    pytest.param({"amount": True}, id="bool"),
    pytest.param({"amount": [1]}, id="array"),
]


@pytest.mark.parametrize("path", [ADJUST_PATH, RECLAIM_PATH])
@pytest.mark.parametrize("extra", BAD_AMOUNTS)
def test_bad_amount_is_rejected(funded, customers, path, extra):
    dist = funded
    cust = customers.create(dist)
    grant(dist, cust.domain_id, "100")
    assert_error(dist.signed("POST", path, {"customer_id": cust.domain_id, **extra}),
                 400, "CBC.0100")
    assert cash(dist) == D("900")
    assert customer_cash(dist, cust.domain_id) == D("100")


@pytest.mark.parametrize("path", [INDIRECT_ADJUST_PATH, INDIRECT_RECLAIM_PATH])
@pytest.mark.parametrize("extra", BAD_AMOUNTS)
def test_bad_amount_is_rejected_for_resellers(partners, cli, path, extra):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    fund(cli, dist.domain_id, "100")
    grant_reseller(dist, reseller.domain_id, "40")
    assert_error(dist.signed("POST", path, {"indirect_partner_id": reseller.domain_id, **extra}),
                 400, "CBC.0100")
    assert cash(dist) == D("60")
    assert cash(dist, reseller.domain_id) == D("40")


@pytest.mark.parametrize("path", [ADJUST_PATH, RECLAIM_PATH])
@pytest.mark.parametrize("body", [
    pytest.param({"amount": 1}, id="no-customer"),
    pytest.param({"amount": 1, "customer_id": ""}, id="empty-customer"),
    pytest.param({"amount": 1, "customer_id": 12}, id="numeric-customer"),
    pytest.param({"amount": 1, "customer_id": "x" * 65}, id="too-long-customer"),
])
def test_customer_id_is_required(funded, path, body):
    assert_error(funded.signed("POST", path, body), 400, "CBC.0100")
    assert cash(funded) == D("1000.00")


@pytest.mark.parametrize("path", [INDIRECT_ADJUST_PATH, INDIRECT_RECLAIM_PATH])
def test_indirect_partner_id_is_required(funded_distributor, path):
    assert_error(funded_distributor.signed("POST", path, {"amount": 1}), 400, "CBC.0100")
    assert cash(funded_distributor) == D("1000.00")


@pytest.mark.parametrize("path", [ADJUST_PATH, RECLAIM_PATH, INDIRECT_ADJUST_PATH,
                                  INDIRECT_RECLAIM_PATH])
@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b'{"amount": 1,}'])
def test_malformed_body_is_rejected(funded, funded_distributor, path, raw):
    caller = funded_distributor if path in (INDIRECT_ADJUST_PATH, INDIRECT_RECLAIM_PATH) else funded
    assert_error(caller.signed("POST", path, raw), 400, "CBC.0100")


def test_amount_accepts_two_decimals_in_any_json_spelling(funded, customers):
    dist = funded
    cust = customers.create(dist)
    for raw in (b'1', b'1.5', b'1.50', b'0.01'):
        body = b'{"customer_id": "%s", "amount": %s}' % (cust.domain_id.encode(), raw)
        r = dist.signed("POST", ADJUST_PATH, body)
        assert r.status_code == 200, (raw, r.text)
    assert customer_cash(dist, cust.domain_id) == D("4.01")
    assert cash(dist) == D("1000.00") - D("4.01")


def test_consultant_customer_cannot_receive_money(funded, customers):
    dist = funded
    cust = customers.create(dist, cooperation_type="1")
    expect_sdk_error(lambda: grant(dist, cust.domain_id, "1"), 403, "CBC.0150")
    expect_sdk_error(lambda: reclaim(dist, cust.domain_id, "1"), 403, "CBC.0150")
    assert cash(dist) == D("1000.00")
    assert customer_balances(dist, [cust.domain_id]) == {}


def test_nonexistent_customer(funded):
    for cid in ("0" * 32, "no-such-customer"):
        expect_sdk_error(lambda: grant(funded, cid, "1"), 403, "CBC.0150")
        expect_sdk_error(lambda: reclaim(funded, cid, "1"), 403, "CBC.0150")
    assert cash(funded) == D("1000.00")


def test_partner_ids_are_not_customers(partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    other = partners.solution_provider()
    fund(cli, dist.domain_id, "100")
    for target in (reseller.domain_id, other.domain_id, dist.domain_id):
        expect_sdk_error(lambda: grant(dist, target, "1"), 403, "CBC.0150")
    assert cash(dist) == D("100")


# ================================================================= resellers

def test_distributor_funds_reseller_and_reseller_pays_its_customers(partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    fund(cli, dist.domain_id, "500")
    t1 = grant_reseller(dist, reseller.domain_id, "200.20")
    r1 = reclaim_reseller(dist, reseller.domain_id, "0.20")
    assert t1.startswith("AD") and r1.startswith("RE")
    assert cash(dist) == D("300.00")
    assert cash(dist, reseller.domain_id) == D("200.00")

    cust = customers.create(dist, indirect_partner_id=reseller.domain_id)
    t2 = grant(dist, cust.domain_id, "75.5", indirect=reseller.domain_id)
    r2 = reclaim(dist, cust.domain_id, "5.5", indirect=reseller.domain_id)
    # the grant came out of the reseller's balance, not the distributor's
    assert cash(dist) == D("300.00")
    assert cash(dist, reseller.domain_id) == D("130.00")
    assert customer_cash(dist, cust.domain_id, indirect=reseller.domain_id) == D("70.00")
    me = customers.principal(cust)
    assert [dec(a.amount) for a in own_balances(me).account_balances if a.account_type == 1] == \
        [D("70.00")]
    # without indirect_partner_id the customer is not the distributor's
    assert customer_balances(dist, [cust.domain_id]) == {}

    # the distributor's own records: grants to/reclaims from the reseller only
    own = adjust_records(dist)
    assert [(x.trans_id, x.customer_id, x.operation_type, dec(x.amount)) for x in own] == [
        (r1, reseller.domain_id, BERETRIEVE, D("0.20")),
        (t1, reseller.domain_id, BEADJUST, D("200.20")),
    ]
    assert own[0].customer_name == reseller.domain_name
    # the reseller's records only through indirect_partner_id
    theirs = adjust_records(dist, indirect_partner_id=reseller.domain_id)
    assert [(x.trans_id, x.customer_id, x.operation_type, dec(x.amount)) for x in theirs] == [
        (r2, cust.domain_id, BERETRIEVE, D("5.5")),
        (t2, cust.domain_id, BEADJUST, D("75.5")),
    ]
    assert theirs[0].customer_name == cust.domain_name
    assert adjust_page(dist, customer_id=cust.domain_id).total_count == 0

    # ledgers: distributor's and reseller's
    dl = change_records(dist, DEBIT)
    assert [(l.trade_id, l.type, l.trade_detail_type) for l in dl[:2]] == [
        (r1, "1", BERETRIEVE), (t1, "2", BEADJUST)]
    assert dl[0].customer_id == reseller.domain_id
    assert dl[0].account_name == reseller.domain_name
    assert_chain(dl, D("300.00"))
    rl = change_records(dist, DEBIT, indirect_partner_id=reseller.domain_id)
    assert [(l.trade_id, l.type, l.trade_detail_type) for l in rl] == [
        (r2, "1", BERETRIEVE), (t2, "2", BEADJUST), (r1, "2", BERETRIEVE), (t1, "1", BEADJUST)]
    assert rl[0].customer_id == cust.domain_id and rl[0].account_name == cust.domain_name
    assert_chain(rl, D("130.00"))


def test_reseller_insufficient_balances(partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    fund(cli, dist.domain_id, "100")
    cust = customers.create(dist, indirect_partner_id=reseller.domain_id)
    expect_sdk_error(lambda: grant_reseller(dist, reseller.domain_id, "100.01"), 400,
                     "CBC.99005003")
    grant_reseller(dist, reseller.domain_id, "10")
    expect_sdk_error(lambda: reclaim_reseller(dist, reseller.domain_id, "10.01"), 400,
                     "CBC.99005003")
    # the distributor has 90 but the reseller only 10: the reseller pays
    expect_sdk_error(lambda: grant(dist, cust.domain_id, "10.01", indirect=reseller.domain_id),
                     400, "CBC.99005003")
    grant(dist, cust.domain_id, "10", indirect=reseller.domain_id)
    expect_sdk_error(lambda: reclaim(dist, cust.domain_id, "10.01", indirect=reseller.domain_id),
                     400, "CBC.99005003")
    # money granted on to a customer can no longer be reclaimed from the reseller
    expect_sdk_error(lambda: reclaim_reseller(dist, reseller.domain_id, "0.01"), 400,
                     "CBC.99005003")
    assert cash(dist) == D("90")
    assert cash(dist, reseller.domain_id) == 0
    assert customer_cash(dist, cust.domain_id, reseller.domain_id) == D("10")


def test_reseller_customer_needs_indirect_partner_id_and_own_customer_must_not_use_it(
        partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    fund(cli, dist.domain_id, "100")
    grant_reseller(dist, reseller.domain_id, "50")
    # A distributor has no direct customers: a customer outside the reseller stands in for one.
    own = customers.create(partners.solution_provider())
    theirs = customers.create(dist, indirect_partner_id=reseller.domain_id)
    expect_sdk_error(lambda: grant(dist, theirs.domain_id, "1"), 403, "CBC.0150")
    expect_sdk_error(lambda: grant(dist, own.domain_id, "1", indirect=reseller.domain_id),
                     403, "CBC.0150")
    expect_sdk_error(lambda: reclaim(dist, own.domain_id, "1", indirect=reseller.domain_id),
                     403, "CBC.0150")
    assert cash(dist) == D("50") and cash(dist, reseller.domain_id) == D("50")


# ================================================================= tenancy matrix

@pytest.fixture
def world(partners, customers, cli):
    """Two sides, each a distributor with a reseller and a reseller customer, and a solution
    provider with a direct customer (distributors take no direct customers), all holding money."""
    w = {}
    for side in ("a", "b"):
        dist = partners.distributor()
        reseller = partners.reseller(dist)
        sp = partners.solution_provider()
        fund(cli, dist.domain_id, "1000")
        fund(cli, sp.domain_id, "500")
        grant_reseller(dist, reseller.domain_id, "300")
        own = customers.create(sp)
        rcust = customers.create(dist, indirect_partner_id=reseller.domain_id)
        grant(sp, own.domain_id, "100")
        grant(dist, rcust.domain_id, "50", indirect=reseller.domain_id)
        w[side] = dict(dist=dist, reseller=reseller, sp=sp, own=own, rcust=rcust)
    return w


def snapshot(w):
    out = {}
    for side, x in w.items():
        d, r, sp = x["dist"], x["reseller"], x["sp"]
        out[side] = (cash(d), cash(d, r.domain_id), cash(sp), customer_cash(sp, x["own"].domain_id),
                     customer_cash(d, x["rcust"].domain_id, r.domain_id),
                     adjust_page(d).total_count, adjust_page(sp).total_count,
                     adjust_page(d, indirect_partner_id=r.domain_id).total_count)
    return out


def test_tenancy_nobody_moves_anothers_money(world):
    before = snapshot(world)
    assert before["a"] == (D("700"), D("250"), D("400"), D("100"), D("50"), 1, 1, 1)
    a, b = world["a"], world["b"]
    A, S = a["dist"], a["sp"]
    nonexistent = "f" * 32
    # another side's customers (direct or a reseller's) look exactly like nonexistent ones,
    # to the distributor and to the solution provider; a distributor has no direct customer
    # at all, so its own side's direct customer is foreign to it too
    for cid in (b["own"].domain_id, b["rcust"].domain_id, nonexistent):
        for caller in (A, S):
            expect_sdk_error(lambda: grant(caller, cid, "1"), 403, "CBC.0150")
            expect_sdk_error(lambda: reclaim(caller, cid, "1"), 403, "CBC.0150")
        expect_sdk_error(lambda: grant(A, cid, "1", indirect=a["reseller"].domain_id),
                         403, "CBC.0150")
        expect_sdk_error(lambda: reclaim(A, cid, "1", indirect=a["reseller"].domain_id),
                         403, "CBC.0150")
    for cid in (a["own"].domain_id, a["rcust"].domain_id):
        expect_sdk_error(lambda: grant(A, cid, "1"), 403, "CBC.0150")
        expect_sdk_error(lambda: grant(S, a["rcust"].domain_id, "1"), 403, "CBC.0150")
    # another distributor's reseller, a nonexistent one, a distributor, a customer:
    # none is ours to name as indirect partner
    for rid in (b["reseller"].domain_id, nonexistent, b["dist"].domain_id, a["own"].domain_id,
                A.domain_id):
        expect_sdk_error(lambda: grant_reseller(A, rid, "1"), 400, "CBC.99000037")
        expect_sdk_error(lambda: reclaim_reseller(A, rid, "1"), 400, "CBC.99000037")
        expect_sdk_error(lambda: grant(A, b["rcust"].domain_id, "1", indirect=rid), 400,
                         "CBC.99000037")
        expect_sdk_error(lambda: reclaim(A, b["rcust"].domain_id, "1", indirect=rid), 400,
                         "CBC.99000037")
    assert snapshot(world) == before


def test_tenancy_nobody_reads_anothers_money(world):
    a, b = world["a"], world["b"]
    A, S = a["dist"], a["sp"]
    nonexistent = "e" * 32
    # batch balance query silently leaves out customers that are not ours
    ids = [a["own"].domain_id, b["own"].domain_id, b["rcust"].domain_id, a["rcust"].domain_id, nonexistent]
    assert customer_balances(A, ids) == {}
    got = customer_balances(S, ids)
    assert set(got) == {a["own"].domain_id}
    assert dec(got[a["own"].domain_id].amount) == D("100")
    assert got[a["own"].domain_id].currency == "CNY"
    assert got[a["own"].domain_id].measure_id == 1
    assert dec(got[a["own"].domain_id].debt_amount) == 0
    got = customer_balances(A, [a["rcust"].domain_id, b["rcust"].domain_id],
                            indirect=a["reseller"].domain_id)
    assert set(got) == {a["rcust"].domain_id}
    # another's reseller, nonexistent, another distributor → no permission
    for rid in (b["reseller"].domain_id, nonexistent, b["dist"].domain_id):
        expect_sdk_error(lambda: balances(A, rid), 400, "CBC.99000037")
        expect_sdk_error(lambda: adjust_page(A, indirect_partner_id=rid), 400, "CBC.99000037")
        expect_sdk_error(lambda: change_page(A, DEBIT, indirect_partner_id=rid), 400,
                         "CBC.99000037")
        expect_sdk_error(lambda: customer_balances(A, [b["rcust"].domain_id], indirect=rid),
                         400, "CBC.99000037")
    # adjust records of a customer not under the caller: 200 and empty
    for cid in (b["own"].domain_id, b["rcust"].domain_id, b["reseller"].domain_id, nonexistent):
        page = adjust_page(A, customer_id=cid)
        assert page.total_count == 0 and not page.records, cid
        page = adjust_page(A, customer_id=cid, indirect_partner_id=a["reseller"].domain_id)
        assert page.total_count == 0 and not page.records, cid
    # ledgers never show the other side's transfers
    b_ids = {x.trans_id for x in adjust_records(b["dist"])} | \
        {x.trans_id for x in adjust_records(b["dist"], indirect_partner_id=b["reseller"].domain_id)}
    a_lines = {l.trade_id for l in change_records(A, DEBIT)}
    assert not (a_lines & b_ids)


def test_customer_sees_only_itself(world, customers):
    a, b = world["a"], world["b"]
    me = customers.principal(a["own"])
    resp = own_balances(me)
    assert [dec(x.amount) for x in resp.account_balances if x.account_type == 1] == [D("100")]
    them = customers.principal(b["rcust"])
    resp = own_balances(them)
    assert [dec(x.amount) for x in resp.account_balances if x.account_type == 1] == [D("50")]
    expect_sdk_error(lambda: customer_balances(me, [a["own"].domain_id]), 403, "CBC.0151")
    expect_sdk_error(lambda: adjust_page(me), 403, "CBC.0151")
    expect_sdk_error(lambda: change_page(me, DEBIT), 403, "CBC.0151")


# ================================================================= batch query

def test_batch_query_limits(funded, customers):
    dist = funded
    cust = customers.create(dist)
    for n in (0, 101):
        body = {"customer_infos": [{"customer_id": cust.domain_id}] * n}
        assert_error(dist.signed("POST", "/v2/accounts/customer-accounts/balances/batch-query",
                                 body), 400, "CBC.0100")
    assert_error(dist.signed("POST", "/v2/accounts/customer-accounts/balances/batch-query", {}),
                 400, "CBC.0100")
    ids = [cust.domain_id] + [f"{i:032x}" for i in range(99)]
    got = customer_balances(dist, ids)
    assert list(got) == [cust.domain_id]
    assert dec(got[cust.domain_id].amount) == 0


# ================================================================= adjust records

def test_adjust_record_fields(funded, customers):
    dist = funded
    cust = customers.create(dist)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    t = grant(dist, cust.domain_id, "150.25")
    page = adjust_page(dist, trans_id=t)
    assert page.total_count == 1
    rec = page.records[0]
    assert rec.customer_id == cust.domain_id
    assert rec.customer_name == cust.domain_name
    assert rec.operation_type == BEADJUST
    assert rec.amount == "150.25"
    assert rec.currency == "CNY"
    assert rec.measure_id == 1
    assert rec.trans_id == t
    assert isinstance(rec.apply_scene, str) and isinstance(rec.memo, str)
    assert UTC_SECONDS.match(rec.operation_time), rec.operation_time
    when = dt.datetime.strptime(rec.operation_time, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=dt.timezone.utc)
    assert before - dt.timedelta(seconds=5) <= when <= before + dt.timedelta(seconds=60)
    for amount, text in (("10", "10"), ("10.5", "10.5"), ("0.01", "0.01")):
        tid = grant(dist, cust.domain_id, amount)
        got = adjust_page(dist, trans_id=tid).records[0].amount
        assert dec(got) == D(text), (amount, got)


@pytest.fixture
def history(funded, customers):
    """12 grants/reclaims over two customers, oldest first."""
    dist = funded
    a = customers.create(dist)
    b = customers.create(dist)
    ops = []
    for i in range(6):
        ops.append((grant(dist, a.domain_id, f"{i + 1}.10"), a.domain_id, BEADJUST, D(f"{i + 1}.10")))
        ops.append((grant(dist, b.domain_id, "2"), b.domain_id, BEADJUST, D("2")))
    ops.append((reclaim(dist, a.domain_id, "1.05"), a.domain_id, BERETRIEVE, D("1.05")))
    ops.append((reclaim(dist, b.domain_id, "0.5"), b.domain_id, BERETRIEVE, D("0.5")))
    return dist, a, b, ops


def test_adjust_records_order_filters_and_paging(history):
    dist, a, b, ops = history
    newest_first = [o[0] for o in reversed(ops)]
    full = adjust_records(dist)
    assert [r.trans_id for r in full] == newest_first
    assert [(r.customer_id, r.operation_type, dec(r.amount)) for r in full] == \
        [o[1:] for o in reversed(ops)]

    # default limit is 10
    page = adjust_page(dist)
    assert page.total_count == 14 and len(page.records) == 10
    assert [r.trans_id for r in page.records] == newest_first[:10]
    # offset is a record offset
    page = adjust_page(dist, offset=3, limit=4)
    assert page.total_count == 14
    assert [r.trans_id for r in page.records] == newest_first[3:7]
    page = adjust_page(dist, offset=13, limit=100)
    assert [r.trans_id for r in page.records] == newest_first[13:]
    for off in (14, 15, 1000):
        page = adjust_page(dist, offset=off, limit=5)
        assert page.total_count == 14 and not page.records, off
    page = adjust_page(dist, limit=1)
    assert [r.trans_id for r in page.records] == newest_first[:1]
    page = adjust_page(dist, limit=100)
    assert len(page.records) == 14

    # filters
    only_a = adjust_records(dist, customer_id=a.domain_id)
    assert [r.trans_id for r in only_a] == [o[0] for o in reversed(ops) if o[1] == a.domain_id]
    recl = adjust_records(dist, operation_type=BERETRIEVE)
    assert [r.trans_id for r in recl] == [ops[13][0], ops[12][0]]
    both = adjust_records(dist, operation_type=BERETRIEVE, customer_id=b.domain_id)
    assert [r.trans_id for r in both] == [ops[13][0]]
    assert adjust_page(dist, operation_type=BEUNBIND).total_count == 0
    one = adjust_records(dist, trans_id=ops[5][0])
    assert [r.trans_id for r in one] == [ops[5][0]]
    assert adjust_page(dist, trans_id="AD-nope").total_count == 0
    assert adjust_page(dist, trans_id=ops[5][0], customer_id=a.domain_id).total_count == 0
    # empty strings mean "not supplied"
    assert adjust_page(dist, customer_id="", operation_type="", trans_id="").total_count == 14


def test_adjust_records_time_window(history):
    dist, a, b, ops = history
    now = dt.datetime.now(dt.timezone.utc)
    hour = dt.timedelta(hours=1)
    assert adjust_page(dist, operation_time_begin=utc(now - hour),
                       operation_time_end=utc(now + hour)).total_count == 14
    assert adjust_page(dist, operation_time_begin=utc(now + hour)).total_count == 0
    assert adjust_page(dist, operation_time_end=utc(now - hour)).total_count == 0
    assert adjust_page(dist, operation_time_begin=utc(now - hour)).total_count == 14
    # bounds are inclusive at second precision: the exact operation_time matches
    rec = adjust_page(dist, trans_id=ops[0][0]).records[0]
    t = rec.operation_time
    assert adjust_page(dist, trans_id=ops[0][0], operation_time_begin=t).total_count == 1, \
        "operation_time_begin equal to the record's time must include it"
    assert adjust_page(dist, trans_id=ops[0][0], operation_time_end=t).total_count == 1, \
        "operation_time_end equal to the record's time must include it"
    assert adjust_page(dist, trans_id=ops[0][0], operation_time_begin=t,
                       operation_time_end=t).total_count == 1


@pytest.mark.parametrize("query", [
    {"operation_type": "BEADJUST"},
    {"operation_type": "SOURCE_OPERATION_FOO"},
    {"operation_time_begin": "2024-05-01"},
    {"operation_time_begin": "2024-05-01 00:00:00"},
    {"operation_time_end": "2024-13-01T00:00:00Z"},
    {"operation_time_end": "yesterday"},
    {"operation_time_begin": "2024-05-01T00:00:00+08:00"},
    {"offset": "-1"},
    {"offset": "x"},
    {"limit": "0"},
    {"limit": "101"},
    {"limit": "-3"},
    {"limit": "ten"},
])
def test_adjust_records_bad_query(funded, query):
    assert_error(funded.signed("GET", "/v3/accounts/partner-accounts/adjust-records", query=query),
                 400, "CBC.0100")


def test_adjust_records_limit_edges_via_sdk(history):
    dist = history[0]
    expect_sdk_error(lambda: adjust_page(dist, limit=0), 400, "CBC.0100")
    expect_sdk_error(lambda: adjust_page(dist, limit=101), 400, "CBC.0100")
    assert len(adjust_page(dist, limit=100).records) == 14


def test_adjust_records_only_partners(partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    expect_sdk_error(lambda: adjust_page(reseller), 403, "CBC.0151")


# ================================================================= account-change records

def test_change_records_chain_and_fields(history):
    dist, a, b, ops = history
    lines = change_records(dist, DEBIT)
    assert len(lines) == 15  # the funding + 14 transfers
    current = cash(dist)
    assert current == D("1000.00") - sum(o[3] for o in ops if o[2] == BEADJUST) + \
        sum(o[3] for o in ops if o[2] == BERETRIEVE)
    assert_chain(lines, current)
    assert [l.trade_id for l in lines[:-1]] == [o[0] for o in reversed(ops)]
    assert lines[-1].trade_detail_type == RECHARGE
    names = {a.domain_id: a.domain_name, b.domain_id: b.domain_name}
    for line, op in zip(lines, reversed(ops)):
        assert line.trade_detail_type == op[2]
        assert line.type == ("2" if op[2] == BEADJUST else "1")
        assert dec(line.change_amount) == op[3]
        assert line.customer_id == op[1]
        assert line.account_name == names[op[1]]
        assert UTC_SECONDS.match(line.trade_time), line.trade_time
        assert line.account_change_id
    assert len({l.account_change_id for l in lines}) == 15
    assert lines[-1].customer_id in ("", None) and lines[-1].account_name in ("", None)
    page = change_page(dist, DEBIT)
    assert page.currency == "CNY"
    assert page.total_count == 15 and len(page.records) == 10


def test_change_records_filters_and_paging(history):
    dist, a, b, ops = history
    all_ids = [l.trade_id for l in change_records(dist, DEBIT)]
    assert [l.trade_id for l in change_records(dist, DEBIT, trade_type="BEADJUST")] == \
        [o[0] for o in reversed(ops) if o[2] == BEADJUST]
    assert [l.trade_id for l in change_records(dist, DEBIT, trade_type="BERETRIEVE")] == \
        [ops[13][0], ops[12][0]]
    assert change_page(dist, DEBIT, trade_type="BEUNBIND").total_count == 0
    assert change_page(dist, DEBIT, trade_type="RECHARGE").total_count == 1
    assert change_page(dist, DEBIT, trade_type="REFUND").total_count == 0
    assert change_page(dist, CREDIT).total_count == 0

    page = change_page(dist, DEBIT, offset=5, limit=3)
    assert page.total_count == 15
    assert [l.trade_id for l in page.records] == all_ids[5:8]
    for off in (15, 99):
        page = change_page(dist, DEBIT, offset=off, limit=10)
        assert page.total_count == 15 and not page.records
    expect_sdk_error(lambda: change_page(dist, DEBIT, limit=0), 400, "CBC.0100")
    expect_sdk_error(lambda: change_page(dist, DEBIT, limit=101), 400, "CBC.0100")
    assert len(change_page(dist, DEBIT, limit=100).records) == 15

    today = beijing_today()
    day = dt.timedelta(days=1)
    assert change_page(dist, DEBIT, trade_time_begin=str(today),
                       trade_time_end=str(today)).total_count == 15
    assert change_page(dist, DEBIT, trade_time_begin=str(today - 300 * day),
                       trade_time_end=str(today + day)).total_count == 15
    assert change_page(dist, DEBIT, trade_time_begin=str(today + day),
                       trade_time_end=str(today + 2 * day)).total_count == 0
    assert change_page(dist, DEBIT, trade_time_begin=str(today - 10 * day),
                       trade_time_end=str(today - day)).total_count == 0


@pytest.mark.parametrize("query", [
    {},
    {"balance_type": ""},
    {"balance_type": "BALANCE_TYPE_CASH"},
    {"balance_type": DEBIT, "trade_type": "NOPE"},
    {"balance_type": DEBIT, "trade_time_begin": "2024/05/01"},
    {"balance_type": DEBIT, "trade_time_begin": "2024-05-01T00:00:00Z"},
    {"balance_type": DEBIT, "trade_time_end": "2024-02-30"},
    {"balance_type": DEBIT, "trade_time_begin": "2022-01-01", "trade_time_end": "2024-01-01"},
    {"balance_type": DEBIT, "offset": "-1"},
    {"balance_type": DEBIT, "limit": "0"},
    {"balance_type": DEBIT, "limit": "101"},
])
def test_change_records_bad_query(funded, query):
    assert_error(funded.signed("GET", "/v2/accounts/partner-accounts/account-change-records",
                               query=query), 400, "CBC.0100")


def test_change_records_span_over_a_year(funded):
    today = beijing_today()
    day = dt.timedelta(days=1)
    # well inside a year is fine, clearly over a year is not
    assert change_page(funded, DEBIT, trade_time_begin=str(today - 364 * day),
                       trade_time_end=str(today)).total_count == 1
    expect_sdk_error(lambda: change_page(funded, DEBIT, trade_time_begin=str(today - 367 * day),
                                         trade_time_end=str(today)), 400, "CBC.0100")
    # the end date alone does not make a window: begin defaults to a year before it
    assert change_page(funded, DEBIT, trade_time_end=str(today)).total_count == 1


# ================================================================= idempotency

def test_client_token_replays_the_same_transfer(funded, customers):
    dist = funded
    cust = customers.create(dist)
    key = unique("idem")
    body = {"customer_id": cust.domain_id, "amount": 12.34}
    first = dist.signed("POST", ADJUST_PATH, body, headers={"X-Client-Token": key})
    assert first.status_code == 200, first.text
    tid = first.json()["transfer_id"]
    for _ in range(3):
        again = dist.signed("POST", ADJUST_PATH, body, headers={"X-Client-Token": key})
        assert again.status_code == 200, again.text
        assert again.json()["transfer_id"] == tid
    assert customer_cash(dist, cust.domain_id) == D("12.34")
    assert cash(dist) == D("987.66")
    assert [r.trans_id for r in adjust_records(dist)] == [tid]

    # same key, different body → conflict, nothing moves
    for other in ({"customer_id": cust.domain_id, "amount": 12.35},
                  {"customer_id": customers.create(dist).domain_id, "amount": 12.34}):
        assert_error(dist.signed("POST", ADJUST_PATH, other, headers={"X-Client-Token": key}),
                     409, "CBC.0100")
    # same key on another write API is a different request too
    assert_error(dist.signed("POST", RECLAIM_PATH, body, headers={"X-Client-Token": key}),
                 409, "CBC.0100")
    assert customer_cash(dist, cust.domain_id) == D("12.34")
    assert cash(dist) == D("987.66")

    # without the header every call is a new transfer
    ids = {dist.signed("POST", ADJUST_PATH, body).json()["transfer_id"] for _ in range(2)}
    assert len(ids) == 2 and tid not in ids
    assert customer_cash(dist, cust.domain_id) == D("37.02")


def test_client_token_on_reclaim_and_reseller_apis(partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    sp = partners.solution_provider()  # distributors have no direct customers to reclaim from
    fund(cli, dist.domain_id, "100")
    fund(cli, sp.domain_id, "100")
    cust = customers.create(sp)
    grant(sp, cust.domain_id, "50")
    cases = [
        (sp, RECLAIM_PATH, {"customer_id": cust.domain_id, "amount": 5}, "trans_id"),
        (dist, INDIRECT_ADJUST_PATH, {"indirect_partner_id": reseller.domain_id, "amount": 20},
         "transfer_id"),
        (dist, INDIRECT_RECLAIM_PATH, {"indirect_partner_id": reseller.domain_id, "amount": 2.5},
         "trans_id"),
    ]
    for caller, path, body, field in cases:
        key = unique("idem")
        first = caller.signed("POST", path, body, headers={"X-Client-Token": key})
        assert first.status_code == 200, (path, first.text)
        again = caller.signed("POST", path, body, headers={"X-Client-Token": key})
        assert again.status_code == 200, (path, again.text)
        assert again.json()[field] == first.json()[field], path
        changed = dict(body, amount=body["amount"] + 1)
        assert_error(caller.signed("POST", path, changed, headers={"X-Client-Token": key}),
                     409, "CBC.0100")
    assert customer_cash(sp, cust.domain_id) == D("45")
    assert cash(sp) == D("100") - D("50") + D("5")
    assert cash(dist, reseller.domain_id) == D("17.5")
    assert cash(dist) == D("100") - D("20") + D("2.5")
    assert adjust_page(dist).total_count == 2
    assert adjust_page(sp).total_count == 2


def test_client_token_is_per_caller(partners, customers, cli):
    """Two partners using the same key do not collide."""
    key = unique("shared")
    results = []
    for _ in range(2):
        dist = partners.solution_provider()
        fund(cli, dist.domain_id, "10")
        cust = customers.create(dist)
        r = dist.signed("POST", ADJUST_PATH, {"customer_id": cust.domain_id, "amount": 1},
                        headers={"X-Client-Token": key})
        assert r.status_code == 200, r.text
        results.append(r.json()["transfer_id"])
        assert customer_cash(dist, cust.domain_id) == D("1")
    assert results[0] != results[1]


def test_failed_call_with_client_token_moves_nothing(funded, customers):
    dist = funded
    cust = customers.create(dist)
    key = unique("idem")
    body = {"customer_id": cust.domain_id, "amount": 5000}
    assert_error(dist.signed("POST", ADJUST_PATH, body, headers={"X-Client-Token": key}),
                 400, "CBC.99005003")
    assert_error(dist.signed("POST", ADJUST_PATH, body, headers={"X-Client-Token": key}),
                 400, "CBC.99005003")
    assert cash(dist) == D("1000.00")
    assert adjust_page(dist).total_count == 0


def test_concurrent_same_client_token_moves_money_once(funded, customers):
    from concurrent.futures import ThreadPoolExecutor
    dist = funded
    cust = customers.create(dist)
    key = unique("race")
    body = {"customer_id": cust.domain_id, "amount": 3.33}

    def call(_):
        return dist.signed("POST", ADJUST_PATH, body, headers={"X-Client-Token": key})

    with ThreadPoolExecutor(8) as pool:
        resps = list(pool.map(call, range(16)))
    ok = [r for r in resps if r.status_code == 200]
    assert ok, [r.text for r in resps]
    assert len({r.json()["transfer_id"] for r in ok}) == 1
    for r in resps:
        assert r.status_code in (200, 409), r.text
    assert customer_cash(dist, cust.domain_id) == D("3.33")
    assert adjust_page(dist).total_count == 1


# ================================================================= unbind

def test_unbind_returns_cash_and_ends_association(funded, customers, cli):
    dist = funded
    cust = customers.create(dist)
    keep = customers.create(dist)
    grant(dist, cust.domain_id, "123.45")
    reclaim(dist, cust.domain_id, "0.45")
    grant(dist, keep.domain_id, "1")
    out = unbind(cli, cust.domain_id)
    assert dec(out["reclaimed"]) == D("123.00")
    tid = out["transfer_id"]
    assert tid

    assert cash(dist) == D("999.00")
    recs = adjust_records(dist, operation_type=BEUNBIND)
    assert [(r.trans_id, r.customer_id, dec(r.amount)) for r in recs] == \
        [(tid, cust.domain_id, D("123.00"))]
    assert adjust_records(dist)[0].trans_id == tid
    lines = change_records(dist, DEBIT, trade_type="BEUNBIND")
    assert [(l.trade_id, l.trade_detail_type, l.type, dec(l.change_amount), l.customer_id)
            for l in lines] == [(tid, BEUNBIND, "1", D("123.00"), cust.domain_id)]
    assert_chain(change_records(dist, DEBIT), D("999.00"))

    expect_sdk_error(lambda: grant(dist, cust.domain_id, "1"), 403, "CBC.0150")
    expect_sdk_error(lambda: reclaim(dist, cust.domain_id, "0.01"), 403, "CBC.0150")
    assert customer_balances(dist, [cust.domain_id, keep.domain_id]).keys() == {keep.domain_id}

    proc = cli.run("admin", "customer", "unbind", "--customer-id", cust.domain_id, "--json")
    assert proc.returncode != 0, proc.stdout
    assert proc.stderr.strip()
    assert cash(dist) == D("999.00")
    verify_ledger(cli)

    # the association is over: the customer is no longer listed
    assert cust.domain_id not in [c.customer_id for c in list_customers(dist).customer_infos]
    assert list_customers(dist, customer_id=cust.domain_id).count == 0


def test_unbind_errors(partners, cli):
    dist = partners.solution_provider()
    for cid in ("0" * 32, dist.domain_id):
        proc = cli.run("admin", "customer", "unbind", "--customer-id", cid, "--json")
        assert proc.returncode != 0, (cid, proc.stdout)
        assert proc.stderr.strip()


def test_unbind_empty_customer(funded, customers, cli):
    dist = funded
    cust = customers.create(dist)
    out = unbind(cli, cust.domain_id)
    assert dec(out["reclaimed"]) == 0
    assert cash(dist) == D("1000.00")
    expect_sdk_error(lambda: grant(dist, cust.domain_id, "1"), 403, "CBC.0150")


def test_unbind_reseller_customer_returns_to_reseller(partners, customers, cli):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    fund(cli, dist.domain_id, "100")
    grant_reseller(dist, reseller.domain_id, "60")
    cust = customers.create(dist, indirect_partner_id=reseller.domain_id)
    grant(dist, cust.domain_id, "25.5", indirect=reseller.domain_id)
    out = unbind(cli, cust.domain_id)
    assert dec(out["reclaimed"]) == D("25.5")
    assert cash(dist, reseller.domain_id) == D("60")
    assert cash(dist) == D("40")
    recs = adjust_records(dist, indirect_partner_id=reseller.domain_id, operation_type=BEUNBIND)
    assert [(r.trans_id, r.customer_id) for r in recs] == [(out["transfer_id"], cust.domain_id)]
    assert adjust_page(dist, operation_type=BEUNBIND).total_count == 0
    expect_sdk_error(lambda: grant(dist, cust.domain_id, "1", indirect=reseller.domain_id),
                     403, "CBC.0150")


def test_unbind_operator_http(funded, customers, operator, partners):
    dist = funded
    cust = customers.create(dist)
    grant(dist, cust.domain_id, "7.77")
    assert_error(dist.signed("POST", f"/operator/v1/customers/{cust.domain_id}/unbind"),
                 403, "CBC.0151")
    r = operator.signed("POST", f"/operator/v1/customers/{cust.domain_id}/unbind")
    assert r.status_code == 200, r.text
    body = r.json(parse_float=Decimal)
    assert body["customer_id"] == cust.domain_id
    assert dec(body["reclaimed"]) == D("7.77")
    assert body["transfer_id"]
    assert cash(dist) == D("1000.00")
    again = operator.signed("POST", f"/operator/v1/customers/{cust.domain_id}/unbind")
    assert 400 <= again.status_code < 500, again.text
    assert cash(dist) == D("1000.00")


# ================================================================= ledger verify

def test_ledger_verify_cli_and_http(funded, customers, cli, operator):
    cust = customers.create(funded)
    grant(funded, cust.domain_id, "1")
    out = verify_ledger(cli)
    assert out["accounts"] >= 2 and out["transfers"] >= 2
    text = cli("admin", "ledger", "verify")
    assert text
    r = operator.signed("GET", "/operator/v1/ledger/verify")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["problems"] == []
    assert body["transfers"] >= out["transfers"]


# ================================================================= token auth

def test_grant_with_iam_token(funded, customers, server):
    dist = funded
    cust = customers.create(dist)
    tok = issue_token(server.base_url, dist.domain_name, dist.password)
    assert tok.status_code == 201, tok.text
    token = tok.headers["X-Subject-Token"]
    r = token_request(server.base_url, "POST", ADJUST_PATH, token,
                      {"customer_id": cust.domain_id, "amount": 4.5})
    assert r.status_code == 200, r.text
    r = token_request(server.base_url, "GET", "/v2/accounts/partner-accounts/balances", token)
    assert r.status_code == 200, r.text
    cash_rows = [a for a in r.json(parse_float=Decimal)["account_balances"]
                 if a["account_type"] == 1]
    assert [dec(a["amount"]) for a in cash_rows] == [D("995.5")]
