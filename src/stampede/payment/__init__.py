"""Payment: payments, refunds and the payment-provider adapter (KakaoPay-style)."""
