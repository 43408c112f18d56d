"""The schema: every scenario parameter and actor attribute declared once (bounds, unit, meaning).

Validation (:mod:`sim.config.models`, :mod:`sim.config.params`), sensitivity analysis, the
provenance document and the model all read :data:`PARAMETERS`; the actor attributes are in
:data:`COUNTRY_ATTRIBUTES` and :data:`LAB_ATTRIBUTES`. Bounds are hard: what the functional forms
accept, finite everywhere. Plausible ranges and sources live in the scenarios (docs/ODD.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.model import decision_rules

INF = math.inf
MAX_STEPS = 600  # 50 years: capability grows exponentially, so longer horizons lose meaning
MAX_SEED = 2**63 - 1  # seeds fit the 64-bit integer columns of the run tables
MAX_RUNS = 1_000_000  # model runs one command may start (about two weeks on two cores)
MAX_JOBS = 256  # worker processes one command may start
MAX_REPLICATES = 100_000  # runs per sweep job
MAX_SYNTHETIC = 5000  # small states a scenario may generate
# Hard caps of quantities with no natural upper end, far beyond any plausible value: they keep
# every number the model computes finite (a weight or rate of 1e30 is a typo, not a what-if).
MAX_WEIGHT = 100.0  # rates, weights and thresholds on the model's own [0, 1]-ish scales
MAX_CAPABILITY = 1000.0  # capability is relative to the frontier (about 1 for the leader)
MAX_PAYOFF = 1e9  # DSAIR payoffs and race length, in the game's abstract units
MAX_RACE_RATE = 1000.0  # DSAIR speed-up s and intensity of selection beta
# The expected incidents of a month are drawn from a Poisson law, which numpy cannot draw above
# about 9e18; capability compounds monthly, so rate x exposure x capability x growth^steps must
# stay below this (checked for the whole run before it starts, sim.config.params.check_growth).
MAX_HAZARD = 1e18

VENUE_TYPES = ("un", "summit", "bilateral", "track2")
DECISION_RULES = tuple(decision_rules.RULES)  # one declaration: the registry's names
COUNTER_FORUM_RULES = decision_rules.FORUM_RULES  # the rules a leader's own forum may use
SECTIONS = ("levers", "uncertainties", "constants")
INITIAL_ALIGNMENT = ("relations", "united", "split")
EVENT_KINDS = ("controls", "rivalry", "risk_concern", "hawkishness", "legitimacy", "government")
GOVERNMENT_CHANGES = ("risk_concern", "hawkishness", *(f"legitimacy.{t}" for t in VENUE_TYPES))
INVITE_WORDS = ("all", "like_minded", "none")  # a venue's invite: one of these, or names
LAB_WORDS = ("none", "all")  # a venue's labs: one of these, or names


@dataclass(frozen=True)
class ParamSpec:
    """Schema entry: hard bounds (inclusive), meaning, unit and kind (float, or bool for a
    switch stored as 0.0/1.0)."""

    lo: float
    hi: float
    meaning: str
    unit: str
    kind: type = float


P = ParamSpec
SHARE_MONTH = "share of the gap per month"

PARAMETERS: dict[str, ParamSpec] = {
    # levers: what governments choose
    "safety_for_compute": P(0, 1, "safety-for-compute deal enabled (002)", "switch (0/1)", bool),
    "deal_safety_threshold": P(0, 1, "verified implemented safety the target must show",
                               "depth (0-1)"),
    "deal_trust_threshold": P(0, 1, "supplier's trust in the target needed for the deal",
                              "trust (0-1)"),
    "deal_rivalry_gate": P(0, MAX_WEIGHT, "rivalry above which the supplier will not budge",
                           "rivalry"),
    "deal_easing": P(0, 1, "share of controls lifted per month while the deal holds",
                     "share per month"),
    "club_easing": P(0, 1, "share of control pressure a supplier waives for fellow members, per "
                     "unit depth of the regime they share (club penalty)", "share per unit depth"),
    # uncertainties: what nobody knows
    "trust_gain": P(0, 1, "trust gain per verified compliance (share of gap to 1)",
                    "share of the gap"),
    "trust_loss": P(0, 1, "trust loss per verified shortfall (share of trust)", "share of trust"),
    "trust_relax": P(0, 1, "monthly relaxation of trust toward its baseline", SHARE_MONTH),
    "trust_drift": P(0, 1, "monthly drift of the baseline toward lived trust (memory)",
                     SHARE_MONTH),
    "cosign_trust_gain": P(0, 1, "trust gain between co-signatories per unit depth",
                           "trust per unit depth"),
    "exclusion_penalty": P(0, 1, "trust lost in the host and its circle when left out",
                           "trust (0-1)"),
    "dialogue_trust_gain": P(0, 1, "trust gain from a bilateral meeting (share of gap)",
                             "share of the gap"),
    "track2_spillover": P(0, 1, "share of the dialogue gain reaching labs' home countries",
                          "share"),
    "rivalry_trust_cut": P(0, 1, "trust lost each month per unit of rivalry",
                           "trust per month per unit rivalry"),
    "rivalry_decay": P(0, 1, "monthly decay of rivalry toward zero", "share per month"),
    "risk_salience": P(0, 1, "jump in risk concern per incident (share of gap to 1)",
                       "share of the gap"),
    "risk_decay": P(0, 1, "monthly decay of risk concern toward its baseline", SHARE_MONTH),
    "substitution_speed": P(0, 1, "monthly domestic chip substitution under controls",
                            SHARE_MONTH),
    "incident_rate": P(0, MAX_WEIGHT, "expected incidents per month per unit unsafe capability",
                       "incidents per month per unit capability"),
    "compliance_rate": P(0, 1, "monthly closure of the commitment-implementation gap",
                         SHARE_MONTH),
    "compliance_noise": P(0, 1, "s.d. of monthly implementation shocks", "depth (0-1)"),
    "hawk_drag": P(0, 1, "how far hawkishness under race pressure slows compliance",
                   "share per unit hawkishness"),
    "controls_tighten_rate": P(0, 1, "monthly move of controls up toward pressure", SHARE_MONTH),
    "controls_relax_rate": P(0, 1, "monthly move of controls down toward pressure", SHARE_MONTH),
    "lab_imitation_rate": P(0, 1, "monthly rate at which labs revise safety (Fermi)",
                            "probability per month"),
    "lab_regulation_pull": P(0, 1, "monthly pull of lab safety up to home rules/pledges",
                             SHARE_MONTH),
    "attend_sensitivity": P(0, MAX_WEIGHT, "steepness of the attendance logit",
                            "per unit legitimacy + trust"),
    "sign_noise": P(1e-6, 1, "scale of the signing logit (depth units)", "depth (0-1)"),
    "alignment_rate": P(0, 1, "monthly share of the way to the preferred alignment",
                        SHARE_MONTH),
    "alignment_beta": P(0, 50, "intensity of alignment choice (inverse noise)",
                        "per unit propensity"),
    "alignment_noise": P(0, 1, "s.d. of monthly alignment shocks", "alignment (-1 to 1)"),
    "propensity_trust_neutral": P(0, 1, "mutual trust neither attracting nor repelling",
                                  "trust (0-1)"),
    "propensity_regime": P(0, 10, "propensity per unit depth of a shared regime",
                           "propensity per unit depth"),
    "propensity_dependence": P(0, 10, "propensity per unit compute dependence",
                               "propensity per unit dependence"),
    "propensity_rivalry": P(0, 10, "weight of rivalry in who stands with whom (alignment "
                            "propensity lost per unit rivalry)", "propensity per unit rivalry"),
    "controls_rivalry": P(0, 10, "rivalry felt per unit export controls endured",
                          "rivalry per unit controls"),
    "controls_follow": P(0, 1, "how far allied suppliers follow their leader's controls",
                         "share"),
    "rivalry_narrowing": P(0, 10, "bilateral zone of agreement lost per unit rivalry",
                           "depth per unit rivalry"),
    "club_trust_weight": P(0, 10, "signing utility per unit trust in a regime's members above "
                           "neutral", "utility per unit trust"),
    "like_minded": P(-1, 1, "alignment toward the host's side a like-minded invitation needs",
                     "alignment (-1 to 1)"),
    "lab_follow": P(0, 10, "signing utility per unit alignment of a lab's home with the host's "
                    "camp", "utility per unit alignment"),
    "counter_forum_trust": P(0, 1, "trust in the other camp's host below which a leader "
                             "convenes its own forum", "trust (0-1)"),
    # constants
    "capability_growth": P(0, 1, "monthly capability growth at full compute access",
                           "share per month"),
    "safety_cost": P(0, 1, "share of growth lost per unit safety investment",
                     "share per unit safety"),
    "openness_hazard": P(0, MAX_WEIGHT, "extra hazard per unit openness",
                         "hazard multiple per unit openness"),
    "race_b": P(0, MAX_PAYOFF, "DSAIR benefit per round b", "payoff per round"),
    "race_c": P(0, MAX_PAYOFF, "DSAIR cost of safety per round c", "payoff per round"),
    "race_B": P(0, MAX_PAYOFF, "DSAIR prize of winning the race B", "payoff"),
    "race_W": P(1e-9, MAX_PAYOFF, "DSAIR rounds to win W", "rounds"),
    "race_s": P(1, MAX_RACE_RATE, "DSAIR speed-up of unsafe play s", "multiple"),
    "race_beta": P(0, MAX_RACE_RATE, "DSAIR intensity of selection beta", "per unit payoff"),
    "compliance_tolerance": P(0, 1, "implemented/commitment ratio read as compliance", "ratio"),
    "verification_cost": P(0, 1, "signing cost per unit verification and distrust",
                           "utility per unit verification x distrust"),
    "hawk_depth_drag": P(0, 1, "how far hawkishness lowers a country's ideal depth",
                         "share per unit hawkishness"),
    "threat_capability": P(0, MAX_WEIGHT, "weight of target capability in control pressure",
                           "pressure per unit capability"),
    "threat_unsafe": P(0, MAX_WEIGHT, "weight of unverified safety in control pressure",
                       "pressure per unit unverified safety"),
    "threat_rivalry": P(0, MAX_WEIGHT, "weight of rivalry in control pressure",
                        "pressure per unit rivalry"),
    "attend_cost": P(-MAX_WEIGHT, MAX_WEIGHT, "attendance threshold on legitimacy + trust",
                     "legitimacy + trust"),
    "regime_lapse": P(1, MAX_STEPS, "months a regime stays in force without renewal", "months"),
    "implementation_months": P(1, MAX_STEPS, "months over which a signed depth phases in as an "
                               "obligation", "months"),
    "shortfall_limit": P(1, MAX_STEPS, "months in a row of shortfall before a member withdraws",
                         "months"),
    "relation_base": P(0, 1, "baseline trust of two states with nothing in common",
                       "trust (0-1)"),
    "relation_alliance": P(0, 1, "baseline trust added by a formal defence alliance",
                           "trust (0-1)"),
    "relation_partnership": P(0, 1, "baseline trust added by a strategic partnership",
                              "trust (0-1)"),
    "relation_voting": P(0, 1, "baseline trust added by identical UN voting", "trust (0-1)"),
    "voting_scale": P(1e-3, 100, "UN ideal-point distance at which voting adds nothing",
                      "ideal-point units"),
}

IDEAL_POINT_RANGE = (-4.0, 4.0)  # the UN voting scale of Bailey, Strezhnev and Voeten

# Actor attributes, each with its hard bounds (written as floats: messages show "[0.0, 1.0]").
COUNTRY_ATTRIBUTES: dict[str, ParamSpec] = {
    "capability": P(0.0, MAX_CAPABILITY, "frontier AI capability index, US = 1 at the start",
                    "index (US = 1)"),
    "chip_supply": P(0.0, 1.0, "share of the advanced-chip supply chain", "share"),
    "hawkishness": P(0.0, 1.0, "weight on relative capability and security", "index (0-1)"),
    "risk_concern": P(0.0, 1.0, "salience of AI risk", "index (0-1)"),
    "commitment": P(0.0, 1.0, "depth of safety commitments declared", "depth (0-1)"),
    "implemented": P(0.0, 1.0, "safety practice in place (what verification sees)",
                     "depth (0-1)"),
    "un_ideal_point": P(*IDEAL_POINT_RANGE, "position on the UN General Assembly voting scale",
                        "ideal-point units"),
}
LAB_ATTRIBUTES: dict[str, ParamSpec] = {
    "capability": P(0.0, 1.0, "share of the home country's frontier capability", "share"),
    "safety_investment": P(0.0, 1.0, "probability of playing safe (sigma)", "probability"),
    "openness": P(0.0, 1.0, "openness of its releases", "index (0-1)"),
    "track2_propensity": P(0.0, 1.0, "propensity to join track-two dialogues", "index (0-1)"),
}
COUNTRY_FIELDS = tuple(COUNTRY_ATTRIBUTES)
LAB_FIELDS = tuple(LAB_ATTRIBUTES)
# Attributes the small states of a scale study draw uniformly from a range [low, high].
SYNTHETIC_RANGES = ("capability", "hawkishness", "risk_concern", "commitment", "un_ideal_point")
OUTCOME_FIELDS = ("depth_threshold", "coverage_threshold", "polarization_high", "camp_threshold")

del P


def bound(x: float) -> str:
    """A bound as written in messages: ``0.0``, ``1``, ``100.0``, ``1e+09``."""
    return f"{x:g}" if abs(x) >= 1e6 else str(x)
