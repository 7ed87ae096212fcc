"""Wish list and keyword read side (stub: filled in by the engagement work)."""

from __future__ import annotations
