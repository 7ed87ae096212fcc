"""Likes, wish list and keyword routes (stub: filled in by the engagement work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["catalog"])
