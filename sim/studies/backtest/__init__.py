"""Back-test: replay a file of real governance outcomes and score who the model says endorses.

The events file (``data/governance_events_2023_2024.yaml``; schema in its header) lists real
outcomes: for each, the venue type, date, host, who was at the table and who endorsed. The
back-test turns every outcome into one venue session of the ``history`` scenario (the baseline's
roster and dynamics, its own calendar replaced), feeds the file's export controls and context
changes as shocks, runs the model over several seeds and compares the simulated signatories with
``endorsed`` (docs/VALIDATION.md, section 2). Who endorses is never an input: ``endorsed`` and
``not_endorsed`` enter only the score, except as evidence of presence when ``present`` is free
text (endorsers and non-endorsers were at the table by the schema's definition).

Rules, one per schema field, with no case for any particular event:

- ``venue_type`` -> the model's venue type and decision rule (:data:`VENUE_RULES`, after the venue
  table of docs/ODD.md, 6.8); an outcome whose scored actors are all labs is a lab pledge.
- ``instrument`` null -> ambition 0: a dialogue, nothing to sign. Otherwise the ambition of the
  venue type's template, the venue ``history_<venue_type>`` of the scenario (``history_lab_pledge``
  for lab pledges; a scenario without templates, the baseline, gets the median ambition and
  verification of its own venues with the same decision rule), and the verification of the
  text's ``asks`` level (below).
- ``asks`` (optional, this project's extension of the schema: what the text requires of its
  signatories, ``none | reporting | testing``, known before the meeting) -> the verification of
  the level, the venue ``history_asks_<level>`` of the scenario (:data:`ASKS_BOUNDS`; a scenario
  without it gets the level's prior, :data:`ASKS_PRIOR`). Absent (the shared schema has no such
  field): the level is read from the ``instrument``'s title (:func:`infer_asks`: words of testing,
  then of reporting; a title naming neither asks ``none``, a treaty ``reporting``).
- ``present`` -> the invitees ("all UN members": every country of the roster); ``host`` -> the
  first name in it that is a roster actor, else no host.
- regime series (not in the schema): a bilateral channel is one series, every other outcome its
  own (:func:`series_of`). The file is the calendar: no endogenous convening (:func:`history_run`).
- ``export_controls`` / ``context`` -> shocks with signed deltas whose size is the median size
  of the scenario's own shocks of that group (:func:`shock_magnitudes`).

Names outside the roster are ignored; labs match with or without the parenthesised model name
("Alibaba" is "Alibaba (Qwen)").

Modules, data flowing one way: :mod:`.events` (reading and checking the events file),
:mod:`.plan` (names on the roster, outcomes to sessions, the history scenario), :mod:`.score`
(simulate, F1 and the key actors), :mod:`.report` (table and figure), :mod:`.calibration` (the
fit), :mod:`.scenario_file` (the calibrated block of the history scenario file), :mod:`.cli`
(``aigov-backtest``; ``python -m sim.studies.backtest``).
"""

from sim.studies.backtest.calibration import (
    AMBITION_BOUNDS,
    EDGE_REASONS,
    EDGE_SHARE,
    FREE_PARAMS,
    FREE_TEMPLATES,
    KEY_PENALTY,
    PRIOR_WEIGHT,
    VERIFICATION_BOUNDS,
    Calibration,
    FreeParameter,
    Loss,
    apply_values,
    calibrate,
    current_values,
    free_parameters,
    leave_one_out,
    prior_penalty,
)
from sim.studies.backtest.cli import (
    DEFAULT_OUT,
    MAX_SEEDS,
    main,
    parse_args,
)
from sim.studies.backtest.events import (
    ALL_UN,
    ASKS_LEVELS,
    CONTEXT_DIRECTIONS,
    CONTEXT_FIELDS,
    CONTEXT_VARIABLES,
    CONTROL_DIRECTIONS,
    CONTROL_FIELDS,
    DEFAULT_EVENTS,
    LAB_PLEDGE,
    OUTCOME_FIELDS,
    SHOCK_GROUPS,
    VENUE_RULES,
    EventsFile,
    RealOutcome,
    RealShock,
    read_events,
    this_month,
)
from sim.studies.backtest.plan import (
    ASKS_BOUNDS,
    ASKS_DEFAULT,
    ASKS_FIXED,
    ASKS_PREFIX,
    ASKS_PRIOR,
    ASKS_WORDS,
    RUN_UNTIL,
    TEMPLATE_PREFIX,
    Roster,
    SessionPlan,
    at_table,
    file_events,
    history_run,
    history_venues,
    host_actor,
    infer_asks,
    load_history,
    merge_events,
    on_roster,
    plan_session,
    roster_name,
    run_length,
    scored_kind,
    series_of,
    shock_magnitudes,
    template_rule,
    templates,
    truth,
)
from sim.studies.backtest.report import (
    SHORT,
    figure,
    table,
)
from sim.studies.backtest.scenario_file import (
    BLOCK_BEGIN,
    BLOCK_END,
    HISTORY_YAML,
    render_block,
    write_block,
)
from sim.studies.backtest.score import (
    KEY_ACTORS,
    Score,
    Target,
    backtest,
    f1,
    key_actor_hits,
    objective,
    score_seed,
    score_seeds,
    simulate,
    summarise,
    targets,
)

__all__ = [
    "ALL_UN",
    "AMBITION_BOUNDS",
    "ASKS_BOUNDS",
    "ASKS_DEFAULT",
    "ASKS_FIXED",
    "ASKS_LEVELS",
    "ASKS_PREFIX",
    "ASKS_PRIOR",
    "ASKS_WORDS",
    "BLOCK_BEGIN",
    "BLOCK_END",
    "CONTEXT_DIRECTIONS",
    "CONTEXT_FIELDS",
    "CONTEXT_VARIABLES",
    "CONTROL_DIRECTIONS",
    "CONTROL_FIELDS",
    "Calibration",
    "DEFAULT_EVENTS",
    "DEFAULT_OUT",
    "EDGE_REASONS",
    "EDGE_SHARE",
    "EventsFile",
    "FREE_PARAMS",
    "FREE_TEMPLATES",
    "FreeParameter",
    "HISTORY_YAML",
    "KEY_ACTORS",
    "KEY_PENALTY",
    "LAB_PLEDGE",
    "Loss",
    "MAX_SEEDS",
    "OUTCOME_FIELDS",
    "PRIOR_WEIGHT",
    "RUN_UNTIL",
    "RealOutcome",
    "RealShock",
    "Roster",
    "SHOCK_GROUPS",
    "SHORT",
    "Score",
    "SessionPlan",
    "TEMPLATE_PREFIX",
    "Target",
    "VENUE_RULES",
    "VERIFICATION_BOUNDS",
    "apply_values",
    "at_table",
    "backtest",
    "calibrate",
    "current_values",
    "f1",
    "figure",
    "file_events",
    "free_parameters",
    "history_run",
    "history_venues",
    "host_actor",
    "infer_asks",
    "key_actor_hits",
    "leave_one_out",
    "load_history",
    "main",
    "merge_events",
    "objective",
    "on_roster",
    "parse_args",
    "plan_session",
    "prior_penalty",
    "read_events",
    "render_block",
    "roster_name",
    "run_length",
    "score_seed",
    "score_seeds",
    "scored_kind",
    "series_of",
    "shock_magnitudes",
    "simulate",
    "summarise",
    "table",
    "targets",
    "template_rule",
    "templates",
    "this_month",
    "truth",
    "write_block",
]
