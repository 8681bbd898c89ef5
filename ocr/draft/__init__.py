"""`hotich draft`: scanned ledger pages in, machine-filled drafts of a book out.

``inputs`` (files, pages, hashes), ``pipeline`` (one page: layout, recognition, values),
``readers`` (line recognizers), ``state`` (resuming), ``book`` (book-level outputs), ``run``
(a whole run, in parallel), ``accept`` (what may be accepted unseen), ``inference`` (values the
whole book pins down: ``sequence`` from its order, ``signers`` from its signers), ``cli`` (the
command).
"""
