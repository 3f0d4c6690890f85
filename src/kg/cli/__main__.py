"""``python -m kg.cli``: the kg command, as the console script runs it."""

from kg.cli import main

main()
