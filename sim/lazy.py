"""Names of a package imported on first use (PEP 562), so that a command needing only part of
the package does not pay for importing the rest (the model, Mesa, pandas, matplotlib)."""

from __future__ import annotations

from importlib import import_module


def lazy_names(package: str, homes: dict[str, str], namespace: dict):
    """The ``__getattr__`` and ``__dir__`` of module ``package`` whose names ``homes`` maps to
    the modules that define them; ``namespace``: the package's ``globals()``, where a name is
    kept once imported."""

    def __getattr__(name: str):
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return __getattr__, __dir__
