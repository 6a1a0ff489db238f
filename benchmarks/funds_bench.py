#!/usr/bin/env python3
"""Throughput of customer grants (UpdateCustomerAccountAmount) against baselines
measured in the same run on the same machine.

  (i)  HTTP path: grants/s through the official SDK with N client threads, next
       to GET /health round trips and signed ListPartnerBalances reads with the
       same threads. The ratios show what auth + the ledger write cost on top
       of a bare request.
  (ii) store: grants/s next to a bare database doing the same rows per transfer
       (one transfer row, two ledger lines, two balance updates, one commit):
       python sqlite3 with WAL + synchronous=FULL, or PostgreSQL through pg8000.

Prints a human summary and, last, one JSON line.

    python benchmarks/funds_bench.py --backend sqlite --calls 2000 --threads 16
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "sdk"))

import requests  # noqa: E402

import conftest as harness  # noqa: E402  (server/database plumbing of the SDK suite)
from huaweicloudsdkbss.v2 import (  # noqa: E402
    AdjustAccountReq,
    ListPartnerBalancesRequest,
    UpdateCustomerAccountAmountRequest,
)

CUSTOMERS = 20


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def run_threads(threads: int, calls: int, make_worker) -> float:
    """Run `calls` operations over `threads` threads; returns elapsed seconds.
    make_worker(i) returns a callable doing one operation; it is built before timing."""
    workers = [make_worker(i) for i in range(threads)]
    counter = iter(range(calls))
    lock = threading.Lock()
    errors: list[str] = []

    def loop(work):
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            try:
                work()
            except Exception as e:  # noqa: BLE001 - reported, makes the run invalid
                errors.append(repr(e)[:200])
                return

    ts = [threading.Thread(target=loop, args=(w,)) for w in workers]
    start = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"benchmark calls failed ({len(errors)}): {errors[:3]}")
    return elapsed


# ------------------------------------------------------------------ store baselines

SCHEMA = [
    "CREATE TABLE accounts (id TEXT PRIMARY KEY, balance NUMERIC NOT NULL, version INTEGER NOT NULL)",
    "CREATE TABLE transfers (id TEXT PRIMARY KEY, debit TEXT NOT NULL, credit TEXT NOT NULL, "
    "amount NUMERIC NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE entries (transfer_id TEXT NOT NULL, account_id TEXT NOT NULL, seq INTEGER NOT NULL, "
    "amount NUMERIC NOT NULL, balance_after NUMERIC NOT NULL, PRIMARY KEY (account_id, seq))",
]


def transfer_rows(i: int, rng: random.Random):
    tid = f"AD{uuid.uuid4().hex[:22]}"
    cust = f"cust{rng.randrange(CUSTOMERS)}"
    amount = str(Decimal(rng.randint(1, 100)) / 100)
    return tid, cust, amount


def sqlite_baseline(calls: int) -> float:
    path = Path(tempfile.mkdtemp(prefix="pc-bench-sqlite-")) / "baseline.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    for stmt in SCHEMA:
        db.execute(stmt)
    db.execute("INSERT INTO accounts VALUES ('partner', 1000000000, 0)")
    for c in range(CUSTOMERS):
        db.execute("INSERT INTO accounts VALUES (?, 0, 0)", (f"cust{c}",))
    rng = random.Random(1)
    start = time.perf_counter()
    for i in range(calls):
        tid, cust, amount = transfer_rows(i, rng)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO transfers VALUES (?, 'partner', ?, ?, 'BEADJUST', datetime('now'))",
                   (tid, cust, amount))
        for acct, sign in (("partner", -1), (cust, 1)):
            bal, ver = db.execute("SELECT balance, version FROM accounts WHERE id = ?",
                                  (acct,)).fetchone()
            new = Decimal(str(bal)) + sign * Decimal(amount)
            db.execute("UPDATE accounts SET balance = ?, version = ? WHERE id = ?",
                       (str(new), ver + 1, acct))
            db.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
                       (tid, acct, ver + 1, str(sign * Decimal(amount)), str(new)))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return rate(calls, elapsed)


def postgres_baseline(backend, calls: int, threads: int) -> float | None:
    try:
        import pg8000.native
    except ImportError:
        print("postgres store baseline skipped: pip install -r benchmarks/requirements.txt "
              "(pg8000)", file=sys.stderr)
        return None
    url = backend.new_database("baseline")
    name = url.rsplit("/", 1)[1]

    def connect():
        return pg8000.native.Connection("postgres", host="127.0.0.1", port=backend.port,
                                        database=name)

    setup = connect()
    for stmt in SCHEMA:
        setup.run(stmt)
    setup.run("INSERT INTO accounts VALUES ('partner', 1000000000, 0)")
    for c in range(CUSTOMERS):
        setup.run("INSERT INTO accounts VALUES (:id, 0, 0)", id=f"cust{c}")
    setup.close()

    def make_worker(i: int):
        conn = connect()
        rng = random.Random(i)

        def one():
            tid, cust, amount = transfer_rows(0, rng)
            conn.run("BEGIN")
            try:
                conn.run("INSERT INTO transfers VALUES (:t, 'partner', :c, :a, 'BEADJUST', now())",
                         t=tid, c=cust, a=amount)
                # lock both rows in a fixed order, as a ledger must to avoid deadlocks
                for acct in sorted(("partner", cust)):
                    sign = -1 if acct == "partner" else 1
                    row = conn.run("SELECT balance, version FROM accounts WHERE id = :id FOR UPDATE",
                                   id=acct)[0]
                    new = Decimal(str(row[0])) + sign * Decimal(amount)
                    conn.run("UPDATE accounts SET balance = :b, version = :v WHERE id = :id",
                             b=str(new), v=row[1] + 1, id=acct)
                    conn.run("INSERT INTO entries VALUES (:t, :id, :v, :a, :b)",
                             t=tid, id=acct, v=row[1] + 1, a=str(sign * Decimal(amount)), b=str(new))
                conn.run("COMMIT")
            except Exception:
                conn.run("ROLLBACK")
                raise
        return one

    elapsed = run_threads(threads, calls, make_worker)
    return rate(calls, elapsed)


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--binary", default=os.environ.get("PC_BINARY",
                                                       str(REPO / ".build/debug/partner-center")))
    args = ap.parse_args()

    binary = Path(args.binary)
    if not binary.is_file():
        raise SystemExit(f"no partner-center binary at {binary}; build it or pass --binary")
    harness.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f"pc-bench-{args.backend}-"))
    if args.backend == "postgres":
        backend = harness.PostgresBackend(root / "pg", root)
        backend.start()
    else:
        backend = harness.SqliteBackend(root)

    server = None
    try:
        server = harness.Server(binary, backend.new_database("bench"), f"bench-{args.backend}",
                                ["--rate-limit", "0", "--log-level", "warning"])
        server.start()
        cli = harness.Cli(binary, server.database)
        partners = harness.PartnerFactory(cli, server.base_url)
        customers = harness.CustomerFactory(partners)
        dist = partners.solution_provider()  # a partner with direct customers (distributors take them only for resellers)
        cli("admin", "partner", "fund", "--domain-id", dist.domain_id,
            "--amount", "100000000", "--json")
        cust_ids = [customers.create(dist).domain_id for _ in range(CUSTOMERS)]

        def health_worker(i):
            s = requests.Session()
            return lambda: s.get(server.base_url + "/health", timeout=30).raise_for_status()

        def read_worker(i):
            c = harness.make_client(server.base_url, dist.access_key, dist.secret_key,
                                    dist.domain_id)
            return lambda: c.list_partner_balances(ListPartnerBalancesRequest())

        def grant_worker(i):
            c = harness.make_client(server.base_url, dist.access_key, dist.secret_key,
                                    dist.domain_id)
            rng = random.Random(i)
            return lambda: c.update_customer_account_amount(UpdateCustomerAccountAmountRequest(
                body=AdjustAccountReq(customer_id=rng.choice(cust_ids),
                                      amount=Decimal(rng.randint(1, 100)) / 100)))

        # warm up connections and caches a little, then measure
        run_threads(args.threads, args.threads * 4, health_worker)
        health = rate(args.calls, run_threads(args.threads, args.calls, health_worker))
        reads = rate(args.calls, run_threads(args.threads, args.calls, read_worker))
        grants = rate(args.calls, run_threads(args.threads, args.calls, grant_worker))

        verify = cli.run("admin", "ledger", "verify", "--json")
        ledger_ok = verify.returncode == 0 and json.loads(verify.stdout).get("ok") is True

        if args.backend == "sqlite":
            store = sqlite_baseline(args.calls)
            store_label = "python sqlite3, WAL + synchronous=FULL, 1 thread"
        else:
            store = postgres_baseline(backend, args.calls, args.threads)
            store_label = f"pg8000, {args.threads} connections (cluster runs with fsync=off)"
    finally:
        if server:
            server.stop()
        backend.stop()

    summary = {
        "backend": args.backend,
        "calls": args.calls,
        "threads": args.threads,
        "health_rps": round(health, 1),
        "signed_read_rps": round(reads, 1),
        "grant_rps": round(grants, 1),
        "grant_vs_health": round(grants / health, 3),
        "grant_vs_signed_read": round(grants / reads, 3),
        "store_baseline": store_label,
        "store_baseline_tps": None if store is None else round(store, 1),
        "grant_vs_store_baseline": None if store is None else round(grants / store, 3),
        "ledger_ok": ledger_ok,
    }
    print(f"{args.backend}: {args.calls} calls x {args.threads} threads")
    print(f"  GET /health            {health:9.1f} req/s")
    print(f"  ListPartnerBalances    {reads:9.1f} req/s")
    print(f"  UpdateCustomerAccount  {grants:9.1f} req/s  "
          f"({grants / health:.2f}x health, {grants / reads:.2f}x signed read)")
    if store is not None:
        print(f"  bare store baseline    {store:9.1f} tx/s   ({store_label}; "
              f"grants are {grants / store:.2f}x of it)")
    print(f"  ledger verify: {'ok' if ledger_ok else 'FAILED'}")
    print(json.dumps(summary))
    if not ledger_ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
