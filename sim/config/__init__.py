"""Configuration: from ``conf/`` + a scenario + overrides to validated run settings.

Data flows one way through the modules of this package:

- :mod:`~sim.config.schema` declares every parameter and actor attribute once (hard bounds,
  unit, meaning) and the limits of every size;
- :mod:`~sim.config.library` finds the config tree and the scenario files (package data, user
  folders) and reads a file with limits; :mod:`~sim.config.inheritance` follows a scenario's
  parents and names the file that set a key;
- :mod:`~sim.config.overrides` and :mod:`~sim.config.compose` check command-line overrides and
  compose the tree with Hydra, every composition error one line;
- :mod:`~sim.config.models` (pydantic v2 documents, field types in :mod:`~sim.config.fields`,
  their errors as one line by :mod:`~sim.config.messages`) validates the composed config's
  shape, :mod:`~sim.config.params` the scenario parameters, and :mod:`~sim.config.build` what
  ties one part of a scenario to another, building the frozen settings of
  :mod:`~sim.config.settings` that the model reads; :mod:`~sim.config.calendar` converts dates.

A scenario parameter is written ``{value, range, source}`` (range: the plausible interval used by
sensitivity analysis; source: its provenance). A command-line override may replace it by a bare
number; its provenance is then recorded as ``override: command line``. Every name other modules
use is importable from ``sim.config``.
"""

from sim.config.build import (
    TOP_KEYS,
    build_run_config,
    build_scenario,
    check_seed,
    config_hash,
    synthetic_states,
)
from sim.config.calendar import YEARS, month_index, month_label, parse_month
from sim.config.compose import (
    compose_config,
    composition_error,
    hydra_error_line,
    load_config,
    load_scenario,
)
from sim.config.inheritance import locate_error, merge_clash, merge_order, where_set
from sim.config.library import (
    CONF_DIR,
    DATA_DIR,
    LIBRARY,
    MAX_FILE_BYTES,
    MAX_VALUES,
    ROOT,
    SCENARIO_DIR,
    SCENARIOS_ENV,
    ScenarioError,
    available_scenarios,
    check_name,
    display_path,
    expanded_size,
    scenario_dirs,
    scenario_file,
    scenario_of,
)
from sim.config.overrides import check_overrides, dict_form, override_key, override_parser
from sim.config.params import check_growth
from sim.config.schema import (
    COUNTRY_ATTRIBUTES,
    COUNTRY_FIELDS,
    DECISION_RULES,
    EVENT_KINDS,
    GOVERNMENT_CHANGES,
    IDEAL_POINT_RANGE,
    INF,
    INITIAL_ALIGNMENT,
    LAB_ATTRIBUTES,
    LAB_FIELDS,
    MAX_CAPABILITY,
    MAX_HAZARD,
    MAX_JOBS,
    MAX_PAYOFF,
    MAX_RACE_RATE,
    MAX_REPLICATES,
    MAX_RUNS,
    MAX_SEED,
    MAX_STEPS,
    MAX_WEIGHT,
    OUTCOME_FIELDS,
    PARAMETERS,
    SECTIONS,
    SYNTHETIC_RANGES,
    VENUE_TYPES,
    ParamSpec,
    bound,
)
from sim.config.settings import (
    CounterForum,
    Country,
    Event,
    Lab,
    Outcome,
    RunConfig,
    Scenario,
    Venue,
)

__all__ = [
    "CONF_DIR", "COUNTRY_ATTRIBUTES", "COUNTRY_FIELDS", "DATA_DIR", "DECISION_RULES",
    "EVENT_KINDS", "GOVERNMENT_CHANGES", "IDEAL_POINT_RANGE", "INF", "INITIAL_ALIGNMENT",
    "LAB_ATTRIBUTES", "LAB_FIELDS", "LIBRARY", "MAX_CAPABILITY", "MAX_FILE_BYTES", "MAX_HAZARD",
    "MAX_JOBS", "MAX_PAYOFF", "MAX_RACE_RATE", "MAX_REPLICATES", "MAX_RUNS", "MAX_SEED",
    "MAX_STEPS", "MAX_VALUES", "MAX_WEIGHT", "OUTCOME_FIELDS", "PARAMETERS", "ROOT",
    "SCENARIOS_ENV", "SCENARIO_DIR", "SECTIONS", "SYNTHETIC_RANGES", "TOP_KEYS", "VENUE_TYPES",
    "YEARS", "Country", "CounterForum", "Event", "Lab", "Outcome", "ParamSpec", "RunConfig",
    "Scenario", "ScenarioError", "Venue", "available_scenarios", "bound", "build_run_config",
    "build_scenario", "check_growth", "check_name", "check_overrides", "check_seed",
    "compose_config", "composition_error", "config_hash", "dict_form", "display_path",
    "expanded_size", "hydra_error_line", "load_config", "load_scenario", "locate_error",
    "merge_clash", "merge_order", "month_index", "month_label", "override_key",
    "override_parser", "parse_month", "scenario_dirs", "scenario_file", "scenario_of",
    "synthetic_states", "where_set",
]
