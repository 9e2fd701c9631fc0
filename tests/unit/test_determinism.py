"""The same question gives the same bytes in every process, whatever the hash seed.

Set and dict iteration orders of strings change with ``PYTHONHASHSEED``; an answer that leaned on
them would differ between two runs of the CLI, two API replicas, or a file and a store. Each
run here is a fresh interpreter with its own seed, and the model's components and dependencies
are listed in a seed-dependent order too.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# runs in a fresh interpreter: shuffles the model by a seed, answers impact and plans, prints
# the SHA-256 of the JSON answers
_PROGRAM = r"""
import hashlib, json, random, sys
from impactgraph.engine.plan import Capacity, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.graph import Graph
from impactgraph.model import Model
from impactgraph.modelfile import load_model_file

model = load_model_file(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
comps, deps = list(model.components), list(model.dependencies)
rng.shuffle(comps)
rng.shuffle(deps)
graph = Graph.from_model(Model.build(comps, deps))
out = []
for failures in (
    (Failure("dc-london"),),
    (Failure("kind:supplier", at=3600, duration=4 * 3600), Failure("payments-db")),
):
    impact = propagate(graph, Scenario(failures=failures))
    out.append(impact.as_dict())
    for capacity in (None, Capacity(total=2), Capacity(teams={"dba": 1, "platform": 2})):
        out.append(plan(graph, impact, capacity).as_dict())
print(hashlib.sha256(json.dumps(out).encode()).hexdigest())
"""


def _answer_digest(seed: int) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "IMPACTGRAPH_JIT": "0"}
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, str(EXAMPLES / "estate.yaml"), str(seed)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_answers_are_identical_across_processes_and_hash_seeds() -> None:
    digests = {seed: _answer_digest(seed) for seed in (0, 1, 2, 12345)}
    assert len(set(digests.values())) == 1, digests
    assert len(next(iter(digests.values()))) == len(hashlib.sha256().hexdigest())
