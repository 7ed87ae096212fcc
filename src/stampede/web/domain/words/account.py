"""Words of sign-up, log-in, mail verification and log-out: key -> (Korean, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "account.login.title": ("로그인", "Log in"),
    "account.login.submit": ("로그인", "Log in"),
    "account.login.failed": (
        "이메일 또는 비밀번호가 맞지 않아요.",
        "The e-mail or password is not right.",
    ),
    "account.login.again": ("다시 로그인해 주세요.", "Please log in again."),
    "account.email": ("이메일", "E-mail"),
    "account.password": ("비밀번호", "Password"),
    "account.password.hint": ("8자 이상", "At least 8 characters"),
    "account.name": ("이름", "Name"),
    "account.signup.title": ("회원가입", "Sign up"),
    "account.signup.submit": ("가입하기", "Create account"),
    "account.signup.done": (
        "가입되었어요. 메일로 보낸 링크로 이메일을 인증해 주세요.",
        "Welcome! Verify your e-mail with the link we sent you.",
    ),
    "account.no_account": ("계정이 없으신가요?", "No account yet?"),
    "account.have_account": ("이미 계정이 있으신가요?", "Already have an account?"),
    "account.verify.title": ("이메일 인증", "Verify your e-mail"),
    "account.verify.done": ("이메일이 인증되었어요.", "Your e-mail is verified."),
    "account.verify.failed": (
        "인증 링크가 만료되었거나 올바르지 않아요.",
        "The verification link is expired or not valid.",
    ),
    "account.verify.resend": ("인증 메일 다시 보내기", "Send the verification mail again"),
    "account.verify.sent": ("인증 메일을 보냈어요.", "We sent the verification mail."),
    "account.logout.done": ("로그아웃되었어요.", "You are logged out."),
}
