"""The ``impactgraph`` command: a click group that maps every error to an exit code.

Exit codes: 0 ok, 2 bad input (file, selector, id, store URL, usage) or an environment that
refuses (a missing directory, no permission, a full disk), 3 findings (``check``), 130
interrupted, 1 only for a bug. An :class:`~impactgraph.errors.ImpactGraphError` prints
``error: <message>`` on stderr and exits with its ``exit_code``; an ``OSError`` that no layer
below named prints ``error: <reason> (<file>)`` and exits 2; a reader that goes away
(``| head``) ends the output quietly, with the command's own exit code; anything else is a bug:
a one-line message (the traceback only with ``IMPACTGRAPH_DEBUG=1``) and exit 1.
"""

from __future__ import annotations

import os
import traceback
from typing import Any

import click

from impactgraph import __version__
from impactgraph.cli.apikey import apikey
from impactgraph.cli.check import check
from impactgraph.cli.db import db
from impactgraph.cli.deps import deps
from impactgraph.cli.diagram import diagram
from impactgraph.cli.impact import explain, impact
from impactgraph.cli.importing import import_group
from impactgraph.cli.model_cmds import load, validate
from impactgraph.cli.recover import recover
from impactgraph.cli.serve import serve
from impactgraph.errors import ImpactGraphError
from impactgraph.render.formats import answering, discard_stdout


def _debug() -> bool:
    return os.environ.get("IMPACTGRAPH_DEBUG", "") not in ("", "0")


class ImpactGraphGroup(click.Group):
    """A group whose commands turn impactgraph errors into ``error: …`` and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                # flush what the command wrote while a full disk can still be reported
                with answering():
                    pass
        except (click.exceptions.Exit, click.ClickException):
            raise
        except ImpactGraphError as e:
            if _debug():
                traceback.print_exc()
            click.echo(f"error: {e}", err=True)
            ctx.exit(e.exit_code)
        except (KeyboardInterrupt, click.Abort):
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # the reader went away (``| head``) where no renderer caught it: nothing to say
            discard_stdout()
            ctx.exit(0)
        except OSError as e:
            # the environment (disk, permissions, a path) refused, and no layer below said how
            if _debug():
                traceback.print_exc()
            where = f" ({e.filename})" if e.filename else ""
            click.echo(f"error: {e.strerror or e}{where}", err=True)
            ctx.exit(2)
        except Exception as e:
            if _debug():
                traceback.print_exc()
            else:
                click.echo(
                    "internal error (a bug; run again with IMPACTGRAPH_DEBUG=1 for the "
                    f"traceback): {type(e).__name__}: {e}",
                    err=True,
                )
            ctx.exit(1)


@click.group(cls=ImpactGraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="impactgraph")
def cli() -> None:
    """impactgraph: what goes down, when, why and what it costs when part of an estate fails.

    \b
    Example:
      impactgraph validate examples/estate.yaml
      impactgraph load examples/estate.yaml
      impactgraph impact --fail dc1
      impactgraph explain --fail dc1 --component card-payments
    """


for _command in (validate, load, impact, explain, recover, deps, diagram, check, db, serve, apikey):
    cli.add_command(_command)
cli.add_command(import_group)


def main(argv: list[str] | None = None) -> None:
    """Run the ``impactgraph`` command (the console script's entry point)."""
    cli.main(args=argv, prog_name="impactgraph")
