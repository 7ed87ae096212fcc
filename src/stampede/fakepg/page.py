"""The buyer's page of a transaction: what is paid, a QR code of the page itself, and two plain
forms (Approve, Cancel) posting to paths relative to the page, so the provider may be mounted
under a prefix. No script runs on it; everything shown is escaped."""

from __future__ import annotations

from html import escape

import segno

from stampede.fakepg.ledger import Transaction

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
_STYLE = (
    "body{font-family:sans-serif;max-width:28rem;margin:2rem auto;text-align:center}"
    "button{font-size:1.1rem;padding:.6rem 1.4rem;margin:.4rem}"
    ".approve{background:#fee500;border:0}"
)


def qr_svg(url: str) -> str:
    """An inline SVG QR code of ``url``."""
    return str(segno.make(url, error="m").svg_inline(scale=4, border=2))


def won(amount: int) -> str:
    return f"{amount:,}원"


def page(txn: Transaction, url: str) -> str:
    """The page at ``url``: forms while the transaction is READY, its status otherwise."""
    order = txn.order
    if txn.status == "READY":
        actions = (
            f'<form method="post" action="{escape(txn.tid)}/approve">'
            '<button class="approve" type="submit">결제하기 (Approve)</button></form>'
            f'<form method="post" action="{escape(txn.tid)}/cancel">'
            '<button type="submit">취소 (Cancel)</button></form>'
        )
    else:
        actions = f"<p>상태 (status): <strong>{escape(txn.status)}</strong></p>"
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>fakepg {escape(txn.tid)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(order.item_name)}</h1>"
        f"<p>수량 {order.quantity} · <strong>{won(order.total_amount)}</strong></p>"
        f"<div>{qr_svg(url)}</div>{actions}"
        "</body></html>"
    )


def not_found(tid: str) -> str:
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>fakepg</title></head>'
        f"<body><p>No such payment: {escape(tid)}</p></body></html>"
    )
