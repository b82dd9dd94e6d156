"""The entry point the CLI calls: open the app on a collection, optionally straight into a review."""

from __future__ import annotations

from mlcards.collection import Collection
from mlcards.decks.problems import Problem
from mlcards.review import ReviewFilter


def run_review(
    collection: Collection,
    deck: str | None,
    tags: tuple[str, ...],
    cram: bool,
    sync_problems: list[Problem],
    extra_new: int = 0,
    ahead_days: int = 0,
) -> int:
    """Home screen, or a review right away when a deck, tag, cram, extra new prompts or a review
    ahead was asked for; the exit status."""
    from mlcards.tui.app import MLCardsApp  # Textual loads only when the UI is used

    app = MLCardsApp(
        collection,
        review_filter=ReviewFilter(deck=deck, tags=tags),
        cram=cram,
        extra_new=extra_new,
        ahead_days=ahead_days,
        start_in_review=bool(deck or tags or cram or extra_new or ahead_days),
        sync_problems=sync_problems,
    )
    app.run()
    return app.return_code or 0
