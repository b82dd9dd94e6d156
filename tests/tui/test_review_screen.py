"""The review flow, driven with the real app and checked against the database afterwards."""

from __future__ import annotations

import gc
import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest
from tui_helpers import log_count, rows, schedule_of, schedules, screen_text

from mlcards.config import Settings
from mlcards.review import REDRILL_GAP, ReviewFilter
from mlcards.store.sync import sync
from mlcards.tui.review import ReviewScreen

pytestmark = pytest.mark.asyncio


async def open_review(app, pilot, deck_row: int = 0):  # type: ignore[no-untyped-def]
    for _ in range(deck_row):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


async def test_front_then_back_on_space(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot)
        assert "target logit in CosFace" in screen_text(app)
        assert "additive cosine" not in screen_text(app)
        await pilot.press("space")
        assert "additive cosine" in screen_text(app)


async def test_grading_commits_the_answer_before_the_next_card_shows(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot)
        await pilot.press("space", "3")
        assert "Write the GAN minimax objective" in screen_text(app)  # new prompts take turns across decks
        assert log_count(collection) == 1
        assert rows(collection, "SELECT grade, kind, study_day FROM review_log") == [(4, "new", "2025-03-14")]
        schedule = schedule_of(collection, "cosface-logit")
        assert rows(collection, "SELECT due, interval, repetitions FROM schedule WHERE id = ?", schedule[0]) == [
            ("2025-03-15", 1, 1)
        ]


async def test_each_button_shows_the_interval_its_answer_would_give(make_app, collection) -> None:
    connection = sqlite3.connect(collection.database.path)
    with connection:  # a card reviewed twice, six days ago: Good gives ceil(6 * 2.5) = 15 days
        connection.execute(
            "UPDATE schedule SET repetitions = 2, interval = 6, easiness = 250, due = '2025-03-14' "
            "WHERE card_pk = (SELECT pk FROM card WHERE card_id = 'minimax')"
        )
    connection.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(app, pilot, deck_row=4)  # ML::Generative Models
        await pilot.press("space")
        text = screen_text(app)
        assert "Write the GAN minimax objective" in text
        assert "1 Again · after 3 prompts" in text  # back within this session
        assert "2 Hard · 15d, again today" in text  # ceil(6 * 2.36), and repeated today
        assert "3 Good · 15d" in text
        assert "4 Easy · 16d" in text  # easiness 2.6


async def test_a_card_graded_below_good_comes_back_the_same_day(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("space", "1")
        for _ in range(REDRILL_GAP):
            assert "CosFace" not in screen_text(app)
            await pilot.press("space", "3")
        assert "target logit in CosFace" in screen_text(app)
        assert "re-drill" in screen_text(app)
        await pilot.press("space", "4")
        assert screen.session.current is None or screen.session.current.card_id != "cosface-logit"
    kinds = rows(
        collection,
        "SELECT l.kind, l.grade FROM review_log l JOIN schedule s ON s.id = l.schedule_id "
        "JOIN card c ON c.pk = s.card_pk WHERE c.card_id = 'cosface-logit' ORDER BY l.id",
    )
    assert kinds == [("new", 1), ("redrill", 5)]
    assert rows(collection, "SELECT redrill_on FROM schedule WHERE id = ?", schedule_of(collection, "cosface-logit")[0]) == [
        (None,)
    ]


async def test_undo_restores_the_schedule_and_removes_the_log_row(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot)
        await pilot.press("space", "4")
        before = schedules(collection)
        await pilot.press("space", "1")
        assert log_count(collection) == 2
        await pilot.press("u")
        assert schedules(collection) == before
        assert log_count(collection) == 1
        assert "Write the GAN minimax objective" in screen_text(app)  # the undone card is asked again
        await pilot.press("u")
        assert log_count(collection) == 0
        assert "target logit in CosFace" in screen_text(app)
    assert rows(collection, "SELECT count(*) FROM schedule WHERE due IS NOT NULL OR last_reviewed IS NOT NULL") == [(0,)]


async def test_suspend_and_bury_take_the_card_out_and_persist(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot)
        await pilot.press("s")
        assert "Write the GAN minimax objective" in screen_text(app)
        await pilot.press("b")
        assert "target logit in ArcFace" in screen_text(app)
    assert rows(collection, "SELECT suspended FROM schedule WHERE id = ?", schedule_of(collection, "cosface-logit")[0]) == [(1,)]
    assert rows(collection, "SELECT buried_until FROM schedule WHERE id = ?", schedule_of(collection, "minimax")[0]) == [
        ("2025-03-15",)
    ]
    assert log_count(collection) == 0


async def test_edit_opens_the_editor_at_the_cards_line_and_shows_the_edit(
    make_app, collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    calls = tmp_path / "calls.txt"
    editor.write_text(
        textwrap.dedent(
            f"""
            import pathlib, sys
            pathlib.Path({str(calls)!r}).write_text(" ".join(sys.argv[1:]))
            deck = pathlib.Path(sys.argv[2])
            deck.write_text(deck.read_text().replace("target logit in CosFace", "CosFace logit, edited"))
            """
        )
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert "CosFace logit, edited" in screen_text(app)
    line, path = calls.read_text().split()
    assert line == "+6"
    assert path.endswith("losses.yaml")
    assert rows(collection, "SELECT front FROM card WHERE card_id = 'cosface-logit'") == [("What is the CosFace logit, edited?",)]


async def test_an_editor_that_cannot_start_is_reported_and_the_review_goes_on(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "no-such-editor-anywhere")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert any("Could not start the editor 'no-such-editor-anywhere'" in str(n.message) for n in app._notifications)
        assert isinstance(app.screen, ReviewScreen) and app.is_running


async def test_a_summary_closes_the_session(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot, deck_row=4)  # the GAN deck: two cards
        await pilot.press("space", "4", "space", "3")
        text = screen_text(app)
        assert "Session complete" in text
        assert "2 answer(s)" in text
        assert "100%" in text
        await pilot.press("escape")
        assert "2 answered" in screen_text(app)
    assert log_count(collection) == 2


async def test_the_progress_bar_counts_answers_against_the_session(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("space", "3")
        bar = screen.query_one("#review-progress")
        assert (bar.progress, bar.total) == (1, 5)


async def test_clicking_a_grade_on_the_answer_bar_grades_the_card(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(app, pilot)
        await pilot.click("#answers", offset=(40, 1))  # before the answer is shown: only the hint
        assert log_count(collection) == 0
        await pilot.press("space")
        bar = screen.query_one("#answers")
        await pilot.click("#answers", offset=(bar.outer_size.width * 5 // 8, 1))  # the third of four: Good
        await pilot.pause()
        assert "Write the GAN minimax objective" in screen_text(app)
    assert rows(collection, "SELECT grade FROM review_log") == [(4,)]


async def test_a_card_taller_than_the_screen_scrolls_and_the_next_starts_at_the_top(make_app, collection, tmp_path: Path) -> None:
    steps = "\n".join(f"      {n}. step number {n} of the derivation" for n in range(1, 41))
    (tmp_path / "decks" / "long.yaml").write_text(
        "id: test.long\nname: Long\nsource: Backprop notes\ncards:\n"
        "  - id: derivation\n    front: Derive backpropagation.\n    back: |\n" + steps + "\n"
        "  - id: short\n    front: A short card after the long one.\n    back: Short.\n",
        encoding="utf-8",
    )
    assert sync(collection.database, collection.roots).ok
    app = make_app(review_filter=ReviewFilter(deck="Long"), start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("space")
        view = app.screen.query_one("#card")
        assert view.max_scroll_y > 0
        assert "step number 40" not in screen_text(app)
        view.scroll_end(animate=False)
        await pilot.pause()
        assert "step number 40" in screen_text(app)
        await pilot.press("3")
        assert view.scroll_y == 0
        assert "A short card after the long one" in screen_text(app)


async def test_under_fsrs_each_button_shows_its_learning_step_or_interval(make_app, collection) -> None:
    collection.settings = Settings(scheduler="fsrs")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(app, pilot)
        await pilot.press("space")
        text = screen_text(app)
        assert "1 Again · 1m" in text  # FSRS's first learning step
        assert "2 Hard · 6m" in text  # halfway between the two steps, as FSRS does for Hard
        assert "3 Good · 10m" in text
        assert "4 Easy · " in text and "4 Easy · in" not in text
        await pilot.press("3")
        assert rows(collection, "SELECT scheduler FROM review_log") == [("fsrs",)]


async def test_the_card_is_rewrapped_when_the_terminal_is_resized(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot)
        await pilot.press("space")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        text = screen_text(app)
        assert "─" * 100 in text  # the divider spans the wider view, up to the card's widest column
        assert "1 Again · after 3 prompts" in text


async def test_leaving_the_review_gives_garbage_collection_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(app, pilot)
        assert not gc.isenabled()  # collected between cards instead, while the learner reads
        await pilot.press("escape")
        await pilot.pause()
        assert gc.isenabled()


async def test_an_answer_the_full_disk_refuses_ends_the_app_saying_it_was_not_saved(tmp_path: Path, small_disk) -> None:  # type: ignore[no-untyped-def]
    from tui_helpers import FIXED_NOW

    from conftest import TestCollection, write_decks
    from mlcards.config import Settings
    from mlcards.store.database import open_database
    from mlcards.tui.app import MLCardsApp

    database = open_database(small_disk.path / "mlcards.sqlite3")
    collection = TestCollection(database, Settings())
    collection.roots = [write_decks(tmp_path / "decks")]
    assert sync(database, collection.roots).ok
    app = MLCardsApp(collection, now=FIXED_NOW, theme="textual-dark")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_review(app, pilot)
            small_disk.fill()
            await pilot.press("space", "3")
            await pilot.pause()
        assert app.return_code == 3
        assert app.not_saved is not None and "was NOT saved" in app.not_saved and "is full" in app.not_saved
        assert log_count(collection) == 0  # visibly not saved, and not half-saved either
    finally:
        database.close()
        (small_disk.path / "filler").unlink(missing_ok=True)


async def test_a_card_answered_in_another_window_meanwhile_is_reloaded_not_overwritten(make_app, collection) -> None:
    from tui_helpers import FIXED_NOW

    from mlcards.review import Answer, ReviewSession

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(app, pilot)
        shown = screen.session.current
        other_window = ReviewSession(collection.database, collection.settings, FIXED_NOW)
        assert other_window.current is not None and other_window.current.schedule_id == shown.schedule_id
        other_window.answer(Answer.GOOD, FIXED_NOW)
        await pilot.press("space", "1")
        await pilot.pause()
        messages = [str(notification.message) for notification in app._notifications]
        assert any("was answered in another window" in message for message in messages)
        assert rows(collection, "SELECT grade FROM review_log") == [(4,)]  # the other window's Good stands
        assert screen.session.current is None or screen.session.current.schedule_id != shown.schedule_id


async def test_a_notice_never_covers_the_answer_bar(make_app) -> None:
    from mlcards.tui.review_widgets import AnswerBar

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_review(app, pilot)
        await pilot.press("space")
        app.notify("A notice long enough to need two lines of the toast, as the review's own notices do.", timeout=10)
        await pilot.pause(0.3)
        bar = screen.query_one(AnswerBar).region
        toasts = [toast.region for toast in screen.query("#textual-toastrack Toast")]
        assert toasts and all(not toast.overlaps(bar) for toast in toasts)


async def test_editing_a_shipped_card_offers_a_fork_and_edits_the_copy(
    make_app, collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test's deck folder stands in for the shipped decks: `e` must not edit it in place."""
    import mlcards.collection
    import mlcards.tui.app

    shipped = collection.roots[0]
    monkeypatch.setattr(mlcards.tui.app, "shipped_decks_dir", lambda: shipped)
    monkeypatch.setattr(mlcards.collection, "shipped_decks_dir", lambda: shipped)
    from mlcards.store.registry import registered_paths

    # As the real collection does: the (stand-in) shipped decks, then the learner's added paths.
    monkeypatch.setattr(type(collection), "deck_roots", lambda self: [shipped, *registered_paths(self.database)])
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nfrom pathlib import Path\n"
        "path = Path(sys.argv[-1])\npath.write_text(path.read_text().replace('target logit in CosFace', 'CosFace logit, my words'))\n"
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    original = (shipped / "losses.yaml").read_text()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_review(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert "This card is in a deck shipped with mlcards" in screen_text(app)
        await pilot.press("f")
        await pilot.pause()
        assert "CosFace logit, my words" in screen_text(app)
    fork = collection.database.path.parent / "my-decks" / "losses.yaml"
    assert "CosFace logit, my words" in fork.read_text() and (shipped / "losses.yaml").read_text() == original
    assert rows(collection, "SELECT d.file_path FROM deck d WHERE d.id = 'test.face.losses'") == [(str(fork),)]
