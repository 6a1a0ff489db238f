#!/usr/bin/env python3
"""Throughput of `partner-center admin usage import` against a bare insert of the same
rows, measured in the same run on the same machine.

A fresh database gets a solution provider, a set of customers (half with some cash, so
payments go through cash and arrears) and one JSON Lines file of N usage records
over several products (ECS hours, linear EVS disks, tiered OBS traffic, OBS requests).
The file is imported once (every record rated, paid and written) and once more
(every record a duplicate). The baseline writes the same N rows into a table with
the same columns in one transaction: python sqlite3 with WAL + synchronous=FULL, or
PostgreSQL through pg8000.

Prints a human summary and, last, one JSON line.

    python benchmarks/usage_bench.py --backend sqlite --records 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "sdk"))

import conftest as harness  # noqa: E402  (server/database plumbing of the SDK suite)
from funds_support import grant  # noqa: E402

CUSTOMERS = 20
MONTH_START = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)

# (service, resource type, spec, usage type, usage unit, resource size or None)
PRODUCTS = [
    ("hws.service.type.ec2", "hws.resource.type.vm", "s6.small.1.linux", "Duration", 4, None),
    ("hws.service.type.ec2", "hws.resource.type.vm", "c6.large.2.linux", "Duration", 5, None),
    ("hws.service.type.ebs", "hws.resource.type.volume", "SSD", "Duration", 4, 100),
    ("hws.service.type.obs", "hws.resource.type.obs", "obs_standard", "downflow", 10, None),
    ("hws.service.type.obs", "hws.resource.type.obs", "obs_standard", "reqNumber", 14, None),
    ("hws.service.type.vpc", "hws.resource.type.bandwidth", "19_bgp", "Duration", 4, 5),
]

COLUMNS = ["record_id", "customer_id", "resource_id", "cloud_service_type", "resource_type",
           "resource_spec", "region", "usage_type", "usage_value", "usage_measure_id",
           "begin_time", "end_time", "resource_size", "size_measure_id"]


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_records(n: int, customers: list[str], seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        svc, rtype, spec, usage, unit, size = PRODUCTS[i % len(PRODUCTS)]
        begin = MONTH_START + dt.timedelta(minutes=rng.randrange(13 * 24 * 60))
        r = {"record_id": f"bench-{i:08d}", "customer_id": customers[i % len(customers)],
             "resource_id": f"res-{i % 500:04d}-{i % len(PRODUCTS)}", "cloud_service_type": svc,
             "resource_type": rtype, "resource_spec": spec, "region": "cn-north-4",
             "usage_type": usage, "usage_value": rng.randint(1, 5000) / 100, "usage_measure_id": unit,
             "begin_time": stamp(begin), "end_time": stamp(begin + dt.timedelta(hours=1))}
        if size is not None:
            r["resource_size"] = size
            r["size_measure_id"] = 17 if rtype.endswith("volume") else 15
        out.append(r)
    return out


def rows(records: list[dict]):
    for r in records:
        yield tuple(r.get(c) if c != "usage_value" else str(r[c]) for c in COLUMNS)


CREATE = ("CREATE TABLE usage_records (record_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, "
          "resource_id TEXT NOT NULL, cloud_service_type TEXT NOT NULL, resource_type TEXT NOT NULL, "
          "resource_spec TEXT NOT NULL, region TEXT NOT NULL, usage_type TEXT NOT NULL, "
          "usage_value NUMERIC NOT NULL, usage_measure_id INTEGER NOT NULL, begin_time TEXT NOT NULL, "
          "end_time TEXT NOT NULL, resource_size INTEGER, size_measure_id INTEGER)")


def sqlite_baseline(records: list[dict]) -> float:
    path = Path(tempfile.mkdtemp(prefix="pc-bench-sqlite-")) / "baseline.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(CREATE)
    marks = ", ".join("?" for _ in COLUMNS)
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany(f"INSERT INTO usage_records VALUES ({marks})", rows(records))
    db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return len(records) / elapsed


def sqlite_written_rows_baseline(database: str, records: int) -> float:
    """A bare insert of exactly what the import wrote: its fee records and the transfers
    paying them, into tables and indexes made from the server's own DDL (foreign keys not
    enforced), one transaction, WAL + synchronous=FULL. Records per second."""
    src = sqlite3.connect(database.removeprefix("sqlite:"))
    tables = {}
    for table, where in (("fee_records", "record_id IS NOT NULL"), ("transfers", "kind IN ('DEDEUCT', 'DEBT', 'COUPON_PAY')")):
        ddl = [r[0] for r in src.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC", (table,))]
        rows = src.execute(f"SELECT * FROM {table} WHERE {where}").fetchall()
        tables[table] = (ddl, rows)
    src.close()
    path = Path(tempfile.mkdtemp(prefix="pc-bench-written-")) / "written.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    for ddl, _ in tables.values():
        for statement in ddl:
            db.execute(statement)
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for table, (_, rows) in tables.items():
        if rows:
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in rows[0])})", rows)
    db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return records / elapsed


def postgres_baseline(backend, records: list[dict]) -> float | None:
    try:
        import pg8000.native
    except ImportError:
        print("postgres baseline skipped: pip install -r benchmarks/requirements.txt (pg8000)",
              file=sys.stderr)
        return None
    name = backend.new_database("baseline").rsplit("/", 1)[1]
    conn = pg8000.native.Connection("postgres", host="127.0.0.1", port=backend.port, database=name)
    conn.run(CREATE)
    params = ", ".join(f":p{i}" for i in range(len(COLUMNS)))
    sql = f"INSERT INTO usage_records VALUES ({params})"
    start = time.perf_counter()
    conn.run("BEGIN")
    for row in rows(records):
        conn.run(sql, **{f"p{i}": v for i, v in enumerate(row)})
    conn.run("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(records) / elapsed


def timed_import(cli: harness.Cli, path: Path) -> tuple[float, dict]:
    argv = [str(cli.binary), "admin", "usage", "import", str(path), "--json", "--database", cli.database]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=harness.pc_env(), timeout=3600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"usage import failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--binary", default=os.environ.get("PC_BINARY",
                                                       str(REPO / ".build/debug/partner-center")))
    ap.add_argument("--setup-only", action="store_true",
                    help="prepare the database and the usage file, print where they are and the master key, "
                         "and stop (to profile one import by hand; a PostgreSQL cluster is left running)")
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
        # customers are created through the API, so a server runs for the setup
        server = harness.Server(binary, backend.new_database("usage-bench"), f"usage-bench-{args.backend}",
                                ["--rate-limit", "0", "--log-level", "warning"])
        server.start()
        cli = harness.Cli(binary, server.database)
        cli("admin", "clock", "set", "2026-03-15T04:00:00Z", "--json")
        partners = harness.PartnerFactory(cli, server.base_url)
        customers = harness.CustomerFactory(partners)
        dist = partners.solution_provider()  # a partner with direct customers (distributors take them only for resellers)
        cli("admin", "partner", "fund", "--domain-id", dist.domain_id, "--amount", "1000000", "--json")
        cust_ids = [customers.create(dist).domain_id for _ in range(CUSTOMERS)]
        for cid in cust_ids[: CUSTOMERS // 2]:
            grant(dist, cid, "500")

        records = make_records(args.records, cust_ids)
        path = root / "usage.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        if args.setup_only:
            left = {"database": cli.database, "file": str(path), "master_key": harness.MASTER_KEY}
            if args.backend == "postgres":
                left["stop_with"] = f"{harness.PG_BIN}/pg_ctl -D {backend.datadir} stop"
                backend = harness.SqliteBackend(root)  # the cluster stays up for the import by hand
            print(json.dumps(left))
            return

        first_s, first = timed_import(cli, path)
        print(f"  (import: {args.records / first_s:.1f} records/s in {first_s:.2f} s)", flush=True)
        again_s, again = timed_import(cli, path)
        print(f"  (re-import: {args.records / again_s:.1f} records/s in {again_s:.2f} s)", flush=True)
        expected = {"imported": args.records, "duplicates": 0, "rejected": 0, "fee_records": args.records}
        if first != expected or again["duplicates"] != args.records or again["imported"] != 0:
            raise SystemExit(f"unexpected import summaries: {first} then {again}")
        # verify replays every account: minutes at a million records
        verify_start = time.perf_counter()
        verify = subprocess.run([str(binary), "admin", "ledger", "verify", "--json", "--database", cli.database],
                                capture_output=True, text=True, env=harness.pc_env(), timeout=7200)
        verify_s = time.perf_counter() - verify_start
        ledger_ok = verify.returncode == 0 and json.loads(verify.stdout).get("ok") is True

        written = None
        if args.backend == "sqlite":
            baseline = sqlite_baseline(records)
            label = "python sqlite3, WAL + synchronous=FULL, one transaction"
            written = sqlite_written_rows_baseline(cli.database, args.records)
        else:
            baseline = postgres_baseline(backend, records)
            label = "pg8000, one connection, one transaction (cluster runs with fsync=off)"
        cli("admin", "clock", "reset", "--json")
    finally:
        if server:
            server.stop()
        backend.stop()

    import_rps = args.records / first_s
    dup_rps = args.records / again_s
    summary = {
        "backend": args.backend,
        "records": args.records,
        "import_seconds": round(first_s, 2),
        "import_records_per_s": round(import_rps, 1),
        "reimport_records_per_s": round(dup_rps, 1),
        "baseline": label,
        "baseline_records_per_s": None if baseline is None else round(baseline, 1),
        "import_vs_baseline": None if baseline is None else round(import_rps / baseline, 4),
        "ledger_ok": ledger_ok,
        "ledger_verify_seconds": round(verify_s, 2),
        "written_rows_baseline_records_per_s": None if written is None else round(written, 1),
        "import_vs_written_rows_baseline": None if written is None else round(import_rps / written, 4),
    }
    print(f"{args.backend}: {args.records} usage records, {CUSTOMERS} customers")
    print(f"  admin usage import     {import_rps:10.1f} records/s  ({first_s:.2f} s, rated, paid, written)")
    print(f"  same file again        {dup_rps:10.1f} records/s  (all duplicates)")
    if baseline is not None:
        print(f"  bare insert baseline   {baseline:10.1f} records/s  ({label}; "
              f"import is {import_rps / baseline:.4f}x of it)")
    if written is not None:
        print(f"  bare insert of the rows the import wrote {written:10.1f} records/s  (its fee records and transfers, "
              f"same tables and indexes; import is {import_rps / written:.4f}x of it)")
    print(f"  ledger verify: {'ok' if ledger_ok else 'FAILED'} in {verify_s:.2f} s")
    print(json.dumps(summary))
    if not ledger_ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
