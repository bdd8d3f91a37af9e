"""Exchange-traded futures: CME crypto monthlies, SGX crypto perpetuals, SGX FTSE China A50.

Contract terms, listing cycles and expiries as data (``instruments/data/futures.toml``),
session calendars per venue (``calendar_for``) and the settlement procedures as pure
functions. Calendars need the ``tradfi`` extra (``pip install 'aleatoric[tradfi]'``: the
exchange_calendars and pandas_market_calendars packages). See docs/tradfi.md::

    from aleatoric.tradfi import calendar_for, front_month, listed_contracts

    front = front_month("cme:MBT", ts_ns)        # Contract(cme:MBT, MBTF6)
    front.last_trade                              # 2026-01-30 16:00 UTC
    calendar_for("cme_crypto").state_at(ts_array) # SessionState values, int8
"""

from aleatoric.tradfi._business_days import CME_CRYPTO_CALENDAR, business_days
from aleatoric.tradfi._contracts import (
    MONTH_CODES,
    Contract,
    contract,
    contract_for_symbol,
    contract_of,
    front_month,
    last_trade_day,
    listed_contracts,
)
from aleatoric.tradfi._errors import TradfiError
from aleatoric.tradfi._limits import PRICE_LIMITS, LimitCheck, PriceLimits, price_limit_check
from aleatoric.tradfi._products import Product, get_product, products
from aleatoric.tradfi._returns import SessionReturns, session_returns
from aleatoric.tradfi._session_check import (
    SESSION_TABLES,
    SessionCheck,
    check_sessions,
    outside_sessions,
)
from aleatoric.tradfi._sessions import (
    CALENDARS,
    CME_CONTINUOUS_FROM_NS,
    CmeCryptoCalendar,
    SessionCalendar,
    TemplateCalendar,
    calendar_for,
    contract_state_at,
)
from aleatoric.tradfi._settlement import (
    DailySettlement,
    brr_end_ns,
    cme_daily_settlement,
    cme_settlement_window,
    reference_rate,
    round_to_tick,
    sgx_cn_final_settlement,
)
from aleatoric.tradfi._settlement_table import SETTLEMENT_SCHEMA, Prints, settlement_table
from aleatoric.tradfi._timeline import SessionState, Timeline

__all__ = [
    "CALENDARS",
    "CME_CONTINUOUS_FROM_NS",
    "CME_CRYPTO_CALENDAR",
    "MONTH_CODES",
    "PRICE_LIMITS",
    "SESSION_TABLES",
    "SETTLEMENT_SCHEMA",
    "CmeCryptoCalendar",
    "Contract",
    "DailySettlement",
    "LimitCheck",
    "PriceLimits",
    "Prints",
    "Product",
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
