"""Command-line overrides: each parsed by Hydra's grammar on its own, each key given once.

An override Hydra cannot read is one line naming it; a key holding an actor's name with spaces
or brackets (which the grammar refuses in a key) is answered with the form that works, the name
moved into a mapping value (:func:`dict_form`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sim.errors import ConfigError


@functools.cache
def override_parser():
    """Hydra's own override parser (built once)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


def override_key(text: str) -> str:
    """The key an override sets: ``+a.b=1`` -> ``a.b``."""
    return text.split("=", 1)[0].lstrip("+~")


def check_overrides(overrides: Sequence[str]) -> None:
    """Each override must parse by itself (Hydra's grammar) and each key appear once; else a
    :class:`ConfigError` naming that override. A key with a space (an actor's name) is refused
    with the form that works: ``scenario.countries={United States: {hawkishness: 0.4}}``."""
    seen: dict[str, str] = {}
    for text in overrides:
        try:
            parsed = override_parser().parse_override(text)
        except Exception as exc:
            raise unparsable(text, exc) from None
        key = parsed.get_key_element()
        if key in seen:
            raise ConfigError(override_key(text), text.split("=", 1)[-1],
                              f"is given twice ({seen[key]} and {text}); give each key once")
        seen[key] = text


SECTIONS_BY_NAME = ("countries", "labs", "venues", "events")  # scenario.SECTION.NAME.field
NAME_CHARS = " ()'\"[]{}:=,"  # characters Hydra's grammar refuses in a key


def unparsable(text: str, exc: BaseException) -> ConfigError:
    """The one-line error of an override Hydra's grammar refuses; for a key holding an actor's
    name with spaces or brackets, the form that works (:func:`dict_form`)."""
    if "=" not in text:
        return ConfigError("override", text, "must be KEY=VALUE")
    key, value = text.split("=", 1)
    form = dict_form(key, value)
    if form is not None:
        return ConfigError(key, value, f"a key cannot hold spaces or brackets; for a name with "
                           f"spaces write '{form}'")
    detail = " ".join(str(exc).split("See https")[0].split())
    detail = detail.replace(f"Error parsing override '{text}'", "").strip()
    return ConfigError(key, value, f"not valid override syntax ({detail}); see "
                       "https://hydra.cc/docs/advanced/override_grammar/basic/")


def dict_form(key: str, value: str) -> str | None:
    """``scenario.countries.United States.hawkishness`` = ``0.4`` ->
    ``scenario.countries={United States: {hawkishness: 0.4}}``: a name Hydra cannot read in a
    key goes into a mapping value, where spaces are allowed and brackets are escaped. None if
    the key holds no such name."""
    prefix = key[:len(key) - len(key.lstrip("+~"))]
    parts = key.lstrip("+~").split(".")
    odd = next((i for i, p in enumerate(parts) if any(ch in p for ch in NAME_CHARS)), None)
    if not odd:
        return None
    first = odd
    if len(parts) > 3 and parts[0] == "scenario" and parts[1] in SECTIONS_BY_NAME:
        first = 2  # the name may itself hold dots ('01.AI (Yi)'): it runs up to the odd part
    name = ".".join(parts[first:odd + 1]).strip("'\"")
    nested = value
    for part in reversed([name, *parts[odd + 1:]]):
        escaped = "".join(f"\\{ch}" if ch in "()[]{}:=," else ch for ch in part)
        nested = f"{{{escaped}: {nested}}}"
    return f"{prefix}{'.'.join(parts[:first])}={nested}"
