"""Funds under concurrency and crashes.

* storm: many SDK clients grant and reclaim at random against the customers of
  one partner; afterwards the ledger must verify, no balance may be negative,
  money must be conserved and every acknowledged transfer must be on record.
  On PostgreSQL two server processes share the database and the clients are
  spread over both, so locking has to hold across processes.
* crash: the server is killed with SIGKILL in the middle of a storm and
  restarted on the same database; every acknowledged transfer must survive and
  the balances must be explained by acknowledged transfers plus some of the
  calls whose outcome the client never learned.

PC_STORM_CALLS scales the storm (default 2000 calls).
"""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest

from huaweicloudsdkcore.exceptions.exceptions import (
    ClientRequestException,
    ServerResponseException,
    ServiceResponseException,
    SdkException,
)
from huaweicloudsdkbss.v2 import (
    AdjustAccountReq,
    ReclaimToPartnerAccountBalancesReq,
    ReclaimToPartnerAccountRequest,
    UpdateCustomerAccountAmountRequest,
)

from conftest import Cli, CustomerFactory, PartnerFactory, Server, make_client
from funds_support import (
    BEADJUST,
    BERETRIEVE,
    DEBIT,
    adjust_page,
    adjust_records,
    assert_chain,
    cash,
    change_records,
    customer_balances,
    dec,
    fund,
    grant,
    verify_ledger,
)

STORM_CALLS = int(os.environ.get("PC_STORM_CALLS", "2000"))
THREADS = 50
CUSTOMERS = 20
FUNDED = Decimal("50000.00")

pytestmark = pytest.mark.slow


@dataclasses.dataclass
class Call:
    op: str              # BEADJUST | BERETRIEVE
    customer_id: str
    amount: Decimal
    outcome: str = ""    # ok | error | unknown
    transfer_id: str = ""
    error: str = ""


def one_call(client, call: Call):
    try:
        if call.op == BEADJUST:
            resp = client.update_customer_account_amount(UpdateCustomerAccountAmountRequest(
                body=AdjustAccountReq(customer_id=call.customer_id, amount=call.amount)))
            call.transfer_id = resp.transfer_id or ""
        else:
            resp = client.reclaim_to_partner_account(ReclaimToPartnerAccountRequest(
                body=ReclaimToPartnerAccountBalancesReq(customer_id=call.customer_id,
                                                        amount=call.amount)))
            call.transfer_id = resp.trans_id or ""
        call.outcome = "ok"
    except (ClientRequestException, ServerResponseException) as e:
        call.outcome = "error"
        call.error = f"{e.status_code} {e.error_code}"
    except ServiceResponseException as e:
        call.outcome = "error"
        call.error = f"{e.status_code} {e.error_code}"
    except SdkException as e:
        # connection refused/reset or timeout: the server may or may not have committed
        call.outcome = "unknown"
        call.error = repr(e)[:200]
    except Exception as e:  # noqa: BLE001 - anything else is also "outcome unknown"
        call.outcome = "unknown"
        call.error = repr(e)[:200]


def random_call(rng: random.Random, customer_ids: list[str]) -> Call:
    op = BEADJUST if rng.random() < 0.6 else BERETRIEVE
    cents = rng.randint(1, 5000)
    return Call(op, rng.choice(customer_ids), Decimal(cents) / 100)


def run_storm(base_urls: list[str], dist, customer_ids: list[str], total: int,
              stop: threading.Event | None = None, progress: list | None = None) -> list[Call]:
    """THREADS threads, each with its own SDK client on one of base_urls, sharing `total` calls."""
    calls: list[Call] = []
    lock = threading.Lock()
    budget = iter(range(total))

    def worker(i: int):
        rng = random.Random(1000 + i)
        client = make_client(base_urls[i % len(base_urls)], dist.access_key, dist.secret_key,
                             dist.domain_id)
        while stop is None or not stop.is_set():
            with lock:
                if next(budget, None) is None:
                    return
            call = random_call(rng, customer_ids)
            one_call(client, call)
            with lock:
                calls.append(call)
                if progress is not None and call.outcome == "ok":
                    progress[0] += 1
            if call.outcome == "unknown":
                # the server is gone; stop this client after its first lost call
                return

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "storm clients hung"
    return calls


def setup_partner(binary, srv: Server, n_customers: int = CUSTOMERS):
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    customers = CustomerFactory(partners)
    dist = partners.solution_provider()
    fund(cli, dist.domain_id, str(FUNDED))
    custs = [customers.create(dist).domain_id for _ in range(n_customers)]
    return cli, dist, custs


def net(op: str, amount: Decimal) -> Decimal:
    return amount if op == BEADJUST else -amount


def check_books(cli, dist, custs: list[str], calls: list[Call], allow_unknown: bool):
    """Ledger verifies; acknowledged transfers are on record; balances are explained."""
    verify_ledger(cli)

    ok = [c for c in calls if c.outcome == "ok"]
    errors = Counter(c.error for c in calls if c.outcome == "error")
    unknown = [c for c in calls if c.outcome == "unknown"]
    # the only acceptable refusal in a storm is an insufficient customer/partner balance
    assert set(errors) <= {"400 CBC.99005003"}, f"unexpected errors: {errors}"
    if not allow_unknown:
        assert not unknown, f"{len(unknown)} calls without an answer: {unknown[:3]}"

    ack_ids = [c.transfer_id for c in ok]
    assert all(ack_ids), "a 200 without a transfer id"
    assert len(set(ack_ids)) == len(ack_ids), "the same transfer id acknowledged twice"
    for c in ok:
        assert c.transfer_id.startswith("AD" if c.op == BEADJUST else "RE"), c

    records = adjust_records(dist)
    by_id = {r.trans_id: r for r in records}
    assert len(by_id) == len(records), "duplicate trans_id in adjust records"
    missing = [i for i in ack_ids if i not in by_id]
    assert not missing, f"{len(missing)} acknowledged transfers are not on record: {missing[:5]}"
    for c in ok:
        r = by_id[c.transfer_id]
        assert (r.customer_id, r.operation_type, dec(r.amount)) == \
            (c.customer_id, c.op, c.amount), (c, r)
    # the trans_id filter finds acknowledged transfers one by one too
    for c in random.Random(7).sample(ok, min(20, len(ok))):
        page = adjust_page(dist, trans_id=c.transfer_id)
        assert [r.trans_id for r in page.records] == [c.transfer_id]

    # anything on record beyond the acknowledged calls must be one of the unknown calls
    extras = [r for r in records if r.trans_id not in set(ack_ids)]
    pool = Counter((c.customer_id, c.op, c.amount) for c in unknown)
    for r in extras:
        key = (r.customer_id, r.operation_type, dec(r.amount))
        assert pool[key] > 0, f"record {r.trans_id} matches no call whose outcome is unknown: {r}"
        pool[key] -= 1

    # balances: exactly acknowledged + recorded extras, never negative, money conserved
    expected = {c: Decimal(0) for c in custs}
    for c in ok:
        expected[c.customer_id] += net(c.op, c.amount)
    for r in extras:
        expected[r.customer_id] += net(r.operation_type, dec(r.amount))
    got = customer_balances(dist, custs)
    assert set(got) == set(custs)
    actual = {c: dec(got[c].amount) for c in custs}
    assert actual == expected
    assert all(v >= 0 for v in actual.values()), actual
    partner_cash = cash(dist)
    assert partner_cash >= 0
    assert partner_cash + sum(actual.values()) == FUNDED
    assert partner_cash == FUNDED - sum(expected.values())

    # the partner's ledger replays: one RECHARGE plus one line per transfer
    lines = change_records(dist, DEBIT)
    assert len(lines) == len(records) + 1
    assert_chain(lines, partner_cash)
    return ok, errors, unknown, extras


def test_storm(binary, backend, start_server):
    srv = start_server("storm", ["--rate-limit", "0"])
    extra_servers = []
    try:
        base_urls = [srv.base_url]
        if backend.name == "postgres":
            # a second process on the same database: locks must hold across processes
            twin = Server(binary, srv.database, f"{backend.name}-storm-twin", ["--rate-limit", "0"])
            extra_servers.append(twin)
            twin.start()
            base_urls.append(twin.base_url)
        cli, dist, custs = setup_partner(binary, srv)
        # start every customer with some money so that reclaims mostly succeed;
        # these grants are acknowledged calls like any other
        seeded = [Call(BEADJUST, c, Decimal("100"), "ok", grant(dist, c, "100")) for c in custs]
        started = time.monotonic()
        calls = run_storm(base_urls, dist, custs, STORM_CALLS)
        elapsed = time.monotonic() - started
        assert len(calls) == STORM_CALLS
        ok, errors, unknown, extras = check_books(cli, dist, custs, seeded + calls,
                                                  allow_unknown=False)
        assert not extras
        print(f"\nstorm[{backend.name}] {len(calls)} calls over {len(base_urls)} server(s) "
              f"in {elapsed:.1f}s: {len(ok) - len(custs)} ok, {dict(errors)} refused")
    finally:
        for s in extra_servers:
            s.stop()


def test_crash_mid_storm(binary, backend, start_server):
    srv = start_server("crash", ["--rate-limit", "0"])
    restarted = None
    try:
        cli, dist, custs = setup_partner(binary, srv)
        stop = threading.Event()
        progress = [0]
        result: list[Call] = []
        runner = threading.Thread(
            target=lambda: result.extend(run_storm([srv.base_url], dist, custs, 100000, stop,
                                                   progress)),
            daemon=True)
        runner.start()
        # let a good number of transfers be acknowledged, then pull the plug
        deadline = time.monotonic() + 30
        while progress[0] < 400 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(timeout=10)
        stop.set()
        runner.join(timeout=120)
        assert not runner.is_alive()
        assert progress[0] > 0, "no transfer was acknowledged before the kill"

        restarted = Server(binary, srv.database, f"{backend.name}-crash-restart",
                           ["--rate-limit", "0"])
        restarted.start()
        dist = dataclasses.replace(dist, base_url=restarted.base_url)
        ok, errors, unknown, extras = check_books(cli, dist, custs, result, allow_unknown=True)
        assert len(extras) <= len(unknown)
        print(f"\ncrash[{backend.name}] {len(result)} calls: {len(ok)} acknowledged, "
              f"{len(unknown)} unknown of which {len(extras)} committed, {dict(errors)} refused")
    finally:
        if restarted:
            restarted.stop()


def test_unbind_during_storm(binary, start_server):
    """Unbinding while grants and reclaims are in flight: the unbind takes the
    whole balance at its moment, later calls are refused, nothing is lost."""
    from funds_support import own_balances, unbind
    srv = start_server("unbind-storm", ["--rate-limit", "0"])
    cli, dist, custs = setup_partner(binary, srv, n_customers=1)
    target = custs[0]
    stop = threading.Event()
    calls: list[Call] = []
    runner = threading.Thread(
        target=lambda: calls.extend(run_storm([srv.base_url], dist, [target], 100000, stop)),
        daemon=True)
    runner.start()
    time.sleep(1.0)
    out = unbind(cli, target)
    time.sleep(0.5)
    stop.set()
    runner.join(timeout=120)
    assert not runner.is_alive()

    verify_ledger(cli)
    errors = Counter(c.error for c in calls if c.outcome == "error")
    assert set(errors) <= {"400 CBC.99005003", "403 CBC.0150"}, errors
    assert not [c for c in calls if c.outcome == "unknown"]
    assert errors["403 CBC.0150"] > 0, "no call was refused after the unbind"
    # every cent granted and not reclaimed came back with the unbind
    ok = [c for c in calls if c.outcome == "ok"]
    held = sum(net(c.op, c.amount) for c in ok)
    assert dec(out["reclaimed"]) == held
    assert cash(dist) == FUNDED
    records = adjust_records(dist)
    assert {r.trans_id for r in records} == {c.transfer_id for c in ok} | {out["transfer_id"]}
    me = CustomerFactory(PartnerFactory(cli, srv.base_url))
    from conftest import Customer
    principal = me.principal(Customer(target, "", "", "", None, dist))
    assert [dec(a.amount) for a in own_balances(principal).account_balances
            if a.account_type == 1] == [Decimal(0)]
