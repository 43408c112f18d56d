"""The words a story uses: for the causes of trust's changes, the outcomes, the relations.

Shared by the run's story (:mod:`sim.report.story`) and the comparison's
(:mod:`sim.report.comparison_story`); plain data, no logic.
"""

CAUSE_WORDS = {
    "cosigning": "signing texts together",
    "dialogue": "talks without a text",
    "exclusion": "being left out of the other side's meetings",
    "verification": "checking each other's compliance",
    "rivalry": "rivalry outside AI (tariffs, sanctions, export controls)",
    "relaxation": "drifting back towards the remembered baseline",
    "bounds": "keeping trust within 0 and 1",
    "drift": "the remembered baseline drifting (memory, not trust itself)",
}
TRUST_CAUSES = ("cosigning", "dialogue", "exclusion", "verification", "rivalry", "relaxation",
                "bounds")
OUTCOME_WORDS = {
    "cooperation": "the two leading powers share a deep regime that covers much of the world's "
                   "AI capability, and the world is not split into camps",
    "bifurcation": "the world has split into two camps, each leading power with a regime of "
                   "its own that leaves the other out",
    "fragmentation": "neither shared rules between the leading powers nor two clean camps with "
                     "regimes of their own: a patchwork",
}
OUTCOME_ORDER = ("cooperation", "bifurcation", "fragmentation")
RELATION_WORDS = {">=": "at least", "<": "below"}
