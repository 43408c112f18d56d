"""`python -m sim.race`: the same command as `aigov-race`."""

import sys

from sim.race.cli import main

sys.exit(main())
