"""The community pages: boards, a board's posts, writing and editing a post (a price post
with its photo), one post with its comments, likes, price confirmations and reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from stampede.web.api.pages import HTMX, VisitDep, form_of, messages, page, redirect
from stampede.web.handlers import community
from stampede.web.handlers.session import Forbidden, Visit
from stampede.web.store import ApiProblem

router = APIRouter(include_in_schema=False)
PHOTO_MAX = 1_000_001  # past the API's 1 MB limit, which it answers with its 413


@router.get("/community")
async def boards_page(request: Request, visit: VisitDep) -> Response:
    boards = await community.boards_with_latest(visit)
    return page(request, visit, "community/index.html", boards=boards)


@router.get("/community/{board}")
async def board_page(request: Request, visit: VisitDep, board: str) -> Response:
    cursor = request.query_params.get("cursor")
    found = await community.board_posts(visit, board, cursor)
    return page(request, visit, "community/board.html", board=found["board"], posts=found)


@router.get("/community/{board}/new")
async def new_post_page(request: Request, visit: VisitDep, board: str) -> Response:
    visit.require()
    found = await community.board(visit, board)
    return page(request, visit, "community/form.html", board=found, form={}, post=None)


@router.post("/community/{board}/new")
async def write_post(request: Request, visit: VisitDep, board: str) -> Response:
    form = await form_of(request, visit)
    visit.require()
    found = await community.board(visit, board)
    body = community.post_body(form, found["kind"] == "prices")
    try:
        post_id = await community.write_post(visit, board, body)
    except ApiProblem as problem:
        return _form_problem(request, visit, problem, found, form, None)
    return await _with_photo(request, visit, post_id, found, form, "community.post.written")


@router.get("/community/posts/{post_id}")
async def post_page(request: Request, visit: VisitDep, post_id: str) -> Response:
    return await _post_page(request, visit, post_id)


@router.get("/community/posts/{post_id}/photo")
async def post_photo(visit: VisitDep, post_id: str) -> Response:
    """The post's photo, fetched with the visitor's session (hidden posts' photos are not
    public), with the type the API recognised (the site's headers add ``nosniff``)."""
    answer = await community.photo(visit, post_id)
    return Response(answer.content, media_type=answer.headers.get("content-type"))


@router.get("/community/posts/{post_id}/edit")
async def edit_post_page(request: Request, visit: VisitDep, post_id: str) -> Response:
    post, board = await _own_post(visit, post_id)
    form = {**post, **(post.get("price") or {}), "tags": " ".join(post.get("tags", []))}
    return page(request, visit, "community/form.html", board=board, form=form, post=post)


@router.post("/community/posts/{post_id}/edit")
async def edit_post(request: Request, visit: VisitDep, post_id: str) -> Response:
    form = await form_of(request, visit)
    visit.require()
    post = await community.post(visit, post_id)
    board = await community.board(visit, post["board"])
    body = community.post_body(form, board["kind"] == "prices")
    try:
        await community.change_post(visit, post_id, body)
    except ApiProblem as problem:
        return _form_problem(request, visit, problem, board, form, post)
    return await _with_photo(request, visit, post_id, board, form, "community.post.changed")


@router.post("/community/posts/{post_id}/delete")
async def delete_post(request: Request, visit: VisitDep, post_id: str) -> Response:
    await form_of(request, visit)
    visit.require()
    post = await community.post(visit, post_id)
    await community.delete_post(visit, post_id)
    return redirect(request, visit, f"/community/{post['board']}", flash="community.post.deleted")


@router.post("/community/posts/{post_id}/comments")
async def write_comment(request: Request, visit: VisitDep, post_id: str) -> Response:
    form = await form_of(request, visit)
    visit.require()
    text, parent = form.get("body", ""), form.get("parent_id", "")
    try:
        await community.write_comment(visit, post_id, text, parent)
    except ApiProblem as problem:
        if not community.shown_on_form(problem):
            raise
        kept = {"comment_errors": messages(visit, problem), "comment_text": text}
        return await _post_page(request, visit, post_id, problem.status, **kept)
    return redirect(request, visit, f"/community/posts/{post_id}#comments")


@router.post("/community/posts/{post_id}/comments/{comment_id}/delete")
async def delete_comment(
    request: Request, visit: VisitDep, post_id: str, comment_id: str
) -> Response:
    await form_of(request, visit)
    visit.require()
    await community.delete_comment(visit, comment_id)
    return redirect(request, visit, f"/community/posts/{post_id}#comments")


@router.post("/community/posts/{post_id}/report")
async def report_post(request: Request, visit: VisitDep, post_id: str) -> Response:
    form = await form_of(request, visit)
    visit.require()
    try:
        await community.report(visit, post_id, form.get("kind", ""), form.get("reason", ""))
    except ApiProblem as problem:
        if not community.shown_on_form(problem):
            raise
        kept = {"report_errors": messages(visit, problem), "report_text": form.get("reason", "")}
        return await _post_page(request, visit, post_id, problem.status, **kept)
    url = f"/community/posts/{post_id}"
    return redirect(request, visit, url, flash="community.report.sent")


@router.post("/community/posts/{post_id}/{action}")
async def react(request: Request, visit: VisitDep, post_id: str, action: str) -> Response:
    """Like, unlike, confirm or unconfirm: for htmx the reaction buttons again, else back to
    the post."""
    await form_of(request, visit)
    visit.require()
    if action not in community.REACTIONS:
        raise ApiProblem(404)
    try:
        post = await community.post_after_reaction(visit, post_id, action)
    except ApiProblem as problem:
        return await _reaction_refused(request, visit, post_id, problem)
    if request.headers.get(HTMX):
        return await _reactions(request, visit, post, [])
    return redirect(request, visit, f"/community/posts/{post_id}")


async def _reactions(
    request: Request, visit: Visit, post: dict[str, Any], errors: list[str]
) -> Response:
    """The reaction buttons alone (for htmx), with the problem of the last one, if any."""
    board = await community.board(visit, post["board"])
    context: dict[str, Any] = {"post": post, "board": board, "reaction_errors": errors}
    return page(request, visit, "community/_reactions.html", **context)


async def _reaction_refused(
    request: Request, visit: Visit, post_id: str, problem: ApiProblem
) -> Response:
    """A refused reaction (say, confirming one's own price) shown by its buttons."""
    if not community.shown_on_form(problem) and problem.status != 403:
        raise problem
    errors = messages(visit, problem)
    if request.headers.get(HTMX):
        return await _reactions(request, visit, await community.post(visit, post_id), errors)
    return await _post_page(request, visit, post_id, problem.status, reaction_errors=errors)


async def _post_page(
    request: Request, visit: Visit, post_id: str, status: int = 200, **extra: Any
) -> Response:
    """The post, its board and its comments (``?comments=`` pages them)."""
    post = await community.post(visit, post_id)
    board = await community.board(visit, post["board"])
    found = await community.comments(visit, post_id, request.query_params.get("comments"))
    me = visit.visitor.user_id if visit.visitor else ""
    context = {
        "post": post,
        "board": board,
        "comments": found,
        "mine": bool(me) and post["author"]["id"] == me,
        "me": me,
        "comment_errors": [],
        "comment_text": "",
        "report_errors": [],
        "report_text": "",
        "reaction_errors": [],
        **extra,
    }
    return page(request, visit, "community/post.html", status, **context)


async def _own_post(visit: Visit, post_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The visitor's own post and its board; 403 for anyone else's."""
    me = visit.require()
    post = await community.post(visit, post_id)
    if post["author"]["id"] != me.user_id:
        raise Forbidden()
    return post, await community.board(visit, post["board"])


def _form_problem(
    request: Request,
    visit: Visit,
    problem: ApiProblem,
    board: dict[str, Any],
    form: dict[str, str],
    post: dict[str, Any] | None,
) -> Response:
    """The post form again with the API's problem and what was typed."""
    if not community.shown_on_form(problem):
        raise problem
    errors = messages(visit, problem)
    context = {"board": board, "form": form, "post": post, "errors": errors}
    return page(request, visit, "community/form.html", problem.status, **context)


async def _with_photo(
    request: Request,
    visit: Visit,
    post_id: str,
    board: dict[str, Any],
    form: dict[str, str],
    flash: str,
) -> Response:
    """Upload the form's photo, if one was chosen, then to the post; a refused photo is shown
    on the post's edit form (the post itself is saved)."""
    chosen = (await request.form()).get("photo")
    if isinstance(chosen, UploadFile) and chosen.filename:
        data = await chosen.read(PHOTO_MAX)
        try:
            await community.upload_photo(
                visit, post_id, chosen.filename, data, chosen.content_type or ""
            )
        except ApiProblem as problem:
            post = await community.post(visit, post_id)
            return _form_problem(request, visit, problem, board, form, post)
    return redirect(request, visit, f"/community/posts/{post_id}", flash=flash)
