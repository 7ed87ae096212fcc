"""Helpers of ``bench/flash_sale.py``: baseline apps, buyers, an HTTP client, wrk, the report."""
