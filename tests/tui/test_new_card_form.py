"""The new-card form: opened from home and browse, checked as `mlcards check`, written keeping the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input
from tui_helpers import FIXED_NOW, log_count, rows, schedules, screen_text

from conftest import TestCollection
from mlcards.paths import shipped_decks_dir
from mlcards.review import ReviewFilter, ReviewSession
from mlcards.store.registry import register_paths
from mlcards.tui.browse import BrowseScreen
from mlcards.tui.help import HelpScreen
from mlcards.tui.home import HomeScreen
from mlcards.tui.new_card import NewCardForm, card_targets

pytestmark = pytest.mark.asyncio

COMMENTED = """\
# My own notes: keep these comments.
id: mine.notes   # the deck id keys my history
name: Mine::Notes
source: "My notebook"

cards:
  - id: dropout
    front: What does dropout do at training time?   # asked twice already
    back: |
      Zeroes each activation with probability $p$
      and scales the rest by $1/(1-p)$.

# (more cards go above this line)
"""


@pytest.fixture
def mine(collection: TestCollection) -> Path:
    """The learner's own folder (the test decks plus a commented deck), registered with `mlcards add`."""
    folder = collection.roots[0]
    (folder / "notes.yaml").write_text(COMMENTED, encoding="utf-8")
    register_paths(collection.database, [folder.resolve()], FIXED_NOW)
    assert collection.sync().ok
    return folder


def form(app) -> NewCardForm:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, NewCardForm)
    return app.screen


async def paste(pilot, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Put text in a field as a paste would (every character, LaTeX included, arrives as is)."""
    field = pilot.app.screen.query_one(selector)
    field.focus()
    await pilot.pause()
    if isinstance(field, Input):
        await pilot.press("end")  # focusing an input selects its text, which a paste would replace
    pilot.app.post_message(events.Paste(text))  # as the terminal driver sends it: to the focused field
    await pilot.pause()


async def choose(pilot, path: Path) -> None:  # type: ignore[no-untyped-def]
    form(pilot.app).query_one("#target").value = path.resolve()
    await pilot.pause()


def problem_on(app, key: str) -> str:  # type: ignore[no-untyped-def]
    box = app.screen.query_one(f"#{key}-problem")
    return str(box.render()) if box.display else ""


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(notification.message) for notification in app._notifications]


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


async def basic_card(pilot, target: Path, front: str, back: str) -> None:  # type: ignore[no-untyped-def]
    """Open the form with n, choose the deck file, and fill in a basic card's front and back."""
    await pilot.press("n")
    await choose(pilot, target)
    await paste(pilot, "#front", front)
    await paste(pilot, "#back", back)


async def test_n_on_home_opens_the_form_on_the_selected_decks_file_and_escape_writes_nothing(
    make_app, mine: Path, collection
) -> None:
    before, answers = files(mine), schedules(collection)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#decks")
        table.move_cursor(row=table.get_row_index("ML::Generative Models::GAN"))
        await pilot.press("n")
        await pilot.pause()
        assert form(app).target() == (mine / "gan.yaml").resolve()
        assert "gan.yaml" in screen_text(app) and "ctrl+s" in screen_text(app)
        await paste(pilot, "#front", "Unsaved question?")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert files(mine) == before and schedules(collection) == answers


async def test_the_id_is_proposed_from_the_question_until_the_learner_writes_one(make_app, mine: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await paste(pilot, "#front", "What is the target logit in CosFace")
        box = app.screen.query_one("#card-id")
        assert box.value == "target-logit-cosface"
        await paste(pilot, "#front", "?")
        assert box.value == "target-logit-cosface"
        await paste(pilot, "#card-id", "-mine")
        await paste(pilot, "#front", " Really?")
        assert box.value == "target-logit-cosface-mine"


async def test_problems_are_those_of_mlcards_check_shown_on_their_field_and_nothing_is_written(make_app, mine: Path) -> None:
    before = files(mine)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await choose(pilot, mine / "losses.yaml")
        await paste(pilot, "#front", "Which margin does CosFace add?")
        app.screen.query_one("#card-id").value = "cosface-logit"  # already in losses.yaml
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewCardForm)
        assert "duplicate card id 'cosface-logit' (first used on line 6)" in problem_on(app, "id")
        assert "missing 'back'" in problem_on(app, "back")
        assert problem_on(app, "front") == ""
        assert "2 problem(s), as mlcards check reports them: nothing was written." in screen_text(app)
        assert app.screen.query_one("#card-id").has_focus
        await paste(pilot, "#back", "An additive cosine margin.")
        assert problem_on(app, "back") == ""  # an edited field drops what was said about it
    assert files(mine) == before


async def test_saving_keeps_every_comment_and_shows_the_card_at_once(make_app, mine: Path, collection) -> None:
    answers_before, log_before = schedules(collection), log_count(collection)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await basic_card(
            pilot,
            mine / "notes.yaml",
            "Why scale attention logits by $\\frac{1}{\\sqrt{d_k}}$?",
            "Dot products grow like $d_k$:\n```python\nscores = q @ k.T / math.sqrt(d)\n```\n",
        )
        await paste(pilot, "#tags", "attention, scaling")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Added card mine.notes/scale-attention-logits-1-d (notes.yaml:12) — 1 prompt, due today as new." in notices(app)
        assert "of 8 unseen" in screen_text(app)  # the home counts include it (7 before)
    assert (mine / "notes.yaml").read_text(encoding="utf-8") == COMMENTED.replace(
        "\n# (more cards go above this line)",
        "  - id: scale-attention-logits-1-d\n"
        "    front: Why scale attention logits by $\\frac{1}{\\sqrt{d_k}}$?\n"
        "    back: |\n"
        "      Dot products grow like $d_k$:\n"
        "      ```python\n"
        "      scores = q @ k.T / math.sqrt(d)\n"
        "      ```\n"
        "    tags: [attention, scaling]\n"
        "\n# (more cards go above this line)",
    )
    assert rows(collection, "SELECT front, tags FROM card WHERE card_id = 'scale-attention-logits-1-d'") == [
        ("Why scale attention logits by $\\frac{1}{\\sqrt{d_k}}$?", "attention scaling")
    ]
    assert schedules(collection)[: len(answers_before)] == answers_before and log_count(collection) == log_before


async def test_a_cloze_card_gives_one_prompt_per_deletion(make_app, mine: Path, collection) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await choose(pilot, mine / "losses.yaml")
        await pilot.click("#kind-cloze")
        assert not app.screen.query_one("#front-row").display and app.screen.query_one("#text-row").display
        await paste(pilot, "#text", "BERT-base has {{c1::12}} layers and {{c2::768}} hidden units.")
        assert app.screen.query_one("#card-id").value == "bert-base-12-layers-768"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any(
            "— 2 prompts, 1 due today as new, the other on later days (a card gives one new prompt a day)." in notice
            for notice in notices(app)
        )
    assert rows(
        collection,
        "SELECT s.ordinal FROM schedule s JOIN card c ON c.pk = s.card_pk WHERE c.card_id = 'bert-base-12-layers-768' ORDER BY 1",
    ) == [(1,), (2,)]
    assert "    type: cloze\n    text: BERT-base has {{c1::12}} layers" in (mine / "losses.yaml").read_text(encoding="utf-8")


async def test_without_a_folder_of_their_own_the_form_says_how_to_make_one(make_app, collection) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        text = screen_text(app)
        assert "you have none yet" in text and "mlcards add ~/mlcards" in text and "mlcards fork DECK" in text
        await pilot.press("ctrl+s", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and notices(app) == []


async def test_shipped_decks_are_never_offered(mine: Path, collection) -> None:
    register_paths(collection.database, [shipped_decks_dir()], FIXED_NOW)
    offered = [target.path for target in card_targets(collection)]
    assert offered == [(mine / name).resolve() for name in ("notes.yaml", "losses.yaml", "gan.yaml")]
    assert [target.deck_name for target in card_targets(collection)] == [
        "Mine::Notes",
        "ML::Face Recognition::Losses",
        "ML::Generative Models::GAN",
    ]


async def test_ctrl_n_in_browse_adds_to_the_highlighted_cards_deck_and_selects_the_new_card(make_app, mine: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        for key in "minimax":
            await pilot.press(key)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert form(app).target() == (mine / "gan.yaml").resolve()
        await paste(pilot, "#front", "What does the WGAN critic estimate?")
        await paste(pilot, "#back", "The Wasserstein-1 distance.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        assert [card.card_id for card in screen.found] == ["wgan-critic-estimate"]
        assert screen.query_one("#results").has_focus
        assert "The Wasserstein-1 distance." in screen_text(app)


async def test_a_warning_holds_the_first_save_and_the_second_writes_the_card(make_app, mine: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await basic_card(pilot, mine / "losses.yaml", "What is $\\foo$?", "Nothing standard.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "'front' uses LaTeX the terminal shows by name: \\foo" in problem_on(app, "front")
        assert "press ctrl+s again to save it anyway" in screen_text(app)
        assert "foo" not in (mine / "losses.yaml").read_text(encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert "front: What is $\\foo$?" in (mine / "losses.yaml").read_text(encoding="utf-8")


async def test_control_characters_in_a_paste_are_left_out_and_said_so(make_app, mine: Path) -> None:
    before = files(mine)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await paste(pilot, "#front", "Copy me\x1b]52;c;aGk=\x07 now \u202eevil")
        await paste(pilot, "#source", "src\x1b[2J")
        assert app.screen.query_one("#front").text == "Copy me]52;c;aGk= now evil"
        assert app.screen.query_one("#source").value == "src[2J"
        assert "\x1b" not in screen_text(app) and "\u202e" not in screen_text(app)
        assert (
            "The pasted text held control characters (U+0007, U+001B, U+202E), which a card cannot hold: they were left out."
            in notices(app)
        )
    assert files(mine) == before


async def test_an_edit_saved_while_the_form_was_open_is_kept(make_app, mine: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await basic_card(pilot, mine / "losses.yaml", "What is label smoothing?", "Mixing the one-hot target with a uniform one.")
        losses = mine / "losses.yaml"
        losses.write_text("# edited in my editor meanwhile\n" + losses.read_text(encoding="utf-8"), encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("The file had changed since the form opened" in notice for notice in notices(app))
    text = (mine / "losses.yaml").read_text(encoding="utf-8")
    assert text.startswith("# edited in my editor meanwhile\n") and "- id: label-smoothing" in text


async def test_a_problem_in_another_deck_file_leaves_the_card_written_and_says_it_is_not_synced_yet(
    make_app, mine: Path, collection
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await basic_card(pilot, mine / "losses.yaml", "What is label smoothing?", "Mixing the one-hot target with a uniform one.")
        (mine / "gan.yaml").write_text("id: test.gen.gan\nname: [broken\n", encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("was written to losses.yaml:" in notice and "nothing was synced" in notice for notice in notices(app))
    assert "- id: label-smoothing" in (mine / "losses.yaml").read_text(encoding="utf-8")
    assert rows(collection, "SELECT count(*) FROM card WHERE card_id = 'label-smoothing'") == [(0,)]


async def test_a_card_with_the_question_of_one_just_removed_takes_over_its_answers(make_app, mine: Path, collection) -> None:
    quiz = mine / "quiz.yaml"
    card = "  - id: {}\n    front: What is the capital of {}?\n    back: {}\n"
    quiz.write_text(
        "id: mine.quiz\nname: Mine::Quiz\nsource: Atlas\ncards:\n" + card.format("q1", "France", "Paris"), encoding="utf-8"
    )
    assert collection.sync().ok
    session = ReviewSession(collection.database, collection.settings, FIXED_NOW, ReviewFilter(deck="Mine::Quiz"))
    session.answer(4, FIXED_NOW)
    # In the editor, q1 is replaced by another card, not synced yet: the sync after the save sees q1 go.
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace(card.format("q1", "France", "Paris"), card.format("q2", "Peru", "Lima"))
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await basic_card(pilot, quiz, "What is the capital of France?", "Paris")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (
            "Added card mine.quiz/capital-france (quiz.yaml:8) — 1 prompt, it takes over the answers of mine.quiz/q1 "
            "(same question); 0 due today." in notices(app)
        )
    assert log_count(collection) == 1


async def test_a_deck_file_with_problems_elsewhere_is_left_as_it_is_and_they_are_listed(make_app, mine: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await choose(pilot, mine / "gan.yaml")
        broken = (
            (mine / "gan.yaml")
            .read_text(encoding="utf-8")
            .replace("  - id: mode-collapse", "  - id: mode-collapse\n    id: twice")
        )
        (mine / "gan.yaml").write_text(broken, encoding="utf-8")
        await paste(pilot, "#front", "What does the WGAN critic estimate?")
        await paste(pilot, "#back", "The Wasserstein-1 distance.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewCardForm)
        text = screen_text(app)
        assert "✗ gan.yaml:11:5: mode-collapse: key 'id' appears twice in this card" in text
        assert "1 problem(s), as mlcards check reports them: nothing was written." in text
    assert (mine / "gan.yaml").read_text(encoding="utf-8") == broken


async def test_the_palette_and_the_help_offer_the_new_card_form(make_app, mine: Path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 80)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles.count("New card") == 1 and not any(title.startswith("New card (") for title in titles)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "New card" in text and "ctrl+n" in text and "Save the card" in text
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        for char in "new card":
            await pilot.press(char if char != " " else "space")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NewCardForm)
