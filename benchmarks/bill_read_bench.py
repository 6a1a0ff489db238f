"""Latency of the monthly bill reads with many fee records loaded.

Loads N fee records (default 1,000,000) spread over one solution provider's customers and a
month, straight into a fresh database (the way a long-running deployment accumulates
them; importing them through the API would take hours), rebuilds the daily sums the
server keeps, then measures p50/p99 of ShowCustomerMonthlySum (a customer's own key) and
ListSubcustomerMonthlyBills (the solution provider's key) beside GET /health in the same run.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "sdk"))
import requests  # noqa: E402
from huaweicloudsdkbss.v2 import ListSubcustomerMonthlyBillsRequest, ShowCustomerMonthlySumRequest  # noqa: E402

import conftest as harness  # noqa: E402

SERVICES = [("hws.service.type.ec2", "hws.resource.type.vm"), ("hws.service.type.ebs", "hws.resource.type.volume"),
            ("hws.service.type.vpc", "hws.resource.type.bandwidth"), ("hws.service.type.obs", "hws.resource.type.obs")]
MARCH_1 = 1772294400000  # 2026-03-01T00:00:00Z in ms
BEIJING = 8 * 3600 * 1000
# The same sums the server keeps with every fee record, rebuilt once for the bulk load.
SUMS = ["DELETE FROM bill_day_sums", "DELETE FROM bill_month_sums", """
INSERT INTO bill_day_sums (partner_id, customer_id, bill_cycle, day, service_type, resource_type, charging_mode, bill_type,
                           official, discount, truncated, consume, cash, credit, coupon, debt, fees)
SELECT partner_id, customer_id, bill_cycle, (trade_time + 28800000) / 86400000, service_type, resource_type, charging_mode, bill_type,
       SUM(official), SUM(discount), SUM(truncated), SUM(consume), SUM(cash), SUM(credit), SUM(coupon), SUM(debt), COUNT(*)
FROM fee_records GROUP BY partner_id, customer_id, bill_cycle, (trade_time + 28800000) / 86400000, service_type, resource_type, charging_mode, bill_type
""", """
INSERT INTO bill_month_sums (partner_id, customer_id, bill_cycle, service_type, resource_type, charging_mode, bill_type,
                             official, discount, truncated, consume, cash, credit, coupon, debt, fees)
SELECT partner_id, customer_id, bill_cycle, service_type, resource_type, charging_mode, bill_type,
       SUM(official), SUM(discount), SUM(truncated), SUM(consume), SUM(cash), SUM(credit), SUM(coupon), SUM(debt), SUM(fees)
FROM bill_day_sums GROUP BY partner_id, customer_id, bill_cycle, service_type, resource_type, charging_mode, bill_type
"""]


def fee_rows(n: int, partner: str, customers: list[str], seed: int = 11):
    rng = random.Random(seed)
    for i in range(n):
        service, resource = rng.choice(SERVICES)
        t = MARCH_1 + rng.randrange(0, 28 * 86400) * 1000
        cash = rng.randrange(1, 5_000_000_000)
        yield (f"FB{i:024d}", rng.choice(customers), partner, "2026-03", service, resource, "cn-north-4", f"res-{i % 5000}", f"res-{i % 5000}",
               "spec", "OFFI0", "Duration", "1", 4, 3, 5, t, t + 3_600_000, t, f"TB{i:024d}", cash, 0, 0, cash, cash, 0, 0, 0, f"rb-{i}")


INSERT = """INSERT INTO fee_records (id, customer_id, partner_id, bill_cycle, service_type, resource_type, region, resource_id, resource_name,
    resource_spec, product_id, usage_type, usage_value, usage_measure_id, charging_mode, bill_type, consume_begin, consume_end, trade_time, trade_id,
    official, discount, truncated, consume, cash, credit, coupon, debt, record_id) VALUES ({})"""


def load_sqlite(path: str, n: int, partner: str, customers: list[str]) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    with db:
        db.executemany(INSERT.format(",".join("?" * 29)), fee_rows(n, partner, customers))
        for statement in SUMS:
            db.execute(statement)
    db.close()
    return time.perf_counter() - started


def load_postgres(url: str, n: int, partner: str, customers: list[str]) -> float:
    import pg8000.native  # noqa: PLC0415
    from urllib.parse import urlparse  # noqa: PLC0415
    u = urlparse(url)
    started = time.perf_counter()
    conn = pg8000.native.Connection(user=u.username or "postgres", host=u.hostname, port=u.port, database=u.path.lstrip("/"))
    conn.run("BEGIN")
    batch: list = []
    for row in fee_rows(n, partner, customers):
        batch.append(row)
        if len(batch) == 5000:
            values = ",".join("(" + ",".join(pg_literal(v) for v in r) + ")" for r in batch)
            conn.run(INSERT.format("").replace("VALUES ()", "VALUES " + values))
            batch = []
    if batch:
        values = ",".join("(" + ",".join(pg_literal(v) for v in r) + ")" for r in batch)
        conn.run(INSERT.format("").replace("VALUES ()", "VALUES " + values))
    for statement in SUMS:
        conn.run(statement)
    conn.run("COMMIT")
    conn.run("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def pg_literal(v) -> str:
    return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"


def percentiles(samples: list[float]) -> dict:
    s = sorted(samples)
    return {"p50_ms": round(statistics.median(s) * 1000, 2), "p99_ms": round(s[int(len(s) * 0.99) - 1] * 1000, 2)}


def timed(calls: int, fn) -> list[float]:
    out = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--binary", default=os.environ.get("PC_BINARY", str(REPO / ".build/debug/partner-center")))
    args = ap.parse_args()
    binary = Path(args.binary)
    harness.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f"pc-bill-bench-{args.backend}-"))
    backend = harness.PostgresBackend(root / "pg", root) if args.backend == "postgres" else harness.SqliteBackend(root)
    if args.backend == "postgres":
        backend.start()
    server = None
    try:
        server = harness.Server(binary, backend.new_database("bill-bench"), f"bill-bench-{args.backend}", ["--rate-limit", "0", "--log-level", "warning"])
        server.start()
        cli = harness.Cli(binary, server.database)
        cli("admin", "clock", "set", "2026-03-30T04:00:00Z")
        partners = harness.PartnerFactory(cli, server.base_url)
        factory = harness.CustomerFactory(partners)
        dist = partners.solution_provider()  # a partner with direct customers (distributors take them only for resellers)
        customers = [factory.create(dist) for _ in range(args.customers)]
        me = factory.principal(customers[0])
        server.stop()
        load = (load_sqlite(server.database.removeprefix("sqlite:"), args.records, dist.domain_id, [c.domain_id for c in customers])
                if args.backend == "sqlite" else load_postgres(server.database, args.records, dist.domain_id, [c.domain_id for c in customers]))
        server = harness.Server(binary, server.database, f"bill-bench-{args.backend}-2", ["--rate-limit", "0", "--log-level", "warning"])
        server.start()
        dist = dataclasses.replace(dist, base_url=server.base_url)
        me = dataclasses.replace(me, base_url=server.base_url)
        session = requests.Session()
        health = timed(args.calls, lambda: session.get(server.base_url + "/health", timeout=10))
        customer_sum = timed(args.calls, lambda: me.client.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle="2026-03")))
        partner_bills = timed(args.calls, lambda: dist.client.list_subcustomer_monthly_bills(
            ListSubcustomerMonthlyBillsRequest(cycle="2026-03", charge_mode="3", limit=100)))
        check = dist.client.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(cycle="2026-03", charge_mode="3", limit=1))
        summary = {"backend": args.backend, "fee_records": args.records, "customers": args.customers, "load_s": round(load, 1),
                   "health": percentiles(health), "show_customer_monthly_sum": percentiles(customer_sum),
                   "list_subcustomer_monthly_bills": percentiles(partner_bills), "bill_rows": check.count}
        summary["customer_sum_p99_vs_health_p99"] = round(summary["show_customer_monthly_sum"]["p99_ms"] / summary["health"]["p99_ms"], 1)
        summary["partner_bills_p99_vs_health_p99"] = round(summary["list_subcustomer_monthly_bills"]["p99_ms"] / summary["health"]["p99_ms"], 1)
        print(json.dumps(summary))
    finally:
        if server:
            server.stop()
        if args.backend == "postgres":
            backend.stop()


if __name__ == "__main__":
    main()
