#!/usr/bin/env python3
"""Throughput of on-demand price inquiries (ListOnDemandResourceRatings) with 100
items per request, next to baselines measured in the same run on the same machine:

  - the same number of 1-item inquiries (what the per-request overhead costs),
  - GET /health round trips (the bare HTTP path).

Every call goes through the official SDK with a customer's own AK/SK; the
customer has a partner discount on one service type, so the discount path is
exercised too. Prints a human summary and, last, one JSON line.

    python benchmarks/ratings_bench.py --backend sqlite --calls 300 --threads 8
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "sdk"))
sys.path.insert(0, str(REPO / "benchmarks"))

import requests  # noqa: E402

import conftest as harness  # noqa: E402  (server/database plumbing of the SDK suite)
from funds_bench import rate, run_threads  # noqa: E402
from huaweicloudsdkbss.v2 import (  # noqa: E402
    DemandProductInfo,
    ListOnDemandResourceRatingsRequest,
    RateOnDemandReq,
)

REGIONS = ("cn-north-4", "cn-east-3", "ap-southeast-1")
FLAVORS = ("s6.small.1", "s6.medium.2", "s6.large.2", "c6.large.2", "c6.xlarge.2")


def inquiry_items(rng: random.Random, n: int) -> list[DemandProductInfo]:
    """A mix of the default catalog: VMs, disks (linear) and OBS downflow (tiered)."""
    items = []
    for i in range(n):
        region = rng.choice(REGIONS)
        kind = i % 3
        if kind == 0:
            items.append(DemandProductInfo(
                id=f"i{i}", cloud_service_type="hws.service.type.ec2",
                resource_type="hws.resource.type.vm",
                resource_spec=f"{rng.choice(FLAVORS)}.{rng.choice(['linux', 'win'])}",
                region=region, usage_factor="Duration", usage_value=rng.randint(1, 720),
                usage_measure_id=rng.choice([4, 5]), subscription_num=rng.randint(1, 5)))
        elif kind == 1:
            items.append(DemandProductInfo(
                id=f"i{i}", cloud_service_type="hws.service.type.ebs",
                resource_type="hws.resource.type.volume",
                resource_spec=rng.choice(["SATA", "SAS", "GPSSD", "SSD"]), region=region,
                resource_size=rng.randint(10, 2000), size_measure_id=17,
                usage_factor="Duration", usage_value=rng.randint(1, 720), usage_measure_id=4,
                subscription_num=rng.randint(1, 3)))
        else:
            items.append(DemandProductInfo(
                id=f"i{i}", cloud_service_type="hws.service.type.obs",
                resource_type="hws.resource.type.obs", resource_spec="obs_standard",
                region=region, usage_factor="downflow", usage_value=rng.randint(1, 100000),
                usage_measure_id=10, subscription_num=1))
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--calls", type=int, default=300, help="requests per measured phase")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--items", type=int, default=100, help="items in the large inquiry (1-100)")
    ap.add_argument("--binary", default=os.environ.get("PC_BINARY",
                                                       str(REPO / ".build/debug/partner-center")))
    args = ap.parse_args()
    if not 1 <= args.items <= 100:
        raise SystemExit("--items must be 1..100")

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
        server = harness.Server(binary, backend.new_database("ratings"),
                                f"ratings-bench-{args.backend}",
                                ["--rate-limit", "0", "--log-level", "warning"])
        server.start()
        cli = harness.Cli(binary, server.database)
        partners = harness.PartnerFactory(cli, server.base_url)
        customers = harness.CustomerFactory(partners)
        dist = partners.solution_provider()  # a partner with direct customers (distributors take them only for resellers)
        cust = customers.principal(customers.create(dist))
        cli("admin", "discount", "set", "--customer-id", cust.domain_id,
            "--service-type", "hws.service.type.ec2", "--rate", "0.85",
            "--expires", "2099-12-31", "--json")

        big = ListOnDemandResourceRatingsRequest(body=RateOnDemandReq(
            project_id="bench", product_infos=inquiry_items(random.Random(7), args.items)))
        small = ListOnDemandResourceRatingsRequest(body=RateOnDemandReq(
            project_id="bench", product_infos=inquiry_items(random.Random(7), 1)))

        def health_worker(i):
            s = requests.Session()
            return lambda: s.get(server.base_url + "/health", timeout=30).raise_for_status()

        def quote_worker(req, expect: int):
            def make(i):
                c = harness.make_client(server.base_url, cust.access_key, cust.secret_key,
                                        cust.domain_id)

                def one():
                    resp = c.list_on_demand_resource_ratings(req)
                    # a wrong quote would make the figure meaningless
                    if len(resp.product_rating_results) != expect or resp.amount is None \
                            or Decimal(str(resp.amount)) > Decimal(str(resp.official_website_amount)):
                        raise AssertionError(f"bad quote: {resp}")
                return one
            return make

        # warm up connections, then measure
        run_threads(args.threads, args.threads * 4, health_worker)
        run_threads(args.threads, args.threads * 2, quote_worker(big, args.items))
        health = rate(args.calls, run_threads(args.threads, args.calls, health_worker))
        one_item = rate(args.calls, run_threads(args.threads, args.calls,
                                                quote_worker(small, 1)))
        hundred = rate(args.calls, run_threads(args.threads, args.calls,
                                               quote_worker(big, args.items)))
    finally:
        if server:
            server.stop()
        backend.stop()

    summary = {
        "backend": args.backend,
        "calls": args.calls,
        "threads": args.threads,
        "items": args.items,
        "health_rps": round(health, 1),
        "quote_1_item_rps": round(one_item, 1),
        "quote_n_items_rps": round(hundred, 1),
        "items_priced_per_s": round(hundred * args.items, 1),
        "quote_n_vs_1_item": round(hundred / one_item, 3),
        "quote_n_vs_health": round(hundred / health, 3),
    }
    print(f"{args.backend}: {args.calls} calls x {args.threads} threads")
    print(f"  GET /health                 {health:9.1f} req/s")
    print(f"  on-demand quote, 1 item     {one_item:9.1f} req/s  ({one_item / health:.2f}x health)")
    print(f"  on-demand quote, {args.items:3d} items {hundred:9.1f} req/s  "
          f"({hundred / one_item:.2f}x the 1-item rate, {hundred * args.items:.0f} items/s)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
