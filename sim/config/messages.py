"""pydantic's validation errors as the project's one-line :class:`~sim.errors.ConfigError`.

Of all the errors pydantic reports, the first unknown key is named if there is one (a typo
explains the "missing" errors that follow it), else the first error: its dotted key path, the
value, and what is allowed, in the words of :mod:`sim.config.fields`.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from sim.config.fields import REFUSED, adapter
from sim.errors import ConfigError

GENERIC = {
    "missing": "is required",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "dict_type": "must be a mapping",
}


def config_error(exc: ValidationError, prefix: str = "", model: Any = None,
                 data: Any = None) -> ConfigError:
    """The one error to show for ``exc``, raised while validating ``data`` as a document of type
    ``model`` found at key ``prefix`` ("" for the whole run config, whose unknown keys are shown
    as ``config.KEY``)."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [str(part) for part in err["loc"] if part != "[key]"]
    ctx = err.get("ctx") or {}
    value = ctx.get("value", err.get("input")) if err["type"] == REFUSED else err.get("input")
    if "[key]" in err["loc"]:  # a key refused: show the value it holds, as for any other key
        value = _at(data, loc, value)
    if err["type"] == REFUSED:
        loc += [ctx["sub"]] if ctx.get("sub") else []
        allowed = ctx["allowed"]
    elif err["type"] == "extra_forbidden":
        keys = allowed_keys(model, err["loc"][:-1])
        allowed = "unknown key" + (f"; allowed: {', '.join(keys)}" if keys else "")
        if not prefix and len(loc) == 1:
            prefix = "config"
    elif err["type"] == "missing":
        value, allowed = None, GENERIC["missing"]
    else:
        allowed = GENERIC.get(err["type"], err["msg"])
    return ConfigError(".".join([p for p in (prefix, *loc) if p]), value, allowed)


def check(kind: Any, key: str, value: Any) -> Any:
    """``value`` validated as ``kind`` (a type or a :class:`pydantic.TypeAdapter`); a failure is
    the one-line :class:`ConfigError` for ``key``."""
    ta = kind if isinstance(kind, TypeAdapter) else adapter(kind)
    try:
        return ta.validate_python(value)
    except ValidationError as exc:
        raise config_error(exc, key, kind, value) from None


def validate(model: type[BaseModel], data: Any, prefix: str = "") -> BaseModel:
    """``data`` validated as the document ``model`` found at key ``prefix``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, prefix, model, data) from None


def _at(data: Any, loc: list[str], default: Any) -> Any:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


def allowed_keys(model: Any, loc: tuple) -> tuple[str, ...]:
    """The keys the document at ``loc`` below ``model`` accepts (empty if it is not one)."""
    kind = model
    for part in loc:
        kind = _bare(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel) and part in kind.model_fields:
            kind = kind.model_fields[part].annotation
        elif typing.get_origin(kind) is dict:
            kind = typing.get_args(kind)[1]
        else:
            return ()
    kind = _bare(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return tuple(kind.model_fields)
    return ()


def _bare(kind: Any) -> Any:
    """``kind`` without Annotated metadata and without ``| None``."""
    while True:
        origin = typing.get_origin(kind)
        if origin is typing.Annotated:
            kind = typing.get_args(kind)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(kind) if a is not type(None)]
            if len(options) != 1:
                return kind
            kind = options[0]
        else:
            return kind
