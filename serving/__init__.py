"""The review workbench (`hotich serve`): officers correct, approve and verify drafts in the browser.

``config`` (settings), ``models`` and ``db`` (the database and its migrations), ``security``
(passwords, sessions, CSRF, login rate limits), ``access`` (roles and units), ``ingest`` (drafts
into the database), ``worker`` (background drafting), ``images`` (record and field crops),
``exporting`` (the Ministry's zip per book), ``reports`` (dashboard and weekly report), ``api`` and
``ui`` (the HTTP routes), ``app`` (the application), ``samples`` (sample books), ``cli``.
"""
