"""The text of the mails identity sends, in the recipient's locale."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

_SUBJECTS = {
    "ko": "[Stampede] 이메일 주소를 확인해 주세요",
    "en": "[Stampede] Please verify your e-mail address",
}
_BODIES = {
    "ko": "{name}님, 아래 링크를 열어 이메일 주소를 확인해 주세요.\n{link}\n"
    "링크는 {expires:%Y-%m-%d %H:%M} UTC까지 한 번만 쓸 수 있습니다.",
    "en": "Hello {name}, open this link to verify your e-mail address:\n{link}\n"
    "It works once, until {expires:%Y-%m-%d %H:%M} UTC.",
}


def verification_link(public_url: str, token: str) -> str:
    """``<public_url>/verify-email?token=…`` (relative when no public URL is configured)."""
    return f"{public_url.rstrip('/')}/verify-email?{urlencode({'token': token})}"


def verification_mail(
    *, name: str, email: str, locale: str, link: str, expires_at: datetime, sent_at: datetime
) -> str:
    """A readable mail: To, Subject and Date headers, a blank line, the body, a separator."""
    lang = locale if locale in _SUBJECTS else "en"
    body = _BODIES[lang].format(name=name, link=link, expires=expires_at)
    return (
        f"To: {name} <{email}>\nSubject: {_SUBJECTS[lang]}\nDate: {sent_at.isoformat()}\n\n"
        f"{body}\n{'-' * 72}\n"
    )
