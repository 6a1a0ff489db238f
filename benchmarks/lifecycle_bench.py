#!/usr/bin/env python3
"""Throughput of the subscription lifecycle: N auto-renewing monthly subscriptions reach
their renewal day in one `admin clock advance`, against a bare client doing one UPDATE per
subscription on the same database in the same run.

Setup (not measured): a solution provider, customers with plenty of cash, and N resources
bought through operator orders (`POST /operator/v1/orders`, 100 lines of 100 subscriptions
each at most, paid at once); each is then set to auto-renew with AutoRenewalResources' SQL
effect (expire_policy 3, its first attempt 03:00 Beijing seven days before expiry).

Measured: `admin clock advance 30d --json`, which runs every renewal due on the way: for
each subscription a renewal order placed and paid (ledger transfers, a fee record, the
resource's new expiry), each in its own transaction. The baseline updates a table of N rows
one UPDATE per row, each its own transaction (python sqlite3 with WAL + synchronous=FULL,
as the server runs it; or pg8000 on the same PostgreSQL cluster).

Prints a human summary and, last, one JSON line.

    python benchmarks/lifecycle_bench.py --backend sqlite --subscriptions 2000
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "sdk"))

import conftest as harness  # noqa: E402
from funds_support import grant  # noqa: E402

CUSTOMERS = 10
SMALL = {"cloud_service_type": "hws.service.type.ec2", "resource_type": "hws.resource.type.vm",
         "resource_spec": "s6.small.1.linux", "region": "cn-north-4", "period_type": 2, "period_num": 1}


def buy(server, operator, customer_id: str, count: int):
    """`count` monthly subscriptions for one customer, in orders of at most 10,000."""
    while count > 0:
        lines, left = [], min(count, 10_000)
        count -= left
        while left > 0:
            n = min(left, 100)
            lines.append(dict(SMALL, id=f"l{len(lines)}", subscription_num=n))
            left -= n
        resp = harness.sign_and_send(server.base_url, "POST", "/operator/v1/orders", operator["access_key"], operator["secret_key"],
                                     body={"customer_id": customer_id, "product_infos": lines, "pay": True})
        if resp.status_code != 201 or resp.json().get("status") != 5:
            raise SystemExit(f"order failed: {resp.status_code} {resp.text[:500]}")


AUTO_RENEW = ("UPDATE customer_resources SET expire_policy = 3, next_renewal_at = "
              "((expires_at + 28800000) / 86400000 - 7) * 86400000 + 10800000 - 28800000 "
              "WHERE charge_mode = 'period'")


def sqlite_setup(database: str):
    db = sqlite3.connect(database.removeprefix("sqlite:"), isolation_level=None)
    db.execute(AUTO_RENEW)
    db.close()


def sqlite_baseline(n: int) -> float:
    path = Path(tempfile.mkdtemp(prefix="pc-bench-life-")) / "baseline.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE subs (id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)")
    db.execute("BEGIN")
    db.executemany("INSERT INTO subs VALUES (?, ?)", ((f"s{i:08d}", 1) for i in range(n)))
    db.execute("COMMIT")
    start = time.perf_counter()
    for i in range(n):
        db.execute("UPDATE subs SET expires_at = expires_at + 2592000000 WHERE id = ?", (f"s{i:08d}",))
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed


def postgres_connect(backend, database: str):
    import pg8000.native
    return pg8000.native.Connection("postgres", host="127.0.0.1", port=backend.port, database=database.rsplit("/", 1)[1])


def postgres_baseline(backend, database: str, n: int) -> float:
    conn = postgres_connect(backend, database)
    conn.run("CREATE TABLE bench_subs (id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)")
    conn.run("INSERT INTO bench_subs SELECT 's' || lpad(g::text, 8, '0'), 1 FROM generate_series(0, :n - 1) g", n=n)
    start = time.perf_counter()
    for i in range(n):
        conn.run("UPDATE bench_subs SET expires_at = expires_at + 2592000000 WHERE id = :id", id=f"s{i:08d}")
    elapsed = time.perf_counter() - start
    conn.run("DROP TABLE bench_subs")
    conn.close()
    return n / elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--subscriptions", type=int, default=2000)
    ap.add_argument("--binary", default=os.environ.get("PC_BINARY", str(REPO / ".build/debug/partner-center")))
    args = ap.parse_args()
    binary = Path(args.binary)
    if not binary.is_file():
        raise SystemExit(f"no partner-center binary at {binary}; build it or pass --binary")
    harness.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f"pc-bench-life-{args.backend}-"))
    backend = harness.PostgresBackend(root / "pg", root) if args.backend == "postgres" else harness.SqliteBackend(root)
    if args.backend == "postgres":
        backend.start()
    server = None
    try:
        server = harness.Server(binary, backend.new_database("life-bench"), f"life-bench-{args.backend}",
                                ["--rate-limit", "0", "--log-level", "warning", "--lifecycle-interval", "0"])
        server.start()
        cli = harness.Cli(binary, server.database)
        cli("admin", "clock", "set", "2026-03-10T04:00:00Z", "--json")
        operator = cli("admin", "key", "create", "--operator", "--json")
        partners = harness.PartnerFactory(cli, server.base_url)
        sp = partners.solution_provider()
        cli("admin", "partner", "fund", "--domain-id", sp.domain_id, "--amount", "90000000000", "--json")
        customers = harness.CustomerFactory(partners)
        ids = [customers.create(sp).domain_id for _ in range(CUSTOMERS)]
        per = args.subscriptions // CUSTOMERS
        setup_start = time.perf_counter()
        for cid in ids:
            grant(sp, cid, str(per * 100))
            buy(server, operator, cid, per)
        n = per * CUSTOMERS
        if args.backend == "sqlite":
            sqlite_setup(server.database)
        else:
            conn = postgres_connect(backend, server.database)
            conn.run(AUTO_RENEW)
            conn.close()
        setup_s = time.perf_counter() - setup_start
        print(f"  (setup: {n} subscriptions in {setup_s:.1f} s)", flush=True)

        start = time.perf_counter()
        proc = subprocess.run([str(binary), "admin", "clock", "advance", "30d", "--json", "--database", server.database],
                              capture_output=True, text=True, env=harness.pc_env(), timeout=7200)
        sweep_s = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"clock advance failed: {proc.stderr[-2000:]}")
        report = json.loads(proc.stdout)["lifecycle"]
        if report["renewed"] != n or report["renewals_failed"] != 0:
            raise SystemExit(f"expected {n} renewals, got {report}")
        verify = subprocess.run([str(binary), "admin", "ledger", "verify", "--json", "--database", server.database],
                                capture_output=True, text=True, env=harness.pc_env(), timeout=7200)
        ledger_ok = verify.returncode == 0 and json.loads(verify.stdout).get("ok") is True
        if args.backend == "sqlite":
            baseline = sqlite_baseline(n)
            label = "python sqlite3, WAL + synchronous=FULL, one UPDATE per transaction"
        else:
            baseline = postgres_baseline(backend, server.database, n)
            label = "pg8000, one UPDATE per transaction, same cluster (fsync=off)"
    finally:
        if server:
            server.stop()
        backend.stop()

    rate = n / sweep_s
    summary = {"backend": args.backend, "subscriptions": n, "sweep_seconds": round(sweep_s, 2),
               "renewals_per_s": round(rate, 1), "baseline": label, "baseline_updates_per_s": round(baseline, 1),
               "sweep_vs_baseline": round(rate / baseline, 4), "ledger_ok": ledger_ok}
    print(f"{args.backend}: {n} auto-renewing subscriptions reach their renewal day in one clock advance")
    print(f"  admin clock advance 30d  {rate:10.1f} renewals/s  ({sweep_s:.2f} s: order placed and paid, fee, new expiry)")
    print(f"  bare UPDATE per row      {baseline:10.1f} updates/s  ({label}; the sweep is {rate / baseline:.4f}x of it)")
    print(f"  ledger verify: {'ok' if ledger_ok else 'FAILED'}")
    print(json.dumps(summary))
    if not ledger_ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
