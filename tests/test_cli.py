"""The command line, end to end, as a separate process on a temporary data dir."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .dbcheck import file_fingerprint, rows

WriteDeck = Callable[..., Path]

MY_DECK = """
id: mine.transformers
name: Mine::Transformers
source: My notes
tags: [mine]
cards:
  - id: attention-scale
    front: Why divide attention logits by $\\sqrt{d_k}$?
    back: To keep their variance near 1 so the softmax does not saturate.
  - id: heads
    type: cloze
    text: BERT-base has {{c1::12}} attention heads per layer.
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("MLCARDS_", "XDG_"))} | {
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "HOME": str(home),
    }
    environment |= env or {}
    return subprocess.run(
        [sys.executable, "-m", "mlcards", *args],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def default_db(home: Path) -> Path:
    return home / "data" / "mlcards" / "mlcards.sqlite3"


def status_json(home: Path, *extra: str) -> dict:
    result = run(home, *extra, "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_version_and_help_for_every_command(home: Path):
    assert run(home, "--version").stdout.startswith("mlcards ")
    for command in ("status", "check", "add", "remove", "decks", "review", "config", "optimize"):
        result = run(home, command, "--help")
        assert result.returncode == 0 and "usage: mlcards" in result.stdout, command


def test_first_status_loads_the_shipped_decks_into_the_user_data_dir(home: Path):
    status = status_json(home)
    assert default_db(home).exists()
    assert status["totals"]["total"] >= 50
    assert status["totals"]["new"] == status["totals"]["total"]
    assert {"id", "name", "new", "learning", "due", "total", "suspended"} <= set(status["decks"][0])


def test_plain_status_shows_a_deck_tree_with_counts(home: Path):
    result = run(home, "status")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Deck", "Unseen", "Learn", "Due", "Prompts", "Susp"]
    assert any(line.startswith("Algorithms ") for line in lines)
    assert any(line.startswith("All decks") for line in lines)


def test_status_says_in_prompts_what_a_review_now_shows(home: Path):
    status = status_json(home)
    assert status["review_now"] == {"due": 0, "new": 20}  # a first day: new prompts up to new_cards_per_day
    result = run(home, "status")
    assert "A review now shows 0 due and 20 new prompt(s) (new prompts are limited per day)." in result.stdout
    assert "Counts are prompts" in result.stdout
    listed = " ".join(run(home, "--help").stdout.split())  # argparse wraps the command list
    assert "unseen, learning, due, total and suspended prompts per deck, and what a review now shows" in listed


def test_check_accepts_a_valid_deck_and_writes_nothing(home: Path, write_deck: WriteDeck):
    result = run(home, "check", str(write_deck(MY_DECK)))
    assert (result.returncode, result.stdout.strip()) == (0, "OK: 1 deck(s), 2 card(s), no problems.")
    assert not default_db(home).exists()


def test_check_reports_every_problem_with_location_and_exits_non_zero(home: Path, write_deck: WriteDeck):
    bad = write_deck(MY_DECK.replace("front: Why", "frnt: Why").replace("{{c1::12}}", "12"), "bad.yaml")
    result = run(home, "check", str(bad.parent))
    assert result.returncode == 1
    assert f"{bad}:7:5: attention-scale: unknown card key 'frnt' — did you mean 'front'?" in result.stderr
    assert "heads: a cloze card needs at least one deletion" in result.stderr
    assert result.stderr.strip().endswith("problem(s) in 1 file(s); nothing was written.")


def test_add_registers_a_folder_and_later_runs_pick_up_edits(home: Path, write_deck: WriteDeck):
    path = write_deck(MY_DECK)
    result = run(home, "add", str(path.parent))
    assert result.returncode == 0 and "2 new card(s)" in result.stdout
    mine = [deck for deck in status_json(home)["decks"] if deck["id"] == "mine.transformers"]
    assert mine[0]["total"] == 2
    path.write_text(MY_DECK + "  - id: extra\n    front: New?\n    back: Yes.\n")
    mine = [deck for deck in status_json(home)["decks"] if deck["id"] == "mine.transformers"]
    assert mine[0]["total"] == 3


def test_add_with_a_bad_file_writes_nothing(home: Path, write_deck: WriteDeck):
    status_json(home)
    before = file_fingerprint(default_db(home))
    write_deck(MY_DECK, "good.yaml")
    write_deck(MY_DECK.replace("mine.transformers", "mine.other").replace("back: To keep", "bak: To keep"), "bad.yaml")
    result = run(home, "add", str(home.parent / "decks"))
    assert result.returncode == 1 and "did you mean 'back'?" in result.stderr
    assert file_fingerprint(default_db(home)) == before
    assert rows(default_db(home), "SELECT * FROM registered_path") == []


def test_remove_stops_syncing_and_hides_the_cards(home: Path, write_deck: WriteDeck):
    path = write_deck(MY_DECK)
    run(home, "add", str(path))
    result = run(home, "remove", str(path))
    assert result.returncode == 0 and "2 card(s) hidden" in result.stdout
    assert "mine.transformers" not in [deck["id"] for deck in status_json(home)["decks"]]


def test_a_broken_registered_file_is_reported_on_every_run(home: Path, write_deck: WriteDeck):
    path = write_deck(MY_DECK)
    run(home, "add", str(path))
    path.write_text(MY_DECK.replace("id: heads", "id: attention-scale"))
    result = run(home, "status")
    assert result.returncode == 5  # done, with warnings: not the 1 of a refused command
    assert "Unseen" in result.stdout  # the status was printed
    assert "duplicate card id 'attention-scale'" in result.stderr
    assert "is done, with warnings: it ran on the last good version of these deck files" in result.stderr
    assert "nothing was written" not in result.stderr  # status did run; the broken file is what was skipped


def test_db_flag_and_environment_variable_choose_the_database(home: Path, tmp_path: Path):
    flagged, env_db = tmp_path / "flag.sqlite3", tmp_path / "env.sqlite3"
    status_json(home, "--db", str(flagged))
    assert flagged.exists() and not default_db(home).exists()
    result = run(home, "status", env={"MLCARDS_DB": str(env_db)})
    assert result.returncode == 0 and env_db.exists()


def test_decks_lists_ids_names_and_files(home: Path):
    result = run(home, "decks", "--json")
    decks = json.loads(result.stdout)
    assert all(deck["cards"] > 0 and deck["file"].endswith((".yaml", ".yml")) for deck in decks)


def test_a_file_that_is_not_a_database_gets_a_clear_message(home: Path, tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    result = run(home, "--db", str(notes), "status")
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        f"mlcards: {notes} is not a SQLite database: it is damaged, or another program's file",
        "No backup of it exists yet.",
    ]
    assert notes.read_text() == "my notes"


def test_bad_settings_are_reported_with_the_file_and_the_fix(home: Path):
    config = home / "config" / "mlcards" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("new_cards_per_day = -3\n")
    result = run(home, "status")
    assert result.returncode == 3
    assert f"{config}: 'new_cards_per_day' must be a whole number from 0 to 10000, got -3" in result.stderr


def test_config_init_writes_a_commented_template(home: Path):
    result = run(home, "config", "--init")
    assert result.returncode == 0 and "day_start_hour = 4" in result.stdout
    assert (home / "config" / "mlcards" / "config.toml").read_text().startswith("# mlcards settings")


def test_another_programs_sqlite_file_is_refused_and_left_untouched(home: Path, tmp_path: Path):
    import sqlite3

    foreign = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    content = foreign.read_bytes()
    result = run(home, "--db", str(foreign), "status")
    assert result.returncode == 3 and "is a SQLite database, but not an mlcards one" in result.stderr
    assert foreign.read_bytes() == content


def test_options_may_follow_the_command_name(home: Path, tmp_path: Path):
    chosen = tmp_path / "after.sqlite3"
    assert run(home, "status", "--db", str(chosen)).returncode == 0
    assert chosen.exists()


def test_a_folder_given_as_the_database_gets_a_clear_message(home: Path, tmp_path: Path):
    result = run(home, "--db", str(tmp_path), "status")
    assert result.returncode == 3
    assert f"{tmp_path} is a folder; --db takes a database file" in result.stderr


def test_output_cut_short_by_a_closed_pipe_is_not_an_error(home: Path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("MLCARDS_", "XDG_"))}
    environment |= {"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")}
    result = subprocess.run(
        f"{sys.executable} -m mlcards decks --json | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_removing_a_path_that_was_never_added_says_so(home: Path, tmp_path: Path):
    result = run(home, "remove", str(tmp_path / "nothing.yaml"))
    assert result.returncode == 1 and "is not registered" in result.stderr


def test_reviewing_an_unknown_deck_says_so(home: Path):
    result = run(home, "review", "--deck", "No Such Deck")
    assert result.returncode == 1
    assert "no deck named 'No Such Deck' — 'mlcards decks' lists deck names and ids" in result.stderr


def test_reviewing_a_tag_no_card_has_says_so(home: Path):
    result = run(home, "review", "--cram", "--tag", "no-such-tag")
    assert result.returncode == 1
    assert "no card has the tag 'no-such-tag'" in result.stderr


def test_config_init_leaves_an_existing_file_alone(home: Path):
    run(home, "config", "--init")
    config = home / "config" / "mlcards" / "config.toml"
    config.write_text("new_cards_per_day = 5\n")
    result = run(home, "config", "--init")
    assert "already exists; left as it is" in result.stdout and config.read_text() == "new_cards_per_day = 5\n"


def test_without_a_terminal_the_review_app_says_why_in_one_line_and_exits_2(home: Path):
    for stdin in (subprocess.DEVNULL, subprocess.PIPE):
        result = subprocess.run(
            [sys.executable, "-m", "mlcards"],
            input="" if stdin is subprocess.PIPE else None,
            stdin=None if stdin is subprocess.PIPE else stdin,
            capture_output=True,
            text=True,
            env=os.environ | {"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")},
            timeout=60,
        )
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1
        assert "needs a terminal" in result.stderr and "status" in result.stderr and "export" in result.stderr


def test_the_review_app_with_standard_input_closed_says_why_and_exits_2(home: Path):
    result = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(0); sys.stdin = None; from mlcards.cli import main; sys.exit(main([]))"],
        capture_output=True,
        text=True,
        env=os.environ | {"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")},
        timeout=60,
    )
    assert result.returncode == 2 and "standard input (closed)" in result.stderr and "Traceback" not in result.stderr


def test_output_to_a_full_device_is_reported_with_a_non_zero_exit(home: Path):
    assert run(home, "status").returncode == 0
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "mlcards", "status", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=os.environ | {"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")},
            timeout=60,
        )
    assert result.returncode == 4
    assert "cannot write the output" in result.stderr and "Traceback" not in result.stderr


def test_export_leaves_an_existing_file_alone_without_force(home: Path, tmp_path: Path):
    package = tmp_path / "cards.apkg"
    package.write_bytes(b"my earlier package")
    refused = run(home, "export", "-o", str(package))
    assert refused.returncode == 1 and f"{package} exists and was left as it is; add --force" in refused.stderr
    assert package.read_bytes() == b"my earlier package"
    replaced = run(home, "export", "-o", str(package), "--force")
    assert replaced.returncode == 0 and package.read_bytes().startswith(b"PK")


def test_export_to_a_bare_extension_asks_for_a_name(home: Path, tmp_path: Path):
    result = run(home, "export", "-o", str(tmp_path / ".apkg"))
    assert result.returncode == 1 and "'.apkg' is only an extension; name the package, e.g. -o" in result.stderr.replace(
        str(tmp_path) + "/", ""
    )


def test_a_settings_file_saved_with_a_byte_order_mark_is_read(home: Path):
    config = home / "config" / "mlcards" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_bytes(b"\xef\xbb\xbfnew_cards_per_day = 5\n")
    result = run(home, "config")
    assert result.returncode == 0 and "new_cards_per_day = 5" in result.stdout


def test_a_yaml_merge_key_gets_its_own_message(home: Path, write_deck: WriteDeck):
    deck = write_deck(
        "defaults: &d\n  source: s\nid: d\nname: D\nsource: s\ncards:\n  - <<: *d\n    id: x\n    front: q\n    back: b\n"
    )
    result = run(home, "check", str(deck))
    assert result.returncode == 1
    assert f"{deck}:7:5: x: '<<' (a YAML merge key) is not supported in a card: each key must be written out" in result.stderr


def test_deck_accepts_any_case_and_a_unique_prefix_and_suggests_close_names(home: Path, tmp_path: Path):
    package = tmp_path / "one.apkg"
    exported = run(
        home, "export", "-o", str(package), "--deck", "margin"
    )  # the last level of ML::Face Recognition::Margin Losses
    assert exported.returncode == 0 and "1 deck(s)" in exported.stdout
    assert run(home, "export", "-o", str(tmp_path / "two.apkg"), "--deck", "ml::face recognition").returncode == 0
    ambiguous = run(home, "export", "-o", str(tmp_path / "x.apkg"), "--deck", "ml::f")
    assert ambiguous.returncode == 1 and "could be any of" in ambiguous.stderr and "'ML::Face Recognition'" in ambiguous.stderr
    typo = run(home, "review", "--deck", "ML::Fundamentels")
    assert typo.returncode == 1 and "no deck named 'ML::Fundamentels'; did you mean 'ML::Fundamentals'" in typo.stderr


def test_tags_lists_every_tag_with_its_card_count(home: Path):
    listed = run(home, "tags", "--json")
    assert listed.returncode == 0
    tags = {entry["tag"]: entry["cards"] for entry in json.loads(listed.stdout)}
    assert tags["algorithms"] >= 7 and tags["core"] >= 100
    counts = [entry["cards"] for entry in json.loads(listed.stdout)]
    assert counts == sorted(counts, reverse=True)
    assert "card(s)" in run(home, "tags").stdout


# --- review --extra-new / --ahead, in a real terminal (a pseudo-terminal the test reads) --------------

_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


class Terminal:
    """`mlcards ARGS` running in a 100x30 pseudo-terminal: what it draws is read as plain text."""

    def __init__(self, home: Path, *args: str) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.controller, device = pty.openpty()
        fcntl.ioctl(device, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("MLCARDS_", "XDG_"))} | {
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "HOME": str(home),
            "TERM": "xterm-256color",
        }
        # All three on the terminal: Textual draws on standard error.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlcards", *args], stdin=device, stdout=device, stderr=device, env=environment
        )
        os.close(device)
        self.seen = ""

    def wait_for(self, text: str, timeout: float = 120) -> None:
        import select
        import time

        deadline = time.monotonic() + timeout
        while text not in self.seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0 and self.process.poll() is None, f"never saw {text!r}; the screen showed:\n{self.seen[-2000:]}"
            if select.select([self.controller], [], [], min(remaining, 1))[0]:
                self.seen += _ESCAPE_SEQUENCE.sub("", os.read(self.controller, 65536).decode("utf-8", "replace"))

    def press(self, keys: str) -> None:
        os.write(self.controller, keys.encode())

    def quit(self) -> int:
        import select
        import time

        self.press("\x11")  # ctrl+q
        deadline = time.monotonic() + 60
        while self.process.poll() is None and time.monotonic() < deadline:  # read on, so its last writes never block
            if select.select([self.controller], [], [], 0.2)[0]:
                try:
                    self.seen += _ESCAPE_SEQUENCE.sub("", os.read(self.controller, 65536).decode("utf-8", "replace"))
                except OSError:  # the terminal closed with the process
                    break
        code = self.process.wait(timeout=10)
        os.close(self.controller)
        assert "Traceback" not in self.seen
        return code


def write_config(home: Path, text: str) -> None:
    config = home / "config" / "mlcards" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")


def test_review_extra_new_learns_that_many_new_prompts_beyond_todays_limit(home: Path):
    write_config(home, "new_cards_per_day = 0\n")
    terminal = Terminal(home, "review", "--extra-new", "3")
    terminal.wait_for("new · 3 left")
    terminal.press(" ")
    terminal.wait_for("3 Good")
    terminal.press("3")
    terminal.wait_for("new · 2 left")
    assert terminal.quit() == 0
    assert [row["kind"] for row in rows(default_db(home), "SELECT kind FROM review_log")] == ["new"]


def test_review_ahead_reviews_what_comes_due_in_the_next_days(home: Path):
    from datetime import datetime

    from mlcards.collection import open_collection
    from mlcards.review import Answer, ReviewSession

    write_config(home, "new_cards_per_day = 2\n")
    assert run(home, "status").returncode == 0  # creates the database with the shipped decks
    collection = open_collection(default_db(home), home / "config" / "mlcards" / "config.toml")
    now = datetime.now().astimezone()
    session = ReviewSession(collection.database, collection.settings, now)
    while session.current is not None:
        session.answer(Answer.GOOD, now)  # two new prompts, due tomorrow
    collection.close()
    terminal = Terminal(home, "review", "--ahead", "3")
    terminal.wait_for("review · 2 left")
    assert terminal.quit() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--extra-new", "0"], "argument --extra-new: '0' is not a whole number from 1 to 1000"),
        (["--extra-new", "ten"], "argument --extra-new: 'ten' is not a whole number from 1 to 1000"),
        (["--ahead", "400"], "argument --ahead: '400' is not a whole number from 1 to 365"),
        (["--cram", "--ahead", "3"], "--extra-new and --ahead go with a normal review"),
    ],
)
def test_review_extra_new_and_ahead_refuse_what_they_cannot_do(home: Path, arguments: list[str], message: str):
    result = run(home, "review", *arguments)
    assert result.returncode == 2
    assert message in result.stderr


def test_the_no_terminal_message_lists_every_command_but_review():
    from mlcards.cli import WITHOUT_TERMINAL, build_parser

    commands = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    listed = set(WITHOUT_TERMINAL.replace(" and ", ", ").split(", "))
    assert listed == set(commands.choices) - {"review"}


def test_arguments_argparse_rejects_are_echoed_with_control_characters_spelled_out(home: Path):
    result = run(home, "status", "\x1b]52;c;aGk=\x07")
    assert result.returncode == 2
    assert "unrecognized arguments: ⟨U+001B⟩]52;c;aGk=⟨U+0007⟩" in result.stderr and "\x1b" not in result.stderr


def test_paths_given_on_the_command_line_are_echoed_with_control_characters_spelled_out(home: Path):
    result = run(home, "remove", "deck\x1b[2J.yaml")
    assert result.returncode == 1
    assert "deck⟨U+001B⟩[2J.yaml is not registered" in result.stderr and "\x1b" not in result.stderr


def test_a_database_path_with_control_characters_is_named_spelled_out_when_it_cannot_be_used(home: Path):
    not_a_folder = home / "no\x1b[2Jdir"
    not_a_folder.parent.mkdir(parents=True)
    not_a_folder.write_text("a file, where the database's folder should be")
    result = run(home, "--db", str(not_a_folder / "x.sqlite3"), "status")
    assert result.returncode == 3
    assert "no⟨U+001B⟩[2Jdir" in result.stderr and "\x1b" not in result.stderr
