"""Notification: verification and order mail, status messages, deal and keyword alerts, and the
in-app inbox — fed by other contexts' events only, each message once per recipient and channel."""
