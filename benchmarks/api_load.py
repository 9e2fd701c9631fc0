"""Load on the HTTP API: a real server in one process, concurrent keep-alive clients in another.

Generates an estate (:mod:`estate_gen`), loads it into a fresh SQLite store in a temporary
directory, makes a reader key (:func:`impactgraph.apikeys.create_key`), and starts uvicorn with
``create_app`` on 127.0.0.1 (a free port) in a subprocess. Once ``/readyz`` answers it warms
up (one question of each kind: the server reads the model, builds the graph and, above 20,000
components, compiles the kernels; timed as ``warmup_s``), then drives ``--seconds`` of load
from this process with ``--clients`` threads, each on its own keep-alive connection (httpx),
choosing each request at random from the mix:

=============  ======================================================================  ======
kind           request                                                                 mixed
=============  ======================================================================  ======
component      ``GET /v1/components/{id}``, a random component                           40%
blast          ``GET /v1/components/{id}/blast-radius``, a random component              30%
impact         ``POST /v1/impact``: a random service VM fails at 0 for 2h                20%
plan           ``POST /v1/recovery-plan``: a random host fails, 3 crews                   10%
=============  ======================================================================  ======

``--mix blast`` (or ``component``, ``impact``, ``plan``) sends only that kind. The server keeps
its default answer cache (256 answers per model version): with random components out of
thousands, nearly every question is computed, not read from the cache.

It prints requests per second overall and per kind and p50/p99 latency per kind (measured by
the client: connection, server, body read); the last line is one JSON object with every
figure and whether the targets are met (mixed on 10k: ≥ 300 req/s with p99 ≤ 100 ms; blast
radius on 100k: p50 ≤ 50 ms once the graph is built).

Usage::

    python benchmarks/api_load.py                                   # 10k, mixed, 20 s
    python benchmarks/api_load.py --components 100000 --mix blast   # blast radius on 100k
    python benchmarks/api_load.py --components 10000 --components 100000   # and growth
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _growth
import estate_gen

from impactgraph.apikeys import create_key
from impactgraph.store.sqlite import SqliteStore

KINDS = ("component", "blast", "impact", "plan")
MIX = {"component": 0.4, "blast": 0.3, "impact": 0.2, "plan": 0.1}
#: targets: mixed load on 10k components, and blast radius on 100k
MIXED_RPS, MIXED_P99_MS, BLAST_P50_MS = 300.0, 100.0, 50.0

SERVER = """
import sys
import uvicorn
from impactgraph.api import create_app
from impactgraph.api.settings import Settings

url, port = sys.argv[1], int(sys.argv[2])
uvicorn.run(
    create_app(Settings(store=url)),
    host="127.0.0.1",
    port=port,
    log_level="warning",
    access_log=False,
)
"""


# ---- the estate and the server ------------------------------------------------------------


def make_store(directory: Path, components: int, seed: int) -> tuple[str, str, list[str]]:
    """A SQLite store holding a generated estate, a reader key for it, and its ids."""
    estate = estate_gen.generate(components, seed=seed)
    url = f"sqlite:///{directory / 'estate.db'}"
    store = SqliteStore(str(directory / "estate.db"))
    try:
        store.load(estate.to_model())
        key, _ = create_key(store, "reader", "api-load benchmark")
    finally:
        store.close()
    return url, key, list(estate.ids)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(url: str, port: int, log: Path, jit: str | None) -> subprocess.Popen[bytes]:
    """uvicorn serving ``create_app`` over the store at ``url``, in its own process (with
    ``IMPACTGRAPH_JIT=jit`` when given)."""
    env = {**os.environ, "IMPACTGRAPH_STORE": url}
    if jit is not None:
        env["IMPACTGRAPH_JIT"] = jit
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float, log: Path) -> float:
    """Seconds until ``/readyz`` answers 200 (the server exiting first is an error)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return time.perf_counter() - t0
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server was not ready within {timeout:.0f}s:\n{log.read_text()}")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_rss_mb(pid: int) -> float | None:
    """Peak resident set size of the server process, in MiB (Linux), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# ---- requests ---------------------------------------------------------------------------------


@dataclass
class Requests:
    """Random requests of each kind over the estate's ids."""

    ids: Sequence[str]
    seed: int
    vms: list[str] = field(init=False)
    hosts: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.vms = [i for i in self.ids if i.startswith("vm-svc")] or list(self.ids)
        self.hosts = [i for i in self.ids if i.startswith("host")] or list(self.ids)

    def make(self, kind: str, rnd: random.Random) -> tuple[str, str, dict[str, Any] | None]:
        """``(method, path, JSON body)`` of one request of ``kind``."""
        if kind == "component":
            return "GET", f"/v1/components/{quote(rnd.choice(self.ids), safe='')}", None
        if kind == "blast":
            cid = quote(rnd.choice(self.ids), safe="")
            return "GET", f"/v1/components/{cid}/blast-radius", None
        if kind == "impact":
            body: dict[str, Any] = {
                "failures": [{"target": rnd.choice(self.vms), "duration": "2h"}]
            }
            return "POST", "/v1/impact", body
        body = {"failures": [{"target": rnd.choice(self.hosts)}], "teams": 3}
        return "POST", "/v1/recovery-plan", body


@dataclass
class Tally:
    """Latencies (ms) and failures per kind, gathered from every client thread."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, ok: bool, what: str) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if not ok:
                self.errors[kind] += 1
                if len(self.examples) < 5:
                    self.examples.append(what)


def client(
    base: str,
    key: str,
    requests: Requests,
    kinds: Sequence[str],
    weights: Sequence[float],
    until: float,
    seed: int,
    tally: Tally,
) -> None:
    """One client: one keep-alive connection, requests one after another until ``until``."""
    rnd = random.Random(seed)
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=base, headers=headers, limits=limits, timeout=60) as http:
        while time.perf_counter() < until:
            kind = rnd.choices(kinds, weights)[0]
            method, path, body = requests.make(kind, rnd)
            t0 = time.perf_counter()
            try:
                response = http.request(method, path, json=body)
                response.read()
                ok, what = response.status_code == 200, f"{response.status_code} {path}"
                if not ok:
                    what += f": {response.text[:200]}"
            except httpx.HTTPError as e:
                ok, what = False, f"{type(e).__name__} {path}"
            tally.add(kind, (time.perf_counter() - t0) * 1000, ok, what)


def drive(
    base: str,
    key: str,
    requests: Requests,
    mix: dict[str, float],
    seconds: float,
    clients: int,
    seed: int,
) -> tuple[Tally, float]:
    """``clients`` threads for ``seconds``; the tally and the time it really took."""
    kinds = [k for k in KINDS if mix.get(k)]
    weights = [mix[k] for k in kinds]
    tally = Tally()
    t0 = time.perf_counter()
    until = t0 + seconds
    threads = [
        threading.Thread(
            target=client,
            args=(base, key, requests, kinds, weights, until, seed * 1000 + i, tally),
        )
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.perf_counter() - t0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) by nearest rank of sorted ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


def warm_up(base: str, key: str, requests: Requests, ids: Sequence[str]) -> float:
    """One question of each kind (the first builds the graph); seconds taken."""
    rnd = random.Random(0)
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=600) as h:
        for kind in KINDS:
            method, path, body = requests.make(kind, rnd)
            response = h.request(method, path, json=body)
            if response.status_code != 200:
                raise SystemExit(f"warm-up {kind}: {response.status_code} {response.text[:500]}")
        # the first answer on a large graph also prepares the kernel's view of it
        site = quote(next((i for i in ids if i.startswith("site")), ids[0]), safe="")
        h.get(f"/v1/components/{site}/blast-radius", params={"depth": 1})
    return time.perf_counter() - t0


def figures(tally: Tally, elapsed: float) -> dict[str, Any]:
    """Requests, req/s, p50/p99/max per kind and overall."""
    out: dict[str, Any] = {}
    everything: list[float] = []
    for kind in KINDS:
        lat = tally.latencies.get(kind)
        if not lat:
            continue
        everything += lat
        out[kind] = {
            "requests": len(lat),
            "errors": tally.errors.get(kind, 0),
            "rps": round(len(lat) / elapsed, 1),
            "p50_ms": round(percentile(lat, 0.50), 2),
            "p99_ms": round(percentile(lat, 0.99), 2),
            "max_ms": round(max(lat), 2),
        }
    out["all"] = {
        "requests": len(everything),
        "errors": sum(tally.errors.values()),
        "rps": round(len(everything) / elapsed, 1),
        "p50_ms": round(percentile(everything, 0.50), 2),
        "p99_ms": round(percentile(everything, 0.99), 2),
        "max_ms": round(max(everything), 2) if everything else None,
    }
    return out


def targets(mix_name: str, components: int, by_kind: dict[str, Any]) -> dict[str, Any]:
    """The targets that apply to this run and whether they are met."""
    out: dict[str, Any] = {}
    if mix_name == "mixed":
        out["mixed_rps_min"] = MIXED_RPS
        out["mixed_p99_ms_max"] = MIXED_P99_MS
        out["mixed_met"] = (
            by_kind["all"]["rps"] >= MIXED_RPS
            and by_kind["all"]["p99_ms"] <= MIXED_P99_MS
            and by_kind["all"]["errors"] == 0
        )
    if "blast" in by_kind:
        out["blast_p50_ms_max"] = BLAST_P50_MS
        out["blast_met"] = by_kind["blast"]["p50_ms"] <= BLAST_P50_MS
    out["sizes"] = "the targets are set for 10k (mixed) and 100k (blast) components"
    if components not in (10_000, 100_000):
        out["note"] = f"measured on {components:,} components"
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _growth.add_sizes(parser, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument(
        "--mix", choices=("mixed", *KINDS), default="mixed", help="all kinds, or only one"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jit",
        choices=("auto", "0", "1"),
        default=None,
        help="IMPACTGRAPH_JIT for the server (default: as in this environment; auto runs the "
        "kernels compiled from 20,000 components, 1 always)",
    )
    parser.add_argument("--ready-timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    timed = {
        "p50 " + kind: f"{kind}.p50_ms" for kind in ("all", *(MIX if args.mix == "mixed" else ()))
    }
    timed |= {"p99 all": "all.p99_ms", "warm-up": "warmup_s", "store": "store_s"}
    figures = _growth.run(
        _growth.sizes(args), lambda n: measure(n, args), timed, size_of="components"
    )
    _growth.print_last(figures)
    return 0


def measure(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of one size (printing its lines)."""
    mix = MIX if args.mix == "mixed" else {args.mix: 1.0}
    with tempfile.TemporaryDirectory(prefix="impactgraph-api-load-") as tmp:
        directory = Path(tmp)
        t0 = time.perf_counter()
        url, key, ids = make_store(directory, n, args.seed)
        store_s = time.perf_counter() - t0
        print(f"estate: {len(ids):,} components in a SQLite store ({store_s:.1f}s)", flush=True)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = directory / "server.log"
        server = start_server(url, port, log, args.jit)
        try:
            ready_s = wait_ready(base, server, args.ready_timeout, log)
            requests = Requests(ids, args.seed)
            warmup_s = warm_up(base, key, requests, ids)
            print(f"server: ready in {ready_s:.1f}s, warmed up in {warmup_s:.1f}s", flush=True)
            server_cpu0, client_cpu0 = cpu_seconds(server.pid), time.process_time()
            tally, elapsed = drive(base, key, requests, mix, args.seconds, args.clients, args.seed)
            server_cpu1, client_cpu = cpu_seconds(server.pid), time.process_time() - client_cpu0
            rss = server_rss_mb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    by_kind = figures(tally, elapsed)
    print(f"\n{'kind':<10} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, f in by_kind.items():
        print(
            f"{kind:<10} {f['requests']:>9,} {f['errors']:>7} {f['rps']:>8.1f} "
            f"{f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f}"
        )
    for example in tally.examples:
        print("error:", example)
    done = max(1, by_kind["all"]["requests"])
    server_cpu = None if server_cpu0 is None or server_cpu1 is None else server_cpu1 - server_cpu0
    cpu = {
        "server_cpu_ms_per_request": None
        if server_cpu is None
        else round(server_cpu / done * 1000, 3),
        "server_cpu_share": None if server_cpu is None else round(server_cpu / elapsed, 2),
        "client_cpu_ms_per_request": round(client_cpu / done * 1000, 3),
    }
    print(
        f"CPU per request: server {cpu['server_cpu_ms_per_request']} ms "
        f"({cpu['server_cpu_share']} cores busy), client {cpu['client_cpu_ms_per_request']} ms"
    )
    result = {
        "benchmark": "api_load",
        "components": len(ids),
        "mix": args.mix,
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "store_s": round(store_s, 2),
        "ready_s": round(ready_s, 2),
        "warmup_s": round(warmup_s, 2),
        "server_peak_rss_mb": None if rss is None else round(rss, 1),
        "cpus": os.cpu_count(),
        "jit": args.jit or os.environ.get("IMPACTGRAPH_JIT", "auto"),
        **cpu,
        **{f"{k}": v for k, v in by_kind.items()},
        "targets": targets(args.mix, n, by_kind),
    }
    return result


if __name__ == "__main__":
    raise SystemExit(main())
