"""The dashboard's lever panel (solara): the choice a browser session makes (parameter values,
who each recurring venue shuts out and always invites) and the widgets that make it; what the
choice means and how it becomes settings is :mod:`sim.app.levers`."""

from __future__ import annotations

import solara

from sim.app import levers as lv
from sim.config import RunConfig

params: solara.Reactive[dict] = solara.reactive({})
excluded: solara.Reactive[dict] = solara.reactive({})
invited: solara.Reactive[dict] = solara.reactive({})


def choice() -> lv.Choice:
    """This session's choice (only what departs from the scenario counts, lv.normalise)."""
    return lv.Choice(dict(params.value), dict(excluded.value), dict(invited.value))


def reset_levers() -> None:
    """Back to the scenario's own values."""
    params.value, excluded.value, invited.value = {}, {}, {}


def _set_venue(name: str, shut, always) -> None:
    excluded.value = {**excluded.value, name: tuple(shut)}
    invited.value = {**invited.value, name: tuple(always)}


@solara.component
def LeverPanel(run: RunConfig):
    solara.Markdown("#### Levers: what governments choose")
    for p in lv.levers(run):
        current = params.value.get(p.name, p.value)

        def set_param(v, name=p.name):
            params.value = {**params.value, name: v}

        if p.is_switch:
            solara.Switch(label=p.label, value=bool(current), on_value=set_param)
        else:
            lo, hi = p.slider_range()
            solara.Text(f"{p.label}: {float(current):.3g} (declared range {lo:g} to {hi:g})",
                        style={"font-size": "0.85em"})
            solara.SliderFloat("", value=float(current), min=lo, max=hi,
                               step=p.slider_step(), on_value=set_param)
    for v in lv.venue_levers(run):
        shut = excluded.value.get(v.name, v.excluded)
        always = invited.value.get(v.name, v.also_invite)

        def set_shut(names, name=v.name, always=always):
            _set_venue(name, names, lv.keep_apart(names, always))

        def set_always(names, name=v.name, shut=shut):
            _set_venue(name, lv.keep_apart(names, shut), names)

        solara.SelectMultiple(f"Shut out of the {v.label} (host {v.host})", values=list(shut),
                              all_values=list(v.candidates), on_value=set_shut)
        solara.SelectMultiple(f"Always invited to the {v.label}", values=list(always),
                              all_values=list(v.candidates), on_value=set_always)
        solara.Text(v.invitation(), style={"font-size": "0.8em", "color": "#555"})
    solara.Button("Reset levers to the scenario's values", text=True, on_click=reset_levers)
