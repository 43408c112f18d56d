"""Field types of the scenario documents, each carrying its one-line message.

pydantic does the checking (strict types, bounds, finiteness, choices, shapes); a wrap
validator only replaces pydantic's wording by the project's ("must be in [0, 1]"), so that
:func:`sim.config.messages.config_error` can name the key, the value and what is allowed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictStr,
    TypeAdapter,
    ValidationError,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from sim.config.schema import bound

REFUSED = "refused"  # the error type every field message and document check is raised as


def refuse(sub: str | None, value: Any, allowed: str) -> PydanticCustomError:
    """A refusal raised from a validator: ``sub`` extends the key (a field of the document
    being checked, None for the document itself), ``value`` is the value shown."""
    return PydanticCustomError(REFUSED, "{allowed}", {"allowed": allowed, "sub": sub,
                                                      "value": value})


def says(text: str | Callable[[str], str]) -> WrapValidator:
    """Run pydantic's own validation; on failure raise one refusal whose message is ``text``
    (or ``text(error_type)``). A refusal from an inner field is passed on unchanged."""
    def rewrite(value: Any, handler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            if first["type"] == REFUSED:
                ctx = first["ctx"]
                raise refuse(None, ctx["value"], ctx["allowed"]) from None
            allowed = text(first["type"]) if callable(text) else text
            raise refuse(None, value, allowed) from None

    return WrapValidator(rewrite)


def Num(lo: float, hi: float):  # noqa: N802 (a type)
    """A finite number (not true/false) in [lo, hi]."""
    span = f"[{bound(lo)}, {bound(hi)}]"

    def text(kind: str) -> str:
        if kind == "finite_number":
            return f"must be a finite number in {span}"
        if kind in ("greater_than_equal", "less_than_equal"):
            return f"must be in {span}"
        return f"must be a number in {span}"

    return Annotated[float, Field(strict=True, ge=lo, le=hi, allow_inf_nan=False), says(text)]


def Int(lo: int, hi: int | None = None, *, above: str | None = None):  # noqa: N802
    """An integer (not true/false, not 1.0) >= lo (and <= hi); ``above``: the message when it
    exceeds hi, the others then naming only the lower end."""
    allowed = f"must be an integer >= {lo}" if hi is None or above else \
        f"must be an integer in [{lo}, {hi}]"

    def text(kind: str) -> str:
        return above if above and kind == "less_than_equal" else allowed

    return Annotated[int, Field(strict=True, ge=lo, le=hi), says(text)]


def Choice(options: tuple[str, ...], allowed: str | None = None):  # noqa: N802
    """One of ``options``."""
    return Annotated[Literal[options], says(allowed or f"must be one of {', '.join(options)}")]


def Text(allowed: str):  # noqa: N802
    """A text holding more than blanks (a name, a source)."""
    return Annotated[StrictStr, Field(pattern=r"\S"), says(allowed)]


def _one_as_list(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


def _listed(words: tuple[str, ...]):
    def names(value: Any) -> Any:
        return (value,) if isinstance(value, str) and value not in words else value

    return names


NAMES = "must be a list of actor names"
Names = Annotated[tuple[StrictStr, ...], BeforeValidator(_one_as_list), says(NAMES)]


def NamesOr(words: tuple[str, ...]):  # noqa: N802
    """One of ``words`` ("all", "none", ...) or actor names (one name alone is a list of one)."""
    return Annotated[Literal[words] | tuple[StrictStr, ...], BeforeValidator(_listed(words)),
                     says(NAMES)]


def Range(lo: float, hi: float, allowed: str = "must be a range [low, high]"):  # noqa: N802
    """Two numbers [low, high] within [lo, hi] (their order is checked by the document)."""
    return Annotated[tuple[Num(lo, hi), Num(lo, hi)], says(allowed)]


Bool = Annotated[StrictBool, says("must be true or false")]
Mapping = Annotated[dict[Any, Any], says("must be a mapping")]


@functools.cache
def adapter(kind: Any) -> TypeAdapter:
    """A (cached) validator for one field type, for values checked one by one."""
    return TypeAdapter(kind)
