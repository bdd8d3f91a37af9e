"""The public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import aleatoric


def test_public_names_are_pinned() -> None:
    assert sorted(aleatoric.__all__) == [
        "BACKENDS",
        "Client",
        "ConfigError",
        "DatasetConfig",
        "GenerateResult",
        "Instrument",
        "LoadError",
        "OutputExistsError",
        "SegmentResult",
        "__version__",
        "generate",
        "get_instrument",
        "load",
        "load_config",
        "scan",
        "simulate",
        "simulate_segment",
    ]
    for name in aleatoric.__all__:
        assert getattr(aleatoric, name) is not None


def test_integration_names_are_pinned() -> None:
    import aleatoric.integrations as integrations

    assert sorted(integrations.__all__) == [
        "BAR_SIZES",
        "ENGINES",
        "EXPORT_MANIFEST",
        "ExportError",
        "ExportResult",
        "Ohlcv",
        "check_export",
        "export",
        "read_ohlcv",
    ]
    assert sorted(integrations.ENGINES) == ["backtrader", "dbn", "hftbacktest", "lean", "nautilus"]


def test_tradfi_names_are_pinned() -> None:
    import aleatoric.tradfi as tradfi

    assert sorted(tradfi.__all__) == sorted(PINNED_TRADFI)
    for name in tradfi.__all__:
        assert getattr(tradfi, name) is not None


PINNED_TRADFI = [
    "CALENDARS",
    "CME_CONTINUOUS_FROM_NS",
    "CME_CRYPTO_CALENDAR",
    "CmeCryptoCalendar",
    "Contract",
    "DailySettlement",
    "LimitCheck",
    "MONTH_CODES",
    "PRICE_LIMITS",
    "PriceLimits",
    "Prints",
    "Product",
    "SESSION_TABLES",
    "SETTLEMENT_SCHEMA",
    "SessionCalendar",
    "SessionCheck",
    "SessionReturns",
    "SessionState",
    "TemplateCalendar",
    "Timeline",
    "TradfiError",
    "brr_end_ns",
    "business_days",
    "calendar_for",
    "check_sessions",
    "cme_daily_settlement",
    "cme_settlement_window",
    "contract",
    "contract_for_symbol",
    "contract_of",
    "contract_state_at",
    "front_month",
    "get_product",
    "last_trade_day",
    "listed_contracts",
    "outside_sessions",
    "price_limit_check",
    "products",
    "reference_rate",
    "round_to_tick",
    "session_returns",
    "settlement_table",
    "sgx_cn_final_settlement",
]


def test_opendata_names_are_pinned() -> None:
    import aleatoric.opendata as opendata

    assert sorted(opendata.__all__) == [
        "BuildResult",
        "DAY_NS",
        "IndexResult",
        "RELEASE_NAME",
        "Universe",
        "VerifyResult",
        "build_release",
        "index_catalog",
        "load_universe",
        "parse_date",
        "release_configs",
        "release_duration",
        "release_seed",
        "scenario_for",
        "universe",
        "verify_release",
    ]


def test_latency_names_are_pinned() -> None:
    import aleatoric.latency as latency

    assert sorted(latency.__all__) == [
        "LatencyFit",
        "LatencyModel",
        "PROFILES",
        "RATE_REF",
        "TAIL_CAP_MS",
        "fit_latency",
        "fit_losses",
        "latency_model",
        "netem_line",
        "profile_names",
        "sample_order_latency",
    ]
