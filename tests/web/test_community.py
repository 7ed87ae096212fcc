"""Problems on the community's forms: the API's message on the same form with what was typed
kept; another member's post offers no edit or delete, and a forged edit is refused."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.web.site import Site, sign_up

POST_URL = re.compile(r"/community/posts/[0-9a-f-]{36}(\?.*)?$")


def submit_post(page: Any, board: str, title: str, body: str, **price: str) -> Any:
    """Send the board's write form; the answer to the form's POST."""
    page.goto(f"/community/{board}/new")
    page.fill("#f-title", title)
    page.fill("#f-body", body)
    for name, value in price.items():
        page.fill(f"#f-{name}", value)
    sent = re.compile(rf"/community/{board}/new$")
    with page.expect_response(
        lambda r: bool(sent.search(r.url)) and r.request.method == "POST"
    ) as answer:
        page.click("[data-test=submit-post]")
    page.wait_for_load_state()
    return answer.value


def test_an_empty_title_shows_the_api_message_and_keeps_the_text(new_page: Any, site: Site) -> None:
    page = new_page
    sign_up(page, site, "community-form")
    answer = submit_post(page, "free", "   ", "지켜야 할 본문\n두 줄")
    assert answer.status == 422
    alert = page.get_by_role("alert")
    assert "title" in alert.inner_text()
    assert page.input_value("#f-body") == "지켜야 할 본문\n두 줄"
    assert page.locator("[data-test=post-form]").count() == 1


def test_a_price_that_is_no_number_is_shown_on_the_form(new_page: Any, site: Site) -> None:
    page = new_page
    sign_up(page, site, "community-price")
    answer = submit_post(page, "prices", "특가", "본문", item="우유 1L", price="싸요")
    assert answer.status == 422
    assert "price" in page.get_by_role("alert").inner_text()
    assert page.input_value("#f-item") == "우유 1L"
    assert page.input_value("#f-price") == "싸요"


def test_another_members_post_cannot_be_edited(
    new_page: Any, browser: Any, site: Site, lang: str
) -> None:
    author = new_page
    sign_up(author, site, "community-author")
    title = f"내 글 {uuid.uuid4().hex[:8]}"
    submit_post(author, "free", "고칠 제목", "원래 내용")
    author.wait_for_url(POST_URL)
    post = re.sub(r"\?.*$", "", author.url)
    author.click("[data-test=edit]")
    assert author.input_value("#f-title") == "고칠 제목"
    author.fill("#f-title", title)
    author.click("[data-test=submit-post]")
    author.wait_for_url(POST_URL)
    assert author.inner_text("[data-test=post-title]") == title

    other = site.person(browser, lang)
    sign_up(other, site, "community-other")
    other.goto(post)
    assert other.inner_text("[data-test=post-title]") == title
    assert other.locator("[data-test=edit], [data-test=delete]").count() == 0
    token = other.get_attribute("input[name=csrf_token]", "value")
    forged = other.request.post(
        f"{post}/edit", form={"csrf_token": token, "title": "바꿔치기", "body": "x"}
    )
    assert forged.status in (403, 404)
    assert "text/html" in forged.headers["content-type"]
    assert other.request.get(f"{post}/edit").status in (403, 404)
    deleted = other.request.post(f"{post}/delete", form={"csrf_token": token})
    assert deleted.status in (403, 404)
    other.context.close()

    author.goto(post)
    assert author.inner_text("[data-test=post-title]") == title
    assert author.inner_text("[data-test=post-body]") == "원래 내용"


def test_an_empty_comment_is_refused_and_a_reply_sits_under_its_comment(
    new_page: Any, site: Site
) -> None:
    page = new_page
    sign_up(page, site, "community-comment")
    page.goto("/community/free")
    page.click("[data-test=post-link]:has-text('무지출 챌린지 7일차')")
    page.wait_for_url(POST_URL)
    page.fill("#f-comment", "   ")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("[data-test=send-comment]")
    page.wait_for_load_state()
    assert answer.value.status == 422
    assert "blank" in page.get_by_role("alert").inner_text()
    mark = uuid.uuid4().hex[:8]
    page.fill("#f-comment", f"댓글 {mark}")
    page.click("[data-test=send-comment]")
    page.wait_for_load_state()
    mine = page.locator("[data-test=comments] > li").last
    assert mine.locator("[data-test=comment-body]").first.inner_text() == f"댓글 {mark}"
    mine.locator("summary").click()
    mine.locator("textarea").fill(f"답글 {mark}")
    mine.locator("[data-test=reply-form] button").click()
    page.wait_for_load_state()
    mine = page.locator("[data-test=comments] > li").last
    replies = mine.locator(".community-replies [data-test=comment-body]")
    assert replies.all_inner_texts() == [f"답글 {mark}"]
    assert mine.locator("[data-test=reply-form]").count() == 1  # no replies to replies
