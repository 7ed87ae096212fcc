"""How community shows its data: answer models (``models``), page cursors (``cursors``), the
reads of boards, posts, comments and reports (``reads``) and of reviews (``reviews``)."""
