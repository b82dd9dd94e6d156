"""Two-way sync with Anki through Anki's own sync server (`python -m anki.syncserver`).

mlcards keeps a local Anki collection as its sync endpoint. Each sync pulls the server's changes
into it, takes answers given in Anki into the review log, sends notes (the same package code as
`mlcards export`), answers and due dates into it, and pushes it back. The `anki` package is an
optional extra: nothing here imports it until a sync runs.
"""
