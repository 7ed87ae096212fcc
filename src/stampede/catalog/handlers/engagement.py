"""Likes and keyword subscriptions (stub: filled in by the engagement work)."""

from __future__ import annotations
