"""python -m sim.studies.compare: the aigov-compare command."""

from sim.studies.compare.cli import main

if __name__ == "__main__":
    main()
