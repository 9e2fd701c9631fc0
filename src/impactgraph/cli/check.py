"""``impactgraph check``: continuity checks on the model (exit 0 clean, 3 with findings)."""

from __future__ import annotations

from pathlib import Path

import click

from impactgraph.cli.common import format_option, read_graph, source_options
from impactgraph.engine.checks import check as run_checks
from impactgraph.render.findings import show_findings

#: exit code when the model has findings (warnings alone do not count)
FINDINGS_EXIT = 3


@click.command()
@source_options
@format_option
def check(model_path: Path | None, store_url: str | None, fmt: str) -> None:
    """Continuity checks on the model: RTO vs MTPD, recovery chains vs RTO, RPO vs backups,
    tier inversions. Warnings (missing recovery_time, RTO, backup_interval) are listed but do
    not count.

    Exit code 0 without findings, 3 with findings, 2 for bad input.

    \b
    Example:
      impactgraph check --model examples/estate.yaml
      impactgraph check --format json | jq '.findings[] | select(.severity == "high")'
    """
    findings = run_checks(read_graph(model_path, store_url))
    show_findings(findings, fmt)
    if any(f.counts for f in findings):
        raise click.exceptions.Exit(FINDINGS_EXIT)
