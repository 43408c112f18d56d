"""``python -m sim.studies.meanfield``: the mean-field check's command line (:mod:`.cli`)."""

import sys

from sim.studies.meanfield.cli import main

main(sys.argv[1:])
