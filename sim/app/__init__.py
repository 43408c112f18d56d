"""The what-if dashboard (``aigov-app``): one page to pick a scenario, move its levers, run
seeds and read the outcome shares against a reference, and step through one run.

The page (:mod:`sim.app.page`, with its lever panel in :mod:`sim.app.lever_panel`) is a thin
solara layer over small modules that hold no UI:
:mod:`sim.app.levers` (what the page may change, as config edits and command-line overrides),
:mod:`sim.app.engine` (runs seeds on the worker pool of :mod:`sim.runs`, replays one run
month by month),
:mod:`sim.app.stats` (shares, intervals, bands), :mod:`sim.app.figures` (the comparison's
figures), :mod:`sim.app.run_figure` (one run's month), :mod:`sim.app.story` (the run's story)
and :mod:`sim.app.save` (a saved comparison).
The page is built on solara components rather than Mesa's SolaraViz: SolaraViz (which renders
with the pinned solara) steps one live model, while this page shows statistics over many seeds
and one run replayed from stored months. Install with the ``app`` extra:
``pip install -e '.[app]'`` (``make app`` does it).
"""
