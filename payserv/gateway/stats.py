"""What the merchant dashboard shows (DESIGN §4b): stats, the 14-day chart, transaction pages.

Each comes from one aggregate or index-bounded query: nothing scans rows in Python.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg

from payserv.errors import BadRequestError, NotFoundError
from payserv.gateway.payments import Payment
from payserv.gateway.rows import from_row
from payserv.money import currency_exponent
from payserv.queries import query

CHART_DAYS = 14
PAGE_SIZE = 20
MAX_ID_LENGTH = 64
STATUSES = ("pending", "success", "failed")
METHODS = ("upi", "card")
_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def format_amount(minor_units: int, currency: str) -> str:
    """``₹1,234.50`` for 123450 INR; a currency without a symbol keeps its code."""
    places = currency_exponent(currency)
    value = Decimal(minor_units).scaleb(-places)
    number = f"{value:,.{places}f}"
    symbol = _SYMBOLS.get(currency.strip().upper())
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def units(minor_units: int, currency: str) -> str:
    """The amount in the currency's units as a form takes it (``100.50``)."""
    places = currency_exponent(currency)
    return f"{Decimal(minor_units).scaleb(-places):.{places}f}"


@dataclass(frozen=True)
class PaymentStats:
    """The stats-container of the dashboard."""

    total: int
    amounts: list[str]  # the sum of successful payments, one per currency
    success_rate: str

    @property
    def total_amount(self) -> str:
        return " + ".join(self.amounts) or format_amount(0, "INR")


async def payment_stats(conn: asyncpg.Connection, merchant_id: uuid.UUID) -> PaymentStats:
    """All payments, the successful sum and successful ÷ final payments, from one query."""
    rows = await conn.fetch(query("dashboard_payment_stats"), merchant_id)
    succeeded = sum(row["succeeded"] for row in rows)
    final = sum(row["final"] for row in rows)
    rate = 100 * succeeded / final if final else 0.0
    return PaymentStats(
        total=sum(row["total"] for row in rows),
        amounts=[
            format_amount(row["success_amount"], row["currency"])
            for row in rows
            if row["success_amount"]
        ],
        success_rate=f"{rate:.1f}%",
    )


@dataclass(frozen=True)
class Bar:
    """One stacked segment of the chart, in SVG user units."""

    x: float
    y: float
    width: float
    height: float
    status: str
    count: int
    day: date


@dataclass(frozen=True)
class Chart:
    """The payments-chart: stacked bars per day and status, drawn by the template as SVG."""

    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]
    peak: int


async def daily_chart(conn: asyncpg.Connection, merchant_id: uuid.UUID) -> Chart:
    """The last 14 days (UTC) of payments per day by status, from one aggregate query."""
    rows = await conn.fetch(query("dashboard_daily_payments"), merchant_id, CHART_DAYS)
    width, height, top, bottom = 700, 220, 10, 24
    slot = width / CHART_DAYS
    peak = max((row["success"] + row["failed"] + row["pending"] for row in rows), default=0)
    scale = (height - top - bottom) / max(peak, 1)
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for index, row in enumerate(rows):
        x, base = index * slot + slot * 0.15, float(height - bottom)
        for status in ("success", "failed", "pending"):
            size = row[status] * scale
            if size:
                base -= size
                bars.append(Bar(x, base, slot * 0.7, size, status, row[status], row["day"]))
        labels.append((index * slot + slot / 2, row["day"].strftime("%d %b")))
    return Chart(width, height, bars, labels, peak)


@dataclass(frozen=True)
class TransactionFilter:
    """The transactions page's query: ``?status=``, ``?method=``, ``?starting_after=``."""

    status: str | None = None
    method: str | None = None
    starting_after: str | None = None


def parse_filter(params: dict[str, str]) -> TransactionFilter:
    """Known values only (a typo is a 400, not an empty page); empty means no filter."""
    status = params.get("status") or None
    method = params.get("method") or None
    if status is not None and status not in STATUSES:
        raise BadRequestError(f"status must be one of {', '.join(STATUSES)}", field="status")
    if method is not None and method not in METHODS:
        raise BadRequestError(f"method must be one of {', '.join(METHODS)}", field="method")
    after = params.get("starting_after") or None
    # Postgres text holds no NUL, and no id is that long: such a value names no payment.
    if after is not None and ("\x00" in after or len(after) > MAX_ID_LENGTH):
        raise NotFoundError("payment not found", field="starting_after")
    return TransactionFilter(status, method, after)


_FIRST_PAGE = (datetime.max.replace(tzinfo=UTC), 2**63 - 1)  # after every row


async def transactions(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, where: TransactionFilter
) -> tuple[list[Payment], bool]:
    """One page (20) of the merchant's payments, newest first, and whether more follow."""
    start = _FIRST_PAGE
    if where.starting_after is not None:
        row = await conn.fetchrow(
            query("dashboard_transactions_cursor"), merchant_id, where.starting_after
        )
        if row is None:
            raise NotFoundError("payment not found", field="starting_after")
        start = (row["created_at"], row["seq"])
    filters = [value for value in (where.status, where.method) if value is not None]
    name = (
        "dashboard_transactions"
        + {
            (False, False): "",
            (True, False): "_by_status",
            (False, True): "_by_method",
            (True, True): "_by_status_method",
        }[(where.status is not None, where.method is not None)]
    )
    rows = await conn.fetch(query(name), merchant_id, *start, PAGE_SIZE + 1, *filters)
    page = [from_row(Payment, row) for row in rows[:PAGE_SIZE]]
    return page, len(rows) > PAGE_SIZE
