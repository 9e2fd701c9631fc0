"""A seeded generator of large, valid model files, for timing validation (not committed as data).

``python tests/data/large_model.py 100000 /tmp/model-100k.yaml`` writes one;
``python tests/data/large_model.py 100000 /tmp/model-100k.yaml --time`` also loads it and
prints one JSON line with the seconds taken (wall clock and CPU).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any


def large_model_document(n: int, seed: int = 7) -> dict[str, Any]:
    """A layered estate of ``n`` components (sites, hosts, databases in pairs, services,
    business services), about two dependencies each, using every file-form feature."""
    rng = random.Random(seed)
    sites = max(2, n // 1000)
    hosts = max(4, n // 10)
    components: list[dict[str, Any]] = []
    for s in range(sites):
        components.append({"id": f"site-{s}", "kind": "site", "recovery_time": "2d"})
    for h in range(hosts):
        components.append(
            {
                "id": f"host-{h}",
                "kind": "infrastructure",
                "type": "vm",
                "recovery_time": "2h",
                "needs": [{"id": f"site-{h % sites}", "type": "located_at"}],
            }
        )
    rest = n - sites - hosts
    groups = rest // 10
    for g in range(groups):
        a, b = f"db-{g}-a", f"db-{g}-b"
        components.append(
            {
                "id": a,
                "kind": "infrastructure",
                "type": "database",
                "needs": [{"id": f"host-{rng.randrange(hosts)}", "type": "runs_on"}],
            }
        )
        components.append(
            {
                "id": b,
                "kind": "infrastructure",
                "type": "database",
                "needs": [{"id": f"host-{rng.randrange(hosts)}", "type": "runs_on"}],
            }
        )
        components.append(
            {
                "id": f"db-{g}",
                "kind": "group",
                "min_up": 1,
                "members": [a, {"id": b, "mode": "standby", "activation": "30m"}],
            }
        )
    made = len(components)
    for k in range(n - made):
        needs: list[Any] = [f"host-{rng.randrange(hosts)}"]
        if groups:
            needs.append({"id": f"db-{rng.randrange(groups)}", "tolerance": "15m"})
        kind = "business_service" if k % 20 == 0 else "service"
        comp: dict[str, Any] = {"id": f"svc-{k}", "kind": kind, "needs": needs}
        if kind == "business_service":
            comp.update(tier=1 + k % 3, rto="4h", impact_per_hour=1000.0)
        components.append(comp)
    return {"version": 1, "components": components}


def write_large_model(n: int, path: Path) -> None:
    """Write the generated model as JSON (``.json``) or block-style YAML."""
    doc = large_model_document(n)
    if path.suffix == ".json":
        path.write_text(json.dumps(doc, indent=1))
    else:
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        path.write_text(yaml.dump(doc, Dumper=dumper, sort_keys=False))


def time_load(path: Path) -> dict[str, Any]:
    """Load ``path`` with :func:`impactgraph.modelfile.load_model_file` and time it."""
    import time

    from impactgraph.modelfile import load_model_file

    wall, cpu = time.perf_counter(), time.process_time()
    model = load_model_file(path)
    return {
        "file": str(path),
        "components": len(model.components),
        "dependencies": len(model.dependencies),
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
    }


if __name__ == "__main__":
    target = Path(sys.argv[2])
    write_large_model(int(sys.argv[1]), target)
    if "--time" in sys.argv[3:]:
        print(json.dumps(time_load(target)))
