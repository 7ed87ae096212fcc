"""A price post's photo: its author uploads (multipart, field ``file``) or removes it; anyone
who may read the post gets it back with its recognised type and ``nosniff``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import File, Response, UploadFile

from stampede.community import handlers
from stampede.community.api.common import P, UowDep, community_router
from stampede.community.domain.images import MAX_BYTES
from stampede.community.views import reads
from stampede.community.views.models import PostDetail
from stampede.kernel.auth import CurrentUser, OptionalUser

router = community_router()
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in IMAGE_TYPES}, "description": "the post's photo"}
}


@router.post(f"{P}/posts/{{post_id}}/image")
async def upload_image(
    post_id: uuid.UUID, file: Annotated[UploadFile, File()], user: CurrentUser, uow: UowDep
) -> PostDetail:
    """PNG, JPEG or WebP (by content) up to 1 MB: 413 ``image-too-large``, 415
    ``not-an-image``, 422 ``empty-image`` or ``no-images-here`` (free boards)."""
    data = await file.read(MAX_BYTES + 1)
    await handlers.put_image(uow, user, str(post_id), data)
    return await reads.post(uow, user, str(post_id))


@router.delete(f"{P}/posts/{{post_id}}/image", status_code=204)
async def remove_image(post_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    await handlers.drop_image(uow, user, str(post_id))


@router.get(f"{P}/posts/{{post_id}}/image", response_class=Response, responses=_IMAGE)
async def image(post_id: uuid.UUID, user: OptionalUser, uow: UowDep) -> Response:
    """The photo; 404 ``no-image``. Never sniffed or run by a browser, never cached
    publicly once its post is hidden."""
    media_type, data, public = await reads.image(uow, user, str(post_id))
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "public, max-age=60" if public else "private, no-store",
    }
    return Response(data, media_type=media_type, headers=headers)
