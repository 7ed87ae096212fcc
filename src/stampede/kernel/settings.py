"""Typed settings with embedded defaults and per-context overrides.

Precedence: environment (``ORDERING_DATABASE_URL`` before ``DATABASE_URL``) → ``.env`` → default.
``{context}`` and ``{data_dir}`` in a URL are filled in per context, so one ``DATABASE_URL``
gives every context its own database. With ``STAMPEDE_ENV=production`` the settings refuse the
development secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stampede.kernel.errors import ConfigurationError

DEV_SECRET = "dev-only-secret-change-me"
ALL = "all"

EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///{data_dir}/{context}.db"
DISTRIBUTED_DEFAULTS = {
    "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/stampede_{context}",
    "BUS_URL": "amqp://guest:guest@127.0.0.1:5672/",
    "STORE_URL": "redis://127.0.0.1:6379/0",
}
SERVICE_PORTS = {
    "gateway": 8000,
    "identity": 8101,
    "catalog": 8102,
    "sales": 8103,
    "notification": 8104,
    "ordering": 8105,
    "payment": 8106,
    "fulfilment": 8107,
    "mypage": 8108,
    "community": 8109,
    "fakepg": 8190,
}


class Settings(BaseSettings):
    """Everything a Stampede process needs to know, read from the environment."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, validate_by_name=True, validate_by_alias=True
    )

    env: Literal["development", "test", "production"] = Field("development", alias="STAMPEDE_ENV")
    contexts: str = Field(ALL, alias="STAMPEDE_CONTEXTS")
    data_dir: Path = Field(Path("var"), alias="STAMPEDE_DATA_DIR")
    host: str = Field("127.0.0.1", alias="STAMPEDE_HOST")
    port: int = Field(8000, alias="STAMPEDE_PORT", ge=1, le=65535)
    public_url: str = Field("", alias="STAMPEDE_PUBLIC_URL")
    database_url: str = Field(EMBEDDED_DATABASE_URL, alias="DATABASE_URL")
    bus_url: str = Field("memory://", alias="BUS_URL")
    store_url: str = Field("memory://", alias="STORE_URL")
    bus_namespace: str = Field("", alias="BUS_NAMESPACE", pattern=r"^[A-Za-z0-9_.-]{0,40}$")
    secret_key: str = Field(DEV_SECRET, alias="SECRET_KEY", min_length=16)
    jwt_issuer: str = Field("stampede", alias="JWT_ISSUER")
    jwt_audience: str = Field("stampede-api", alias="JWT_AUDIENCE")
    access_token_ttl_s: int = Field(900, alias="ACCESS_TOKEN_TTL_S", ge=30, le=3600)
    refresh_token_ttl_s: int = Field(14 * 86400, alias="REFRESH_TOKEN_TTL_S", ge=300)
    max_body_bytes: int = Field(1_048_576, alias="MAX_BODY_BYTES", ge=1024)
    rate_limit_per_ip: int = Field(600, alias="RATE_LIMIT_PER_IP", ge=1)
    rate_limit_per_user: int = Field(300, alias="RATE_LIMIT_PER_USER", ge=1)
    rate_limit_window_s: int = Field(60, alias="RATE_LIMIT_WINDOW_S", ge=1)
    call_timeout_s: float = Field(5.0, alias="CALL_TIMEOUT_S", gt=0)
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    access_log_sample: float = Field(1.0, alias="ACCESS_LOG_SAMPLE", ge=0, le=1)
    shutdown_grace_s: float = Field(30.0, alias="SHUTDOWN_GRACE_S", ge=0, le=3600)
    shutdown_delay_s: float = Field(0.0, alias="SHUTDOWN_DELAY_S", ge=0, le=300)
    load_demo: bool = Field(True, alias="STAMPEDE_DEMO")
    hold_ttl_s: int = Field(600, alias="SALES_HOLD_TTL_S", ge=5, le=86400)
    admission_rate: float = Field(50.0, alias="SALES_ADMISSION_RATE", gt=0, le=100_000)
    admission_burst: int = Field(50, alias="SALES_ADMISSION_BURST", ge=1, le=100_000)
    admission_ttl_s: int = Field(120, alias="SALES_ADMISSION_TTL_S", ge=5, le=3600)
    smtp_url: str = Field("", alias="SMTP_URL", pattern=r"^(|smtps?://.+)$")
    mail_retry_window_s: float = Field(300.0, alias="MAIL_RETRY_WINDOW_S", ge=0, le=3600)
    mail_from: str = Field("Stampede <no-reply@stampede.local>", alias="MAIL_FROM")
    payment_due_s: int = Field(900, alias="ORDER_PAYMENT_DUE_S", ge=10, le=86400)
    payment_provider_url: str = Field(
        "fakepg://", alias="PAYMENT_PROVIDER_URL", pattern=r"^(fakepg://|https?://.+)$"
    )
    payment_approval: Literal["async", "sync"] = Field("async", alias="PAYMENT_APPROVAL")
    payment_provider_key: str = Field(
        "DEV-fakepg-secret-key", alias="PAYMENT_PROVIDER_KEY", min_length=8
    )
    payment_provider_cid: str = Field("TC0ONETIME", alias="PAYMENT_PROVIDER_CID", min_length=1)
    payment_stale_s: float = Field(10.0, alias="PAYMENT_STALE_S", gt=0, le=3600)
    payment_reconcile_s: float = Field(2.0, alias="PAYMENT_RECONCILE_S", gt=0, le=3600)
    fakepg_public_url: str = Field("", alias="FAKEPG_PUBLIC_URL", pattern=r"^(|https?://.+)$")

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SECRET_KEY: production refuses the development secret")
        return self

    def hosted(self, known: list[str]) -> list[str]:
        """The contexts this process runs, in the order of ``known``."""
        if self.contexts.strip() == ALL:
            return list(known)
        wanted = [name.strip() for name in self.contexts.split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(known) - {"gateway", "web"})
        if unknown:
            raise ConfigurationError(
                "STAMPEDE_CONTEXTS", f"unknown context(s) {', '.join(unknown)}"
            )
        return [name for name in known if name in wanted]

    def database_url_for(self, context: str) -> str:
        """``<CONTEXT>_DATABASE_URL`` if set, else ``DATABASE_URL``, with placeholders filled."""
        raw = os.environ.get(f"{context.upper()}_DATABASE_URL", self.database_url)
        return raw.format(context=context, data_dir=self.data_dir.resolve().as_posix())

    def service_url(self, context: str) -> str:
        """Where a context listens when it runs in another process (``<CONTEXT>_URL``); the
        payment provider (``fakepg``) is at ``PAYMENT_PROVIDER_URL`` when that is http(s)."""
        if context == "fakepg" and self.payment_provider_url.startswith(("http://", "https://")):
            return self.payment_provider_url.rstrip("/")
        default = f"http://127.0.0.1:{SERVICE_PORTS.get(context, 8000)}"
        return os.environ.get(f"{context.upper()}_URL", default).rstrip("/")

    @property
    def public_base(self) -> str:
        """Where buyers reach this platform (``STAMPEDE_PUBLIC_URL``, else host and port)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def hosts_gateway(self) -> bool:
        names = {name.strip() for name in self.contexts.split(",")}
        return self.contexts.strip() == ALL or "gateway" in names

    @property
    def hosts_web(self) -> bool:
        names = {name.strip() for name in self.contexts.split(",")}
        return self.contexts.strip() == ALL or "web" in names

    @property
    def embedded(self) -> bool:
        return self.bus_url.startswith("memory://")

    @classmethod
    def for_tests(cls, data_dir: Path, **overrides: object) -> Settings:
        """Embedded settings isolated under ``data_dir``; keyword overrides use field names."""
        values: dict[str, object] = {"env": "test", "data_dir": data_dir, "load_demo": False}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
