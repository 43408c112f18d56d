"""The user's scenario folders (``AIGOV_SCENARIOS``) in Hydra's config search path.

``AIGOV_SCENARIOS`` lists folders (separated by ``os.pathsep``) that hold scenario files,
``NAME.yaml``, as ``scenarios/`` does. :class:`ScenarioFolders` appends one search-path entry
per folder, after the package's own config, so ``scenario=NAME`` composes a user's scenario under
``aigov``, ``sim.run`` and every study; a user scenario may inherit from the library's
(``defaults: [baseline, _self_]``). A name the library already has is the library's scenario
(Hydra takes the first entry of the search path that has it).

:class:`ScenarioFolderSource` is the config source of those entries (scheme
``aigov-scenarios://FOLDER``): it shows the folder as the ``scenario`` config group and nothing
else. Both live in the ``hydra_plugins`` package because Hydra discovers plugins only there.
"""

from __future__ import annotations

import os

from hydra._internal.core_plugins.file_config_source import FileConfigSource
from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.object_type import ObjectType
from hydra.plugins.config_source import ConfigLoadError, ConfigResult
from hydra.plugins.search_path_plugin import SearchPathPlugin

ENV = "AIGOV_SCENARIOS"
SCHEME = "aigov-scenarios"
GROUP = "scenario"


def scenario_folders() -> list[str]:
    """The folders ``AIGOV_SCENARIOS`` names, absolute, in order, each once."""
    out: list[str] = []
    for part in os.environ.get(ENV, "").split(os.pathsep):
        if part.strip():
            path = os.path.abspath(os.path.expanduser(part.strip()))
            if path not in out:
                out.append(path)
    return out


class ScenarioFolders(SearchPathPlugin):
    """Appends ``aigov-scenarios://FOLDER`` for every folder of ``AIGOV_SCENARIOS``."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        for folder in scenario_folders():
            search_path.append(provider="AIGOV_SCENARIOS", path=f"{SCHEME}://{folder}")


class ScenarioFolderSource(FileConfigSource):
    """A folder of scenario files seen as the ``scenario`` group of a config tree."""

    @staticmethod
    def scheme() -> str:
        return SCHEME

    @staticmethod
    def _inside(config_path: str) -> str | None:
        """``scenario/NAME.yaml`` -> ``NAME.yaml``; ``scenario`` -> ``""``; else None."""
        head, _, rest = config_path.strip("/").partition("/")
        return rest if head == GROUP else None

    def load_config(self, config_path: str) -> ConfigResult:
        inside = self._inside(config_path)
        if not inside:
            raise ConfigLoadError(f"Config not found : {config_path}")
        return super().load_config(inside)

    def available(self) -> bool:
        return os.path.isdir(self.path)

    def is_group(self, config_path: str) -> bool:
        if not config_path.strip("/"):
            return self.available()
        inside = self._inside(config_path)
        return inside is not None and super().is_group(inside)

    def is_config(self, config_path: str) -> bool:
        inside = self._inside(config_path)
        return bool(inside) and super().is_config(inside)

    def list(self, config_path: str, results_filter: ObjectType | None) -> list[str]:
        files: list[str] = []
        if not config_path.strip("/"):
            self._list_add_result(files, GROUP, GROUP, results_filter)
            return files
        inside = self._inside(config_path)
        if inside is None or not super().is_group(inside):
            return files
        for name in os.listdir(os.path.join(self.path, inside)):
            self._list_add_result(files, f"{config_path.strip('/')}/{name}", name,
                                  results_filter)
        return sorted(set(files))
