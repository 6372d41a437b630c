"""`python -m flows` runs the musclebalance command line."""

from flows.cli import main

main()
