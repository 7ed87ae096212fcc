"""The visitor's profile: name, language and default shipping address."""

from __future__ import annotations

from typing import Any

from stampede.web.handlers.session import Visit

ADDRESS_FIELDS = ("recipient", "phone", "postcode", "line1", "line2")


async def profile(visit: Visit) -> dict[str, Any]:
    me: dict[str, Any] = await visit.get("/api/identity/me")
    return me


def as_form(me: dict[str, Any]) -> dict[str, str]:
    """The profile as the form's fields."""
    address = me.get("default_address") or {}
    fields = {name: str(address.get(name, "")) for name in ADDRESS_FIELDS}
    return {"name": str(me.get("name", "")), "locale": str(me.get("locale", "ko")), **fields}


def changes(form: dict[str, str]) -> dict[str, Any]:
    """The PATCH body of the form: every address field empty clears the default address."""
    address = {name: form.get(name, "").strip() for name in ADDRESS_FIELDS}
    return {
        "name": form.get("name", ""),
        "locale": form.get("locale", ""),
        "default_address": address if any(address.values()) else None,
    }


async def save(visit: Visit, form: dict[str, str]) -> dict[str, Any]:
    """Save the profile; the site then speaks the chosen language and greets the new name."""
    me: dict[str, Any] = await visit.patch("/api/identity/me", changes(form))
    visit.choose_language(str(me.get("locale", visit.lang)))
    visit.remember_name(str(me.get("name", "")))
    return me
