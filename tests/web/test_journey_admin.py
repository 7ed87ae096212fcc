"""The admin's day: the status page lists every context as up, applications are approved and
rejected with a reason, a reported post is hidden and restored, a car goes to maintenance
and back; a customer opening an admin page gets the 403 page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.web.site import DEMO, Site, log_in, shot
from tests.web.test_journey_business import registration_number, word

CONTEXTS = {"identity", "catalog", "sales", "ordering", "payment", "fulfilment", "community"}


def api_login(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    answer = client.post("/api/identity/login", json={"email": email, "password": password})
    answer.raise_for_status()
    return {"authorization": f"Bearer {answer.json()['access_token']}"}


def applications(site: Site, count: int) -> list[str]:
    """``count`` new members each applying for a company; the companies' names."""
    names = []
    with httpx.Client(base_url=site.url, timeout=15) as client:
        for _ in range(count):
            email = f"applicant-{uuid.uuid4().hex[:10]}@example.com"
            body = {"email": email, "password": "applicant-pass-1", "name": "Applicant"}
            client.post("/api/identity/signup", json=body).raise_for_status()
            headers = api_login(client, email, "applicant-pass-1")
            name = f"Company {uuid.uuid4().hex[:8]}"
            company = {
                "name": name,
                "registration_number": registration_number(),
                "contact_email": email,
                "contact_phone": "02-555-0123",
            }
            client.post("/api/identity/companies", json=company, headers=headers).raise_for_status()
            names.append(name)
    return names


def reported_post(site: Site) -> str:
    """A post by one member, reported by another; its id."""
    with httpx.Client(base_url=site.url, timeout=15) as client:
        author = api_login(client, *DEMO["minji"])
        board = client.get("/api/community/boards").json()[0]["slug"]
        post = {"title": f"Spam {uuid.uuid4().hex[:6]}", "body": "Buy now at my site!"}
        answer = client.post(f"/api/community/boards/{board}/posts", json=post, headers=author)
        answer.raise_for_status()
        post_id = str(answer.json()["id"])
        reporter = api_login(client, "jihoon@stampede.local", "demo-pass-jihoon")
        report = {"kind": "spam", "reason": "advertising"}
        client.post(f"/api/community/posts/{post_id}/report", json=report, headers=reporter)
    return post_id


def check_status_page(page: Any, lang: str) -> None:
    page.goto("/admin")
    contexts = page.locator("[data-test=context]")
    names = {contexts.nth(i).get_attribute("data-name") for i in range(contexts.count())}
    assert names >= CONTEXTS
    states = {contexts.nth(i).get_attribute("data-status") for i in range(contexts.count())}
    assert states == {"up"}
    assert word("admin.status.up", lang) in contexts.first.inner_text()


def decide_applications(page: Any, lang: str, approved: str, rejected: str) -> None:
    page.goto("/admin/companies")
    page.click(f"[data-test=company][data-name='{approved}'] [data-test=approve]")
    page.wait_for_url(re.compile(r"/admin/companies\?flash="))
    row = page.locator(f"[data-test=company][data-name='{rejected}']")
    row.locator("input[name=reason]").fill("The registration is not readable")
    row.locator("[data-test=reject]").click()
    page.wait_for_url(re.compile(r"/admin/companies\?flash="))
    assert word("admin.companies.rejected", lang) in page.inner_text("main")
    assert page.locator(f"[data-test=company][data-name='{rejected}']").count() == 0
    page.goto("/admin/companies?status=rejected")
    row = page.locator(f"[data-test=company][data-name='{rejected}']")
    assert "The registration is not readable" in row.inner_text()
    page.goto("/admin/companies?status=approved")
    assert page.locator(f"[data-test=company][data-name='{approved}']").count() == 1


def hide_and_restore(page: Any, lang: str, post_id: str, site: Site) -> None:
    page.goto("/admin/reports")
    row = page.locator(f"[data-test=report][data-post='{post_id}']").first
    assert row.get_attribute("data-state") == "visible"
    row.locator("[data-test=hide]").click()
    page.wait_for_url(re.compile(r"/admin/reports\?flash="))
    row = page.locator(f"[data-test=report][data-post='{post_id}']").first
    assert row.get_attribute("data-state") == "hidden"
    assert word("admin.post.hidden", lang) in row.inner_text()
    assert httpx.get(f"{site.url}/api/community/posts/{post_id}", timeout=10).status_code == 404
    row.locator("[data-test=restore]").click()
    page.wait_for_url(re.compile(r"/admin/reports\?flash="))
    row = page.locator(f"[data-test=report][data-post='{post_id}']").first
    assert row.get_attribute("data-state") == "visible"


def car_to_maintenance_and_back(page: Any, lang: str) -> None:
    page.goto("/admin/catalog")
    car = page.locator("[data-test=car]").last
    car_id = car.get_attribute("data-id")
    before = car.get_attribute("data-car-status")
    car.locator("select[name=car_status]").select_option("maintenance")
    car.locator("[data-test=set-car-status]").click()
    page.wait_for_url(re.compile(r"/admin/catalog\?flash="))
    car = page.locator(f"[data-test=car][data-id='{car_id}']")
    assert car.get_attribute("data-car-status") == "maintenance"
    assert word("admin.catalog.saved", lang) in page.inner_text("main")
    car.locator("select[name=car_status]").select_option(before or "available")
    car.locator("[data-test=set-car-status]").click()
    page.wait_for_url(re.compile(r"/admin/catalog\?flash="))
    car = page.locator(f"[data-test=car][data-id='{car_id}']")
    assert car.get_attribute("data-car-status") == (before or "available")


def test_admin_runs_the_platform(
    new_page: Any, browser: Any, site: Site, lang: str, shots: Path
) -> None:
    approved, rejected = applications(site, 2)
    post_id = reported_post(site)
    page = new_page
    log_in(page, *DEMO["admin"])
    check_status_page(page, lang)
    decide_applications(page, lang, approved, rejected)
    hide_and_restore(page, lang, post_id, site)
    car_to_maintenance_and_back(page, lang)
    page.goto("/admin")
    shot(page, shots, "admin", lang)


def test_a_customer_gets_the_forbidden_page(new_page: Any, lang: str) -> None:
    page = new_page
    log_in(page, *DEMO["minji"])
    for path in ("/admin", "/admin/companies", "/admin/reports"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403
        assert word("error.forbidden", lang) in page.inner_text("h1")
    page.goto("/business")
    assert page.locator("[data-test=company-form]").count() == 1
