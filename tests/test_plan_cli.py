"""`mlcards plan` and the plan in `mlcards status`, in process on a real database and settings file."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest

from mlcards.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE, EXIT_USAGE, main
from mlcards.planning.plan import sibling_days
from mlcards.store.plan import most_unseen_on_one_card


class Run:
    def __init__(self, folder: Path) -> None:
        self.database = folder / "mlcards.sqlite3"
        self.config = folder / "config.toml"

    def __call__(self, *arguments: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        try:
            code = main(["--db", str(self.database), "--config", str(self.config), *arguments], out, err)
        except SystemExit as stop:  # argparse refusing a value
            code = int(stop.code or 0)
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the shipped decks synced once for the module (each test copies it)."""
    folder = tmp_path_factory.mktemp("synced")
    assert Run(folder)("status")[0] == EXIT_OK
    return folder


@pytest.fixture
def run(synced: Path, tmp_path: Path) -> Run:
    for name in ("mlcards.sqlite3",):
        shutil.copy(synced / name, tmp_path / name)
    return Run(tmp_path)


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_plan_interview_saves_the_date_and_prints_the_plan(run: Run):
    code, out, err = run("plan", "--interview", in_days(60))
    assert code == EXIT_OK, err
    assert f"interview_date = {in_days(60)}" in run.config.read_text()
    assert "day(s) left, readiness 0%" in out
    assert f"so all {json.loads(run('status', '--json')[1])['interview']['unseen']} unseen are first seen by {in_days(53)}" in out
    assert "Workload, next 30 days (simulated under SM-2)" in out
    assert "Core::Probability and Statistics" in out


def test_plan_clear_removes_the_date_and_keeps_the_other_settings(run: Run):
    run.config.write_text("# mine\nnew_cards_per_day = 15  # fewer\n", encoding="utf-8")
    assert run("plan", "--interview", in_days(30), "--first-seen-days", "10")[0] == EXIT_OK
    assert "first_seen_days_before = 10" in run.config.read_text()
    code, out, _ = run("plan", "--clear")
    assert code == EXIT_OK
    assert "Interview date cleared: 15 new prompts a day again" in out
    assert run.config.read_text() == "# mine\nnew_cards_per_day = 15  # fewer\nfirst_seen_days_before = 10\n"
    assert json.loads(run("status", "--json")[1])["interview"] is None


@pytest.mark.parametrize(("given", "expected"), [(-1, "is in the past"), (0, "is today"), (4000, "more than ten years away")])
def test_a_date_not_ahead_is_refused_and_nothing_is_saved(run: Run, given: int, expected: str):
    code, _, err = run("plan", "--interview", in_days(given))
    assert code == EXIT_PROBLEMS
    assert expected in err and "YYYY-MM-DD" in err
    assert not run.config.exists()


@pytest.mark.parametrize("given", ["2027-13-01", "next friday", "15/01/2027"])
def test_something_not_a_date_is_a_usage_error_naming_the_format(run: Run, given: str, capsys: pytest.CaptureFixture[str]):
    code, _, _ = run("plan", "--interview", given)
    assert code == EXIT_USAGE
    assert f"'{given}' is not a date; write YYYY-MM-DD" in capsys.readouterr().err
    assert not run.config.exists()


def test_control_characters_in_a_date_are_spelled_out_not_echoed(run: Run, capsys: pytest.CaptureFixture[str]):
    code, _, _ = run("plan", "--interview", "2027-01-15\x1b[31mX")
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "'2027-01-15⟨U+001B⟩[31mX' is not a date; write YYYY-MM-DD" in err and "\x1b" not in err


def test_a_bad_date_in_the_settings_file_names_the_file_and_the_fix(run: Run):
    run.config.write_text('interview_date = "soon"\n', encoding="utf-8")
    code, _, err = run("status")
    assert code == EXIT_UNUSABLE
    assert str(run.config) in err and "'interview_date' must be a date written YYYY-MM-DD" in err and "plan --clear" in err


def test_status_json_carries_the_scheduler_and_the_whole_interview_object(run: Run):
    assert json.loads(run("status", "--json")[1])["scheduler"] == "sm2"
    run("plan", "--interview", in_days(90))
    status = json.loads(run("status", "--json")[1])
    interview = status["interview"]
    assert set(interview) == {
        "left_out", "date", "days_left", "passed", "readiness", "readiness_by_deck", "unseen", "first_seen_days_before",
        "first_seen_by", "seen_by", "new_per_day", "budget", "budget_ok", "sustainable_new_per_day", "shortfall", "cuts", "forecast",
    }  # fmt: skip
    assert (interview["date"], interview["days_left"], interview["first_seen_by"]) == (in_days(90), 90, in_days(83))
    assert interview["unseen"] == status["totals"]["new"]
    # Spread evenly over the 84 days up to the deadline, less a day for each later prompt of the card with most.
    with closing(sqlite3.connect(run.database)) as connection:
        spacing = sibling_days(most_unseen_on_one_card(connection))
    assert interview["new_per_day"] == -(-interview["unseen"] // (84 - spacing))
    assert 0 <= interview["readiness"] <= 1 and interview["budget_ok"] is True and interview["cuts"] == []
    by_deck = {entry["deck"]: entry for entry in interview["readiness_by_deck"]}
    assert by_deck["Core::Probability and Statistics"]["seen"] == 0
    assert [day["day"] for day in interview["forecast"]] == [in_days(day) for day in range(30)]
    assert interview["forecast"][0]["new"] == interview["new_per_day"]


def test_status_prints_the_plan_under_the_counts(run: Run):
    run("plan", "--interview", in_days(20))
    code, out, _ = run("status")
    assert code == EXIT_OK
    counts, plan = out.split("\nInterview ", 1)
    assert "All decks" in counts and "20 day(s) left" in plan and "Readiness by deck:" in plan


def test_a_plan_over_the_review_budget_says_so_with_the_numbers_and_what_could_be_cut(run: Run):
    run.config.write_text("reviews_per_day = 60\n", encoding="utf-8")
    code, out, _ = run("plan", "--interview", in_days(30))
    assert code == EXIT_OK
    interview = json.loads(run("status", "--json")[1])["interview"]
    assert interview["budget_ok"] is False and interview["budget"] == 60
    assert 0 < interview["sustainable_new_per_day"] < interview["new_per_day"]
    assert interview["shortfall"] == interview["unseen"] - interview["sustainable_new_per_day"] * 24
    assert interview["cuts"]  # which ones: tests/planning/test_plan.py
    assert (
        f"Over budget: seeing all {interview['unseen']} unseen prompts by {in_days(23)} takes {interview['new_per_day']} new a day, "
        f"but your reviews leave room for about {interview['sustainable_new_per_day']} a day within reviews_per_day = 60: "
        f"about {interview['shortfall']} would still be unseen then." in out
    )
    first = interview["cuts"][0]
    assert f"Could be cut: {first['kind']} '{first['name']}' ({first['unseen']} unseen)" in out
    assert "e.g. mlcards plan --leave-out " in out
    # The days the budget is short take fewer new prompts, never more than it leaves room for.
    assert all(day["reviews"] + day["new"] <= 60 or day["new"] == 0 for day in interview["forecast"])


def test_the_date_is_written_above_a_settings_table_so_it_stays_a_top_level_setting(run: Run):
    run.config.write_text('theme = "light"\n\n[sync]\nurl = "http://localhost:8080/"\n', encoding="utf-8")
    assert run("plan", "--interview", in_days(40))[0] == EXIT_OK
    assert (
        run.config.read_text() == f'theme = "light"\n\ninterview_date = {in_days(40)}\n[sync]\nurl = "http://localhost:8080/"\n'
    )
    assert json.loads(run("status", "--json")[1])["interview"]["date"] == in_days(40)


def test_leaving_decks_and_tags_out_takes_their_prompts_out_of_the_plan(run: Run):
    whole = json.loads(run("plan", "--interview", in_days(60)) and run("status", "--json")[1])
    code, out, err = run("plan", "--leave-out", "core", "--leave-out", "tag:gan")
    assert code == EXIT_OK, err
    assert 'interview_leave_out = ["Core", "tag:gan"]' in run.config.read_text()
    assert "Left out of the plan: Core, tag:gan (mlcards plan --leave-out-none brings them back)" in out
    status = json.loads(run("status", "--json")[1])
    interview = status["interview"]
    assert interview["left_out"] == ["Core", "tag:gan"]
    assert not any(entry["deck"].startswith("Core::") for entry in interview["readiness_by_deck"])
    core = sum(deck["new"] for deck in status["decks"] if deck["name"].startswith("Core::"))
    assert 0 < interview["unseen"] < whole["interview"]["unseen"] - core  # Core's prompts and then the gan-tagged ones
    assert run("plan", "--leave-out-none")[0] == EXIT_OK
    assert "interview_leave_out" not in run.config.read_text()
    assert json.loads(run("status", "--json")[1])["interview"]["unseen"] == whole["interview"]["unseen"]


@pytest.mark.parametrize(
    ("given", "expected"), [("no-such-deck", "no deck named 'no-such-deck'"), ("tag:nope", "no card has the tag 'nope'")]
)
def test_leaving_out_what_does_not_exist_is_refused(run: Run, given: str, expected: str):
    code, _, err = run("plan", "--interview", in_days(60), "--leave-out", given)
    assert code == EXIT_PROBLEMS and expected in err
    assert not run.config.exists()  # nothing saved, the date neither


def test_status_shows_the_workload_forecast_without_a_date_too(run: Run):
    code, out, _ = run("status")
    assert code == EXIT_OK and "Workload, next 30 days (simulated under SM-2)" in out
    status = json.loads(run("status", "--json")[1])
    assert status["interview"] is None
    assert [day["new"] for day in status["forecast"]][:3] == [20, 20, 20]  # new_cards_per_day while unseen prompts last


def test_a_date_that_has_passed_claims_no_readiness_and_no_shortfall(run: Run):
    run.config.write_text(f"interview_date = {in_days(-3)}\n", encoding="utf-8")
    code, out, _ = run("status")
    assert code == EXIT_OK and f"Interview {in_days(-3)} has passed." in out and "readiness" not in out.lower()
    interview = json.loads(run("status", "--json")[1])["interview"]
    assert (interview["readiness"], interview["readiness_by_deck"], interview["shortfall"], interview["budget_ok"]) == (
        None,
        [],
        0,
        True,
    )


def test_a_date_closer_than_first_seen_days_before_plans_to_its_eve_and_says_so(run: Run):
    code, out, _ = run("plan", "--interview", in_days(5))
    assert code == EXIT_OK
    assert f"The first-seen deadline ({in_days(-2)}, 7 days before) has passed" in out
    assert in_days(-2) not in out.split("has passed", 1)[1]  # no budget line aims at a day already gone
    assert json.loads(run("status", "--json")[1])["interview"]["seen_by"] == in_days(4)


def test_plan_settings_saved_without_a_date_are_named_with_when_they_apply(run: Run):
    code, out, err = run("plan", "--first-seen-days", "3", "--leave-out", "ML")
    assert code == EXIT_OK, err
    assert 'first_seen_days_before = 3\ninterview_leave_out = ["ML"]\n' in run.config.read_text()
    assert out == (
        'Saved first_seen_days_before = 3 and interview_leave_out = ["ML"]; they apply once an interview date is set: '
        "mlcards plan --interview YYYY-MM-DD\n"
    )


def test_clearing_the_date_with_another_plan_setting_says_both(run: Run):
    assert run("plan", "--interview", in_days(30))[0] == EXIT_OK
    code, out, _ = run("plan", "--clear", "--first-seen-days", "5")
    assert code == EXIT_OK
    assert "Interview date cleared" in out
    assert "Saved first_seen_days_before = 5; it applies once an interview date is set" in out


def test_plan_without_a_date_or_a_setting_says_how_to_set_one(run: Run):
    assert run("plan") == (EXIT_OK, "No interview date set. Plan for one with: mlcards plan --interview YYYY-MM-DD\n", "")


def test_a_first_seen_deadline_one_day_before_reads_1_day(run: Run):
    code, out, _ = run("plan", "--interview", in_days(30), "--first-seen-days", "1")
    assert code == EXIT_OK
    assert f"first seen by {in_days(29)} (1 day before)." in out


STALE_ENTRIES = (
    'interview_leave_out = ["Core", "nope", "tag:nothing"]\nnew_deck_priority = ["nope", "core::probability and statistics"]\n'
)


def test_status_marks_left_out_entries_that_match_nothing_and_notes_priority_ones(run: Run):
    run.config.write_text(STALE_ENTRIES + f"interview_date = {in_days(60)}\n", encoding="utf-8")
    code, out, err = run("status")
    assert code == EXIT_OK, err
    assert (
        "Left out of the plan: Core, nope (matches no deck), tag:nothing (matches no tag) "
        "(mlcards plan --leave-out-none brings them back)" in out
    )
    assert err == (
        "mlcards: note: new_deck_priority in the settings: nope (matches no deck); kept as written, in case a deck file "
        "brings it back ('mlcards decks' and 'mlcards tags' list what there is)\n"
    )  # the priority entry given in another case matches its deck; the left-out ones are marked in the plan, not again


def test_status_json_and_plan_without_a_date_note_every_entry_that_matches_nothing(run: Run):
    run.config.write_text(STALE_ENTRIES, encoding="utf-8")
    for arguments in (("status", "--json"), ("plan",), ("config",)):
        code, _, err = run(*arguments)
        assert code == EXIT_OK, err
        notes = err.splitlines()
        assert len(notes) == 2, arguments
        assert notes[0].startswith(
            "mlcards: note: interview_leave_out in the settings: nope (matches no deck), tag:nothing (matches no tag); "
            "kept as written, in case a deck file brings them back"
        )
        assert notes[1].startswith("mlcards: note: new_deck_priority in the settings: nope (matches no deck);")
    assert json.loads(run("status", "--json")[1])["interview"] is None  # notes go to standard error: the JSON stays whole


def test_settings_whose_entries_all_match_bring_no_note(run: Run):
    run.config.write_text('interview_leave_out = ["Core", "tag:gan"]\nnew_deck_priority = ["ml"]\n', encoding="utf-8")
    for arguments in (("status",), ("plan",), ("config",)):
        assert run(*arguments)[2] == ""
