"""``/v1/presets``, ``/v1/venues`` and ``/v1/validate``: what can be asked for."""

from __future__ import annotations

from fastapi import APIRouter

from aleatoric.config import ConfigError, load_config, presets
from aleatoric.instruments import instruments, venues
from aleatoric.reactor import segment_count
from aleatoric.service._schemas import (
    ConfigFields,
    FieldError,
    InstrumentOut,
    PresetOut,
    ValidateOut,
    VenueOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/presets", response_model=list[PresetOut])
def list_presets() -> list[PresetOut]:
    """List the regime presets."""
    return [
        PresetOut(name=name, description=p.description, assets=sorted(p.assets))
        for name, p in presets().items()
    ]


@router.get("/venues", response_model=list[VenueOut])
def list_venues() -> list[VenueOut]:
    """List the venues with their instruments' rules."""
    from aleatoric.venues import VENUES

    out = []
    for venue in venues():
        items = [
            InstrumentOut(
                symbol=i.symbol,
                base=i.base,
                quote=i.quote,
                tick_size=str(i.tick_size),
                lot_size=str(i.lot_size),
                contract_value=str(i.contract_value),
                min_notional=str(i.min_notional),
                funding_interval_hours=i.funding_interval_hours,
                funding_cap=str(i.funding_cap),
                mark_method=i.mark_method,
            )
            for i in instruments()
            if i.venue == venue
        ]
        out.append(VenueOut(venue=venue, native_format=venue in VENUES, instruments=items))
    return out


@router.post("/validate", response_model=ValidateOut)
def validate(body: ConfigFields) -> ValidateOut:
    """Check a config: every error with its field, or the filled-in config."""
    try:
        config = load_config(**body.config_fields())
    except ConfigError as exc:
        errors = [FieldError(field=path, message=msg) for path, msg in exc.errors]
        return ValidateOut(valid=False, errors=errors)
    return ValidateOut(valid=True, config=config.canonical(), segments=segment_count(config))
