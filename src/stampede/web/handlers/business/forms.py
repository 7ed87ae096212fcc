"""A listing form turned into the catalog's body: times typed in Korea Standard Time become
aware times, a performance's rows × seats × grades become its seat map, serial numbers one
per line become units. Numbers are passed on as typed: the API names a field that is wrong."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from stampede.web.domain.format import KST
from stampede.web.store import ApiProblem

KINDS = ("deal", "performance", "device", "car")
CATEGORIES = {
    "deal": ("food", "fashion", "beauty", "digital", "living", "sports"),
    "performance": ("concert", "musical", "theater", "classic"),
    "device": ("phone", "digital"),
    "car": ("car",),
}
GRADE_TIERS = 3
SESSIONS = 3
ROW_NAMES = string.ascii_uppercase
DEAL_SLOTS = {"10": (10, 12), "12": (12, 14), "14": (14, 16), "18": (18, 20), "20": (20, 22)}
CUSTOM_SLOT = "custom"  # the window typed as opening and closing times


def kst(value: str) -> str:
    """``2026-12-24T19:30`` (as a datetime-local input sends it, in KST) → ISO with +09:00;
    anything unreadable is passed on for the API to refuse."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    return moment.isoformat()


def local_input(iso: str | None) -> str:
    """An API time as a datetime-local input's value in KST."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(KST).strftime("%Y-%m-%dT%H:%M")


def listing_body(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """The create body of a listing of ``kind`` from its form."""
    common = {
        "kind": kind,
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "category": form.get("category") or CATEGORIES[kind][0],
        "publish": form.get("publish") == "on",
    }
    return {**common, **_KIND_FIELDS[kind](form)}


def _deal(form: dict[str, str]) -> dict[str, Any]:
    return {
        "list_price": form.get("list_price", ""),
        "deal_price": form.get("deal_price", ""),
        "stock": form.get("stock", ""),
        "per_user_limit": form.get("per_user_limit", "") or 1,
        "waiting_room": form.get("waiting_room") == "on",
        **(_slot(form) or _window(form)),
    }


def _slot(form: dict[str, str]) -> dict[str, str] | None:
    """A time deal's window from its day and time slot (KST); None when the times are typed
    instead (the ``custom`` slot) or the day is missing."""
    hours = DEAL_SLOTS.get(form.get("slot", ""))
    day = form.get("deal_date", "").strip()
    if hours is None or not day:
        return None
    return {
        "opens_at": kst(f"{day}T{hours[0]:02d}:00"),
        "closes_at": kst(f"{day}T{hours[1]:02d}:00"),
    }


def _window(form: dict[str, str]) -> dict[str, str]:
    return {"opens_at": kst(form.get("opens_at", "")), "closes_at": kst(form.get("closes_at", ""))}


def _performance(form: dict[str, str]) -> dict[str, Any]:
    seat_map = seat_map_of(form)
    starts = [form.get(f"session_{n}", "").strip() for n in range(1, SESSIONS + 1)]
    sessions = [{"starts_at": kst(at), "seat_map": seat_map} for at in starts if at]
    return {
        "genre": form.get("genre", ""),
        "venue": form.get("venue", ""),
        "per_user_limit": form.get("per_user_limit", "") or 4,
        "waiting_room": form.get("waiting_room") == "on",
        "sessions": sessions,
        **_window(form),
    }


def seat_map_of(form: dict[str, str]) -> dict[str, Any]:
    """One section: for each grade tier used, that many rows (A, B, …) of ``seats_per_row``."""
    per_row = _count(form, "seats_per_row")
    prices: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for tier in range(1, GRADE_TIERS + 1):
        grade = form.get(f"grade_{tier}", "").strip()
        count = _count(form, f"rows_{tier}") if grade else 0
        if not grade or not count:
            continue
        prices[grade] = form.get(f"price_{tier}", "")
        for _ in range(count):
            name = ROW_NAMES[len(rows) % len(ROW_NAMES)] * (1 + len(rows) // len(ROW_NAMES))
            seats = [{"number": n, "grade": grade} for n in range(1, per_row + 1)]
            rows.append({"name": name, "seats": seats})
    return {"prices": prices, "sections": [{"name": form.get("section", "") or "1", "rows": rows}]}


def _count(form: dict[str, str], name: str) -> int:
    raw = form.get(name, "").strip() or "0"
    if not raw.isdigit() or int(raw) > 200:
        error = {"loc": ["body", name], "msg": "0–200"}
        raise ApiProblem(422, detail="", errors=[error])
    return int(raw)


def _device(form: dict[str, str]) -> dict[str, Any]:
    serials = [line.strip() for line in form.get("serials", "").splitlines() if line.strip()]
    return {
        "shop_id": form.get("shop_id", ""),
        "price": form.get("price", ""),
        "units": [{"serial": serial} for serial in serials],
    }


def _car(form: dict[str, str]) -> dict[str, Any]:
    return {
        "car_number": form.get("car_number", ""),
        "region": form.get("region", ""),
        "daily_rate": form.get("daily_rate", ""),
    }


_KIND_FIELDS = {"deal": _deal, "performance": _performance, "device": _device, "car": _car}
EDITABLE = {
    "deal": ("title", "description", "list_price", "deal_price", "per_user_limit"),
    "performance": ("title", "description", "genre", "venue", "per_user_limit"),
    "device": ("title", "description", "price"),
    "car": ("title", "description", "region", "daily_rate"),
}


def patch_body(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """The basics of a listing that may change at any time, as typed."""
    return {name: form.get(name, "") for name in EDITABLE.get(kind, ()) if name in form}


def edit_values(listing: dict[str, Any]) -> dict[str, Any]:
    """The edit form's current values of a listing."""
    values: dict[str, Any] = {"title": listing["title"], "description": listing["description"]}
    for part in ("deal", "performance", "car"):
        values.update({k: v for k, v in (listing.get(part) or {}).items() if k != "sessions"})
    if listing.get("device"):
        values["price"] = listing["device"]["price"]
    return values
