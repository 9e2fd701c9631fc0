"""``python -m impactgraph`` runs the ``impactgraph`` command."""

from impactgraph.cli.main import main

if __name__ == "__main__":
    main()
