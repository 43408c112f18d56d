"""``python -m sim.studies.alignment_theory``: the alignment check's command line (:mod:`.cli`)."""

import sys

from sim.studies.alignment_theory.cli import main

main(sys.argv[1:])
