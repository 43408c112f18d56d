"""``python -m sim.studies.backtest``: the back-test's command line (:mod:`.cli`)."""

import sys

from sim.studies.backtest.cli import main

main(sys.argv[1:])
