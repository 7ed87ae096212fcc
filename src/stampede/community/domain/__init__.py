"""Community's rules without I/O: boards and what a post on each holds (``boards``, ``posts``),
who sees and changes what (``access``), safe HTML from member text (``render``), uploaded
images (``images``), reviews and their events (``reviews``) and the demo posts (``demo``)."""
