"""How fulfilment shows its data: answer models and cursors (``models``), the reads with
their access rules (``reads``) and tickets' QR codes (``qr``)."""
