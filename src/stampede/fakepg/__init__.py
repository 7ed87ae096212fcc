"""A fake KakaoPay-style payment provider for tests, demos and benchmarks (not a context).

It speaks the single-payment API (ready, approve, cancel, order) with ``Authorization:
SECRET_KEY <key>``, serves the buyer's approval page with a QR code, keeps every transaction in
memory, and misbehaves on request (latency, declines, timeouts, lost replies, duplicate
callbacks) through its knobs. ``stampede fakepg`` serves it; ``PAYMENT_PROVIDER_URL=fakepg://``
runs it inside the Stampede process.
"""
