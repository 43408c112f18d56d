"""The DSAIR AI-race game (Han, Pereira, Santos, Lenaerts, JAIR 69, 2020) and its social dynamics.

- :mod:`sim.race.game`: per-round and race payoffs (AS = always safe, AU = always unsafe) and the
  welfare and risk-dominance thresholds in the disaster probability p_r.
- :mod:`sim.race.evolution`: fixation probabilities under the Fermi rule and the stationary
  distribution in the rare-mutation limit, for any payoff matrix.
- :mod:`sim.race.population`: the same game played by a Mesa population of labs.
- :mod:`sim.race.phase`: the (s, p_r) phase diagram. :mod:`sim.race.cli`: `aigov-race`.
"""

from sim.race.evolution import stationary_distribution, stationary_share_au
from sim.race.game import (
    STRATEGIES,
    race_payoff_dict,
    race_payoffs,
    round_payoffs,
    threshold_risk_dominance,
    threshold_risk_dominance_early,
    threshold_welfare,
    threshold_welfare_early,
)

__all__ = [
    "STRATEGIES",
    "race_payoff_dict",
    "race_payoffs",
    "round_payoffs",
    "stationary_distribution",
    "stationary_share_au",
    "threshold_risk_dominance",
    "threshold_risk_dominance_early",
    "threshold_welfare",
    "threshold_welfare_early",
]
