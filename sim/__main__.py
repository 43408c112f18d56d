"""`python -m sim`: the `aigov` command."""

from sim.cli.aigov import main

main()
