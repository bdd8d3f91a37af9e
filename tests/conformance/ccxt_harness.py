"""Drive a real ccxt.pro exchange offline: a fake socket, frames fed to ``handle_message``.

Everything above the socket (subscription, sequence checks, book maintenance) is ccxt's own
code. This mirrors ccxt's own static WebSocket test helpers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from typing import Any


class FakeConnection:
    """A socket stand-in that records what the exchange sends."""

    closed = False

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send_str(self, message: str) -> None:
        self.sent.append(json.loads(message))

    async def close(self, code: int = 1000) -> None:
        return None


def install_fake_transport(exchange: Any) -> None:
    """Make every WebSocket client of ``exchange`` 'connected' to a fake socket."""
    original = exchange.client

    def client(url: str) -> Any:
        c = original(url)
        if not getattr(c, "_aleatoric_fake", False):
            c.connecting = True
            c.connection = FakeConnection()
            c.isConnected = True
            c._aleatoric_fake = True
            if not c.connected.done():
                c.connected.resolve(url)
        return c

    exchange.client = client


def swap_market(
    market_id: str, symbol: str, base: str, quote: str, *, price: float, amount: float,
    contract_size: float = 1.0, **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    """Return a minimal ccxt market dict for a linear perpetual."""
    return {
        "id": market_id, "symbol": symbol, "base": base, "quote": quote, "settle": quote,
        "baseId": base, "quoteId": quote, "settleId": quote, "type": "swap", "spot": False,
        "margin": False, "swap": True, "future": False, "option": False, "active": True,
        "contract": True, "linear": True, "inverse": False, "contractSize": contract_size,
        "precision": {"amount": amount, "price": price}, "limits": {}, "info": {}, **extra,
    }  # fmt: skip


async def feed_order_book(
    exchange: Any,
    symbol: str,
    frames: Iterable[Any],
    *,
    ack: Callable[[Any], Any] | None = None,
) -> tuple[Any, BaseException | None]:
    """Watch ``symbol``'s book, feed ``frames``; return (final book or None, watch error)."""
    task = asyncio.ensure_future(exchange.watch_order_book(symbol))
    for _ in range(10):
        await asyncio.sleep(0)
    client = next(iter(exchange.clients.values()))
    if ack is not None:
        exchange.handle_message(client, ack(client.connection.sent[0]))
    for frame in frames:
        exchange.handle_message(client, frame)
        await asyncio.sleep(0)
    for _ in range(10):
        await asyncio.sleep(0)
    error: BaseException | None = None
    try:
        await asyncio.wait_for(task, timeout=5)
    except Exception as exc:
        error = exc
    book = exchange.orderbooks.get(symbol)
    await exchange.close()
    return book, error


def binance_book(
    snapshot: dict[str, Any], depth: Iterable[Any]
) -> tuple[Any, BaseException | None]:
    """Run ccxt.pro's binanceusdm BTCUSDT book over a REST ``snapshot`` and ``depth`` frames.

    The exchange fetches its snapshot from ``/fapi/v1/depth`` as it does live; here that
    request returns ``snapshot``. Returns the final book (or None) and the watch error.
    """
    import ccxt.pro as ccxtpro

    ex = ccxtpro.binanceusdm()
    ex.set_markets([swap_market("BTCUSDT", "BTC/USDT:USDT", "BTC", "USDT", price=0.1,
                                amount=0.001, lowercaseId="btcusdt")])  # fmt: skip
    install_fake_transport(ex)

    async def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        assert "/fapi/v1/depth" in url
        return snapshot

    ex.fetch = fetch
    return asyncio.run(
        feed_order_book(
            ex, "BTC/USDT:USDT", depth, ack=lambda sent: {"result": None, "id": sent["id"]}
        )
    )


def swap_book(venue: str, frames: Iterable[Any]) -> tuple[Any, BaseException | None]:
    """Run ccxt.pro's Bybit or OKX BTC/USDT:USDT swap book over decoded ``frames``.

    These two venues resync by sending a new snapshot on the same stream, so the frames
    alone rebuild the book. Returns the final book (or None) and the watch error.
    """
    import ccxt.pro as ccxtpro

    if venue == "bybit":
        ex = ccxtpro.bybit()
        ex.set_markets([swap_market("BTCUSDT", "BTC/USDT:USDT", "BTC", "USDT", price=0.1,
                                    amount=0.001)])  # fmt: skip
    else:
        ex = ccxtpro.okx()
        ex.set_markets([swap_market("BTC-USDT-SWAP", "BTC/USDT:USDT", "BTC", "USDT", price=0.1,
                                    amount=0.01, contract_size=0.01)])  # fmt: skip
    install_fake_transport(ex)
    return asyncio.run(feed_order_book(ex, "BTC/USDT:USDT", frames))
