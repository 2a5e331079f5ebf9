"""`python -m sector.simulator --port 8765 --db var/sector-sim.sqlite3 [--seed bundle.zip]`."""

from __future__ import annotations

import argparse
import json

import uvicorn

from .app import Simulator
from .bundle import load_bundle
from .dataset import vietnamese_roster
from .faults import Faults
from .store import Store


def build(args: argparse.Namespace) -> Simulator:
    store = Store(args.db)
    for bundle in args.seed or []:
        load_bundle(store, bundle)
    if args.vn_schools:
        for collection, items in vietnamese_roster(args.vn_schools).items():
            store.upsert_many(collection, items)
    faults = Faults(
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        timeout_rate=args.timeout_rate,
        timeout_s=args.timeout_s,
        drop_rate=args.drop_rate,
        duplicate_rate=args.duplicate_rate,
        seed=args.fault_seed,
    )
    return Simulator(
        store,
        clients={args.client_id: args.client_secret},
        faults=faults,
        token_ttl=args.token_ttl,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OneRoster 1.2 simulator of the sector platform")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", default="var/sector-simulator.sqlite3")
    parser.add_argument("--seed", action="append", help="OneRoster CSV bundle (.zip) to load")
    parser.add_argument(
        "--vn-schools", type=int, default=0, help="seed a generated Vietnamese roster"
    )
    parser.add_argument("--client-id", default="hoclieu")
    parser.add_argument("--client-secret", default="hoclieu-dev-secret")
    parser.add_argument("--token-ttl", type=int, default=3600)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--timeout-rate", type=float, default=0.0)
    parser.add_argument("--timeout-s", type=float, default=30.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--duplicate-rate", type=float, default=0.0)
    parser.add_argument("--fault-seed", type=int, default=None)
    args = parser.parse_args(argv)
    app = build(args)
    print(json.dumps({"simulator": f"http://{args.host}:{args.port}"}), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
