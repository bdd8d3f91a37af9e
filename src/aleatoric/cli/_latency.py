"""The ``aleatoric latency`` commands: list profiles, fit a model, map it to ``tc netem``.

Exit codes: 0 done, 2 unusable input (an unknown profile or parameter, a path that is
neither a dataset nor a capture, too few events to fit).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from aleatoric.cli._console import make_console
from aleatoric.cli._errors import exit_on_error
from aleatoric.cli._listing import FormatOption, ListFormat, print_rows
from aleatoric.config import ConfigError
from aleatoric.errors import DatasetError

__all__ = ["latency_app", "register"]

latency_app = typer.Typer(
    help="Latency models: profiles, fit one to a recording, map one to tc netem.",
    no_args_is_help=True,
)
console = make_console()

ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Replace a parameter: NAME=VALUE (repeatable)."),
]


def _model(profile: str, params: list[str] | None) -> Any:
    from aleatoric.latency import latency_model, profile_names

    if profile not in profile_names():
        raise ConfigError([("profile", f"{profile!r}; allowed: {', '.join(profile_names())}")])
    values: dict[str, float] = {}
    for item in params or []:
        name, sep, text = item.partition("=")
        try:
            values[name.strip()] = float(text)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError([("param", f"NAME=VALUE with a number, was {item!r}")])
    try:
        return latency_model(profile, values)
    except ValueError as exc:
        raise ConfigError([("param", str(exc).splitlines()[0])]) from None


@latency_app.command("profiles")
def profiles_cmd(fmt: FormatOption = ListFormat.table) -> None:
    """List the named latency profiles with every parameter."""
    from aleatoric.latency import PROFILES

    rows = [{"profile": name, **model.model_dump()} for name, model in PROFILES.items()]
    shown = ("profile", "d_min_ms", "mu", "sigma", "tau_ms", "tail_p", "tail_alpha", "loss_p")
    print_rows(console, rows, fmt, columns=shown if fmt is ListFormat.table else None)


@latency_app.command("netem")
def netem_cmd(
    profile: Annotated[str, typer.Argument(help="Profile name (aleatoric latency profiles).")],
    params: ParamOption = None,
    dev: Annotated[str, typer.Option(help="Network device of the tc line.")] = "eth0",
) -> None:
    """Print the closest Linux tc netem line (an approximation, see docs/latency.md)."""
    from aleatoric.latency import netem_line

    with exit_on_error():
        model = _model(profile, params)
    typer.echo(netem_line(model, dev))


def _toml_value(value: float) -> str:
    return repr(round(value, 6)) if isinstance(value, float) else str(value)


@latency_app.command("fit")
def fit_cmd(
    capture: Annotated[
        Path, typer.Argument(help="A dataset folder, or a native capture file (.gz).")
    ],
    instrument: Annotated[
        str | None, typer.Option(help="Instrument of a dataset (venue:symbol; default first).")
    ] = None,
    venue: Annotated[
        str | None, typer.Option(help="Venue of a capture (default: its folder's name).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="toml (a config overlay) or json.")
    ] = "toml",
) -> None:
    """Fit a latency model to the receive-minus-exchange times of a dataset or a capture.

    Prints it as a config overlay (TOML) or JSON, with what could not be estimated.
    """
    from aleatoric.latency import fit_latency, fit_losses
    from aleatoric.latency._sources import read_delays

    with exit_on_error():
        if fmt not in ("toml", "json"):
            raise ConfigError([("format", f"{fmt!r}; allowed: toml, json")])
        delays = read_delays(capture, instrument=instrument, venue=venue)
        losses = None
        if delays.lost is not None and delays.lost.any():
            losses = fit_losses(delays.lost)
        try:
            fit = fit_latency(delays.ts_event, delays.delay_ns, losses)
        except ValueError as exc:
            raise DatasetError(f"{capture}: {exc}") from None
    params = fit.model.model_dump()
    if fmt == "json":
        typer.echo(json.dumps({
            "source": delays.source, "events": fit.events, "tail_events": fit.tail_events,
            "span_s": fit.span_ns / 1e9, "ks_body": fit.ks_body,
            "nearest_profile": fit.nearest_profile, "params": params, "notes": fit.notes,
        }, indent=2))  # fmt: skip
        return
    lines = [
        f"# fitted from {delays.source}",
        f"# {fit.events:,} events over {fit.span_ns / 1e9:,.0f} s; {fit.tail_events} beyond the "
        f"body; KS distance of the body {fit.ks_body:.4f}",
        *(f"# not estimated ({fit.nearest_profile}'s value kept): {note}" for note in fit.notes),
        "[[overlays]]",
        'kind = "latency"',
        f'profile = "{fit.nearest_profile}"',
        "params = { " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in params.items()) + " }",
    ]
    typer.echo("\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add the ``latency`` command group to ``app``."""
    app.add_typer(latency_app, name="latency")
