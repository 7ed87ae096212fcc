"""The shop pages' handlers: browsing and searching listings, one listing by kind, likes and
keyword alerts (``browse``), and the waiting room, holds, checkout and payment (``buying``)."""
