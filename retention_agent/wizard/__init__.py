"""The photo-export wizard (R2b): a small web app on 127.0.0.1 that walks a family
through offering the photos to the child's family. An edge like the CLI: it only calls
the core (``export``, ``lifecycle``, ``vault``).

``server`` runs it, ``security`` guards every request, ``app`` holds the pages
(``templates/``, ``static/``), ``session`` what one run remembers, ``texts`` its words.
"""
