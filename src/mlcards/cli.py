"""Command-line entry point: argument parsing and wiring only."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from mlcards import __version__
from mlcards.collection import Collection, open_collection
from mlcards.config import TEMPLATE, ConfigError, load_settings, save_plan_settings
from mlcards.decks.problems import Problem
from mlcards.decktree import build_tree
from mlcards.domain import choose_deck
from mlcards.paths import default_config_path, default_database_path
from mlcards.plan_report import forecast_json, plan_json, plan_lines, workload_lines
from mlcards.planning.plan import interview_date_problem
from mlcards.store.backup import (
    backup_dir,
    create_backup,
    daily_backup,
    list_backups,
    newest_backup_hint,
    remove_leftovers,
    restorable_backups,
    restore_backup,
)
from mlcards.store.counts import answered_on, deck_counts, deck_list, streak, tag_counts
from mlcards.store.errors import DatabaseDamaged, DatabaseError, explain
from mlcards.store.filters import selected_deck_ids, tag_in_use
from mlcards.store.history import LOG_COLUMNS, log_rows
from mlcards.store.registry import registered_paths
from mlcards.store.sync import SyncReport
from mlcards.study_plan import interview_plan, workload
from mlcards.unmatched import LEAVE_OUT, Unmatched, note, unmatched_entries
from mlcards.visible import visible, visible_line
from mlcards.wording import counted

if TYPE_CHECKING:
    from mlcards.scheduling.fitting import TrainingLog  # the Rust optimizer loads only when `optimize` runs

EXIT_OK = 0
EXIT_PROBLEMS = 1  # bad deck input: every problem was printed, nothing was written
EXIT_USAGE = 2  # bad command-line usage, or the review app started without a terminal
EXIT_UNUSABLE = 3  # the database or settings file cannot be used as it is (or a change could not be saved)
EXIT_OUTPUT = 4  # the work was done but its output could not be written (e.g. a full disk behind stdout)
EXIT_DONE_WITH_WARNINGS = 5  # the command did its work, on the last good version of deck files that now have problems
EXIT_SYNC_FAILED = 6  # the sync with Anki stopped (server down, refused, full sync asked for); the message says what was kept
# Every command but review (and the bare `mlcards`): kept in step with build_parser by a test.
WITHOUT_TERMINAL = "status, plan, decks, tags, check, add, remove, fork, rename, log, rebuild, optimize, export, sync, backup, restore and config"
MOST_FIRST_SEEN_DAYS = 365


class _Parser(argparse.ArgumentParser):
    """argparse, with what it echoes of the command line made safe to print: its own messages
    quote some values raw ("unrecognized arguments: ..."), and subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        super().error(visible(message))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlcards",
        description="Spaced-repetition flashcards for machine-learning interviews. With no command: today's review.",
    )
    parser.add_argument("--version", action="version", version=f"mlcards {__version__}")
    _add_location_options(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    status = commands.add_parser(
        "status", help="unseen, learning, due, total and suspended prompts per deck, and what a review now shows"
    )
    status.add_argument("--json", action="store_true", help="print machine-readable JSON")

    check = commands.add_parser("check", help="validate deck files without writing anything")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="deck files or folders")

    add = commands.add_parser("add", help="register your own deck files or folders and sync them")
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="deck files or folders")

    fork = commands.add_parser(
        "fork", help="copy a shipped deck into your folder to edit it; your copy replaces it and keeps its history"
    )
    fork.add_argument("deck", help="the shipped deck's id or name")
    fork.add_argument("--to", type=Path, default=Path("."), metavar="FOLDER", help="where to put the copy (default: here)")
    fork.add_argument("--force", action="store_true", help="overwrite a file of the same name there")

    rename = commands.add_parser("rename", help="rename a card in its YAML file and keep its answers")
    rename.add_argument("old", metavar="DECK-ID/CARD-ID", help="the card as it is now")
    rename.add_argument("new", metavar="NEW-CARD-ID", help="its new id (same deck)")

    remove = commands.add_parser("remove", help="stop syncing registered paths (their review history is kept)")
    remove.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    tags = commands.add_parser("tags", help="list tags with the number of cards that carry each")
    tags.add_argument("--json", action="store_true", help="print machine-readable JSON")

    decks = commands.add_parser("decks", help="list decks with their ids, card counts and files")
    decks.add_argument("--json", action="store_true", help="print machine-readable JSON")

    review = commands.add_parser("review", help="review in the terminal UI (the default command)")
    review.add_argument("--deck", help="only this deck and its subdecks: a name or id, any case, or a unique prefix")
    review.add_argument("--tag", action="append", default=[], help="only cards with this tag (repeatable)")
    review.add_argument("--cram", action="store_true", help="review regardless of due dates; the schedule is not touched")
    review.add_argument(
        "--extra-new",
        type=_whole_number(1, 1_000),
        default=0,
        metavar="N",
        help="also learn N new prompts beyond today's (new_cards_per_day, or the interview plan's quota); real answers, counted as today's new prompts",
    )
    review.add_argument(
        "--ahead",
        type=_whole_number(1, 365),
        default=0,
        metavar="DAYS",
        help="also review prompts due in the next DAYS days, earliest first (at most reviews_per_day of them)",
    )

    export = commands.add_parser("export", help="write an Anki package (.apkg); re-importing it updates notes in place")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.apkg", help="the package to write")
    export.add_argument("--deck", help="only this deck (name or id) and its subdecks")
    export.add_argument("--tag", action="append", default=[], help="only cards with this tag (repeatable)")
    export.add_argument(
        "--with-progress", action="store_true", help="carry due dates, intervals, ease and review history into Anki"
    )
    export.add_argument("--force", action="store_true", help="replace FILE.apkg if it exists")

    anki_sync = commands.add_parser(
        "sync", help="sync decks and review history with an Anki sync server ([sync] in config.toml; needs mlcards[anki])"
    )
    full = anki_sync.add_mutually_exclusive_group()
    full.add_argument(
        "--full-download",
        action="store_true",
        help="when the server asks for a full sync: keep the server's collection (mlcards' answers are sent again)",
    )
    full.add_argument(
        "--full-upload",
        action="store_true",
        help="when the server asks for a full sync: replace it with mlcards' (answers only on the server are lost)",
    )

    commands.add_parser("backup", help="back up the database now (a daily backup is also made automatically)")
    restore = commands.add_parser(
        "restore", help="list backups, or replace the database with one (the current file is kept aside)"
    )
    restore.add_argument("backup", nargs="?", help="a backup file, or 'latest'; omit to list the backups")

    log = commands.add_parser("log", help="write the review log, one row per answer (CSV, or JSON lines)")
    log.add_argument("--deck", help="only this deck (name or id) and its subdecks")
    log.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only answers from this study day on")
    log_format = log.add_mutually_exclusive_group()
    log_format.add_argument(
        "--csv", action="store_const", const="csv", dest="format", help="comma-separated, with a header (default)"
    )
    log_format.add_argument("--json", action="store_const", const="json", dest="format", help="one JSON object per line")

    commands.add_parser(
        "rebuild", help="recompute every prompt's schedule from the review log (the log is the truth; the schedule a cache)"
    )

    plan = commands.add_parser(
        "plan", help="study to an interview date: readiness, new prompts a day, a 30-day workload forecast"
    )
    plan_date = plan.add_mutually_exclusive_group()
    plan_date.add_argument("--interview", type=_day, metavar="YYYY-MM-DD", help="set the interview date (saved in config.toml)")
    plan_date.add_argument("--clear", action="store_true", help="remove the interview date: new_cards_per_day applies again")
    plan.add_argument(
        "--first-seen-days",
        type=_whole_number(1, MOST_FIRST_SEEN_DAYS),
        metavar="N",
        help="see every prompt for the first time at least N days before the date (default 7; saved)",
    )
    plan.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="DECK|tag:TAG",
        help="leave a deck (with its subdecks) or a tag's cards out of the plan: no new prompts from them (repeatable; saved)",
    )
    plan.add_argument("--leave-out-none", action="store_true", help="bring every left-out deck and tag back into the plan")
    optimize = commands.add_parser(
        "optimize", help="fit FSRS's parameters to your review log, compare them with the defaults, and keep them"
    )
    optimize.add_argument("--dry-run", action="store_true", help="fit and report, keep nothing")
    optimize.add_argument(
        "--deck",
        help="fit on the answers of this deck (name or id) and its subdecks only; the one set kept then schedules every deck",
    )

    config = commands.add_parser("config", help="show the settings and where they live")
    config.add_argument("--init", action="store_true", help="write a commented settings file if there is none")
    for command in commands.choices.values():  # so "mlcards status --db x" works as well as "mlcards --db x status"
        _add_location_options(command, default=argparse.SUPPRESS)
    return parser


def _add_location_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--db", type=Path, default=default, help="database file (default: $MLCARDS_DB or the user data dir)")
    parser.add_argument(
        "--config", type=Path, default=default, help="settings file (default: $MLCARDS_CONFIG or the user config dir)"
    )


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        code = _main(argv, out, err)
        out.flush()  # a write error in buffered output surfaces here, not silently at exit
        return code
    except BrokenPipeError:  # e.g. "mlcards status --json | head": the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        if out is not sys.stdout or sys.stdout is None:
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit-time flush cannot fail again
        print(f"mlcards: cannot write the output: {error.strerror or error}", file=err)
        return EXIT_OUTPUT


def _main(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "cram", False) and (args.extra_new or args.ahead):
        parser.error("--cram reviews everything without touching the schedule; --extra-new and --ahead go with a normal review")
    database_path: Path = args.db or default_database_path()
    config_path: Path = args.config or default_config_path()
    if args.command == "check":
        return _check(args.paths, database_path, config_path, out, err)
    if args.command == "config":
        return _config(config_path, database_path, args.init, out, err)
    if args.command == "restore":
        return _restore(database_path, args.backup, out, err)
    try:
        collection = open_collection(database_path, config_path)
    except ConfigError as error:
        print(f"mlcards: {visible(str(error))}", file=err)
        return EXIT_UNUSABLE
    except DatabaseError as error:
        return _report_database_error(error, database_path, err)
    try:
        return _run(collection, args, out, err)
    except DatabaseError as error:
        return _report_database_error(error, database_path, err)
    except sqlite3.Error as error:
        return _report_database_error(
            explain(error, database_path, f"running '{args.command or 'review'}' on"), database_path, err
        )
    finally:
        collection.close()


def _report_database_error(error: DatabaseError, database_path: Path, err: TextIO) -> int:
    """The cause, and a restore only where the file really is damaged (restore keeps it aside)."""
    print(f"mlcards: {visible(str(error))}", file=err)
    if isinstance(error, DatabaseDamaged):
        print(newest_backup_hint(database_path), file=err)
    return EXIT_UNUSABLE


def _run(collection: Collection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    now = datetime.now().astimezone()
    remove_leftovers(collection.database.path)
    if collection.rule_change is not None and collection.rule_change.answers:
        rule = "FSRS" if collection.settings.scheduler == "fsrs" else "SM-2"
        print(
            f"mlcards: the scheduling settings changed (or how this version of mlcards replays them): "
            f"{collection.rule_change.prompts} prompt(s) rescheduled under {rule} "
            f"from {collection.rule_change.answers} logged answer(s); the log itself is unchanged",
            file=err,
        )
    # Before anything can change the database today, keep a copy of it.
    daily_backup(collection.database.path, collection.today(now), now, collection.settings.backups_to_keep)
    if args.command == "backup":
        print(f"Backed up to {_shown(create_backup(collection.database.path, now))}", file=out)
        return EXIT_OK
    if args.command == "log":
        return _print_log(collection, args, out, err)
    if args.command == "optimize":
        return _optimize(collection, args, now, out, err)
    if args.command == "rebuild":
        rebuilt = collection.rebuild()
        print(
            f"Replayed {rebuilt.answers} answer(s) of {rebuilt.prompts} prompt(s); "
            f"{rebuilt.changed} schedule(s) differed from the replay and were rewritten.",
            file=out,
        )
        return EXIT_OK
    if args.command == "add":
        report, problems = collection.add(args.paths, now)
        if problems:
            return _report_problems(problems, err)
        print(
            f"Added {', '.join(_shown(path) for path in args.paths)}: {report.decks_synced} deck(s) synced, "
            f"{report.cards_added} new card(s), {report.cards_updated} updated, {report.cards_restored} restored.",
            file=out,
        )
        _print_history_notes(report, err)
        return EXIT_OK
    if args.command == "fork":
        target, report, problems = collection.fork(args.deck, args.to, now, replace=args.force)
        if problems:
            return _report_problems(problems, err)
        print(
            f"Forked into {_shown(target)}: edit it freely; it replaces the shipped deck and keeps its history "
            f"({report.cards_added} new card(s)). 'mlcards remove {_shown(target)}' brings the shipped deck back.",
            file=out,
        )
        return EXIT_OK
    if args.command == "rename":
        collection.sync()
        if problems := collection.rename(args.old, args.new):
            return _report_problems(problems, err)
        deck_id = args.old.partition("/")[0]
        print(
            f"Renamed {visible_line(args.old)} to {visible_line(deck_id)}/{visible_line(args.new)} in its deck file; its answers stay with it.",
            file=out,
        )
        return EXIT_OK
    if args.command == "remove":
        registered = set(registered_paths(collection.database))
        strangers = [path for path in args.paths if path.expanduser().resolve() not in registered]
        if strangers:
            for path in strangers:
                print(f"mlcards: {_shown(path)} is not registered (only paths given to 'mlcards add' can be removed)", file=err)
            return EXIT_PROBLEMS
        removed, report = collection.remove(args.paths)
        print(f"Stopped syncing {removed} path(s); {report.cards_removed} card(s) hidden, their history kept.", file=out)
        return _report_problems(report.problems, err) if report.problems else EXIT_OK

    report = collection.sync()
    _print_history_notes(report, err)
    if getattr(args, "deck", None) is not None and args.command in (None, "review", "export"):
        chosen = _choose_deck(collection, args.deck, err)
        if chosen is None:
            return EXIT_PROBLEMS
        args.deck = chosen
    if args.command == "plan":
        return _plan(collection, args, now, out, err)
    if args.command == "tags":
        _print_tags(collection, args.json, out)
    elif args.command == "decks":
        _print_decks(collection, args.json, out)
    elif args.command == "export":
        if (exported := _export(collection, args, now, out, err)) != EXIT_OK:
            return exported
    elif args.command == "sync":
        if (synced := _anki_sync(collection, args, now, out, err)) != EXIT_OK:
            return synced
    elif args.command == "review" or args.command is None:
        deck = getattr(args, "deck", None)
        unknown_tags = [tag for tag in getattr(args, "tag", ()) if not tag_in_use(collection.database.connection, tag)]
        if unknown_tags:
            print(
                f"mlcards: no card has the tag '{visible_line(unknown_tags[0])}' — tags are matched exactly, as written in the YAML",
                file=err,
            )
            return EXIT_PROBLEMS
        if not _has_terminal():
            print(
                f"mlcards: the review app needs a terminal, and {_which_stream_is_not_one()} is not one; "
                f"without a terminal these commands work: {WITHOUT_TERMINAL}",
                file=err,
            )
            return EXIT_USAGE
        from mlcards.tui.launch import run_review  # imported late: Textual is only needed here

        exit_code = run_review(
            collection,
            deck=deck,
            tags=tuple(getattr(args, "tag", ())),
            cram=getattr(args, "cram", False),
            sync_problems=report.problems,
            extra_new=getattr(args, "extra_new", 0),
            ahead_days=getattr(args, "ahead", 0),
        )
        if exit_code != EXIT_OK:
            return exit_code
    else:
        _print_status(collection, now, args.json, out, err)
    if report.problems:
        print(
            f"\nmlcards {args.command or 'review'} is done, with warnings: it ran on the last good version of these deck files:",
            file=err,
        )
        _report_problems(report.problems, err, "fix them and the next command picks them up")
        return EXIT_DONE_WITH_WARNINGS
    return EXIT_OK


def _confirm(question: str, out: TextIO) -> bool:
    """Ask yes/no on the terminal; without one the answer is no (scripts pass --force)."""
    if not _has_terminal():
        return False
    print(f"{question} [y/N] ", end="", file=out, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _whole_number(least: int, most: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [least, most], else a message saying so."""

    def parse(text: str) -> int:
        if not text.strip().isdigit() or not least <= int(text) <= most:
            raise argparse.ArgumentTypeError(f"'{visible_line(text)}' is not a whole number from {least} to {most}")
        return int(text)

    return parse


def _shown(path: Path) -> str:
    """A path from the command line or the file system, safe to print on one line."""
    return visible_line(str(path))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{visible_line(text)}' is not a date; write YYYY-MM-DD") from error


def _print_log(collection: Collection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    deck_ids = None
    if args.deck is not None:
        chosen = _choose_deck(collection, args.deck, err)
        if chosen is None:
            return EXIT_PROBLEMS
        deck_ids = selected_deck_ids(collection.database.connection, chosen)
    found = log_rows(collection.database.connection, deck_ids, args.since)
    if args.format == "json":
        for row in found:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return EXIT_OK
    writer = csv.DictWriter(out, fieldnames=LOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(found)
    return EXIT_OK


def _optimize(collection: Collection, args: argparse.Namespace, now: datetime, out: TextIO, err: TextIO) -> int:
    from mlcards.config import save_fsrs_parameters
    from mlcards.scheduling import fitting  # imported late: the Rust optimizer loads only here
    from mlcards.store.history import answers_for_fitting

    deck_ids, scope = None, ""
    if args.deck is not None:
        chosen = _choose_deck(collection, args.deck, err)
        if chosen is None:
            return EXIT_PROBLEMS
        deck_ids, scope = selected_deck_ids(collection.database.connection, chosen), f" in {visible_line(chosen)}"
    log = fitting.training_log(answers_for_fitting(collection.database.connection, deck_ids))
    read = f"{log.answers:,} answer(s) to {log.prompts:,} prompt(s){scope}"
    if log.reviews_needed:
        print(f"mlcards: too few reviews to fit FSRS yet: {_too_few(log, fitting.MINIMUM_ITEMS)}; nothing was saved.", file=err)
        return EXIT_PROBLEMS
    in_use = collection.settings.fsrs_parameters
    report = fitting.fit_and_compare(log, in_use)
    print(
        f"Read {read}; FSRS predicts {len(log.items):,} of them (those given a day or more after the prompt's previous answer).",
        file=out,
    )
    print(f"\n{'parameters':<24}{'log loss':>10}{'RMSE (bins)':>13}", file=out)
    rows = [("FSRS defaults", report.default), ("in your settings", report.in_use), ("fitted", report.fitted)]
    for label, measured in rows:
        if measured is not None:
            print(f"{label:<24}{measured.log_loss:>10.4f}{measured.rmse_bins:>13.2%}", file=out)
    print(
        "Lower is better: log loss scores each predicted recall against what happened (recent answers count more); "
        "RMSE (bins) compares predicted and actual recall rates per group of similar reviews.\n",
        file=out,
    )
    if args.dry_run:
        print("--dry-run: nothing was saved.", file=out)
        return EXIT_OK
    if not report.improves:
        kept = "The parameters in your settings" if in_use is not None else "FSRS's defaults"
        print(f"{kept} predict this log at least as well as the fitted ones; nothing was saved.", file=out)
        return EXIT_OK
    note = (
        f"fitted by 'mlcards optimize' on {now.date().isoformat()} to {read}: log loss {report.fitted.log_loss:.4f} "
        f"(defaults {report.default.log_loss:.4f}), RMSE {report.fitted.rmse_bins:.2%} (defaults {report.default.rmse_bins:.2%})"
    )
    config_path = collection.config_path or default_config_path()
    try:
        save_fsrs_parameters(config_path, report.parameters, note)
    except ValueError as error:  # fsrs-rs clips to the ranges py-fsrs accepts, so this would be a disagreement between them
        print(f"mlcards: the fitted parameters cannot be kept: {error}; nothing was saved", file=err)
        return EXIT_PROBLEMS
    except ConfigError as error:
        print(f"mlcards: {visible(str(error))}", file=err)
        return EXIT_UNUSABLE
    except OSError as error:
        print(
            f"mlcards: cannot save the parameters to {_shown(config_path)}: {error.strerror or error}; nothing was changed",
            file=err,
        )
        return EXIT_UNUSABLE
    print(f"Saved the fitted parameters to {_shown(config_path)} as fsrs_parameters.", file=out)
    collection.settings = replace(collection.settings, fsrs_parameters=report.parameters)
    replayed = collection.follow_configured_rule()  # FSRS's memory of every prompt, under either rule, now with them
    if collection.settings.scheduler == "fsrs" and replayed is not None:
        print(f"FSRS now schedules with them: {replayed.prompts:,} prompt(s) rescheduled from the log.", file=out)
    elif collection.settings.scheduler == "fsrs":
        print("FSRS already scheduled with these parameters.", file=out)
    else:
        print('FSRS schedules with them once scheduler = "fsrs" (SM-2 schedules now).', file=out)
    return EXIT_OK


def _too_few(log: TrainingLog, minimum: int) -> str:
    """Why the log cannot be fitted yet, with the number of reviews still needed."""
    wanted = f"it learns from answers given a day or more after the prompt's previous one and needs {minimum:,}"
    have = f"the log has {len(log.items):,} of {log.answers:,} answer(s)" if log.answers else "the log has no answers yet"
    if log.learnable < len(log.items):
        have += f", {log.learnable:,} of them left after FSRS sets aside outliers (rare pairs of first grade and first interval)"
    if log.learnable >= minimum:  # enough of them, but each is its prompt's first review on a later day
        return f"{wanted}, some of them a prompt's second such review; {have}, none of them one. 1 more review needed"
    return f"{wanted}; {have}. {log.reviews_needed:,} more review(s) needed"


def _choose_deck(collection: Collection, wanted: str, err: TextIO) -> str | None:
    """--deck as a person types it, or None after saying what it could mean."""
    choice = choose_deck(wanted, [(listing.deck_id, listing.name) for listing in deck_list(collection.database)])
    if choice.selector is not None:
        return choice.selector
    if choice.ambiguous:
        options = ", ".join(f"'{visible_line(option)}'" for option in choice.ambiguous)
        print(f"mlcards: '{visible_line(wanted)}' could be any of {options}; type more of the name or id", file=err)
    else:
        hint = f"; did you mean {' or '.join(repr(visible_line(s)) for s in choice.suggestions)}?" if choice.suggestions else ""
        print(f"mlcards: no deck named '{visible_line(wanted)}'{hint} — 'mlcards decks' lists deck names and ids", file=err)
    return None


def _print_tags(collection: Collection, as_json: bool, out: TextIO) -> None:
    counts = tag_counts(collection.database)
    if as_json:
        json.dump([{"tag": tag, "cards": cards} for tag, cards in counts], out, indent=2)
        out.write("\n")
        return
    width = max([len(tag) for tag, _ in counts] + [3])
    for tag, cards in counts:
        print(f"{visible_line(tag):<{width}}  {cards:>5} card(s)", file=out)


def _has_terminal() -> bool:
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def _which_stream_is_not_one() -> str:
    if sys.stdin is None:
        return "standard input (closed)"
    return "standard input" if not sys.stdin.isatty() else "standard output"


def _export(collection: Collection, args: argparse.Namespace, now: datetime, out: TextIO, err: TextIO) -> int:
    output: Path = args.output
    if output.name.lower() == ".apkg":
        print(
            f"mlcards: '{_shown(output)}' is only an extension; name the package, e.g. -o {_shown(output.with_name('mlcards.apkg'))}",
            file=err,
        )
        return EXIT_PROBLEMS
    if output.exists() and not output.is_dir() and not args.force and not _confirm(f"{_shown(output)} exists. Replace it?", out):
        print(f"mlcards: {_shown(output)} exists and was left as it is; add --force to replace it", file=err)
        return EXIT_PROBLEMS
    from mlcards.export import ExportError, export_anki_package  # imported late: genanki and Pygments load only here

    try:
        report = export_anki_package(
            collection.database,
            args.output,
            now,
            deck=args.deck,
            tags=tuple(args.tag),
            with_progress=args.with_progress,
            day_start_hour=collection.settings.day_start_hour,
            rule=collection.settings.rule(),
        )
    except ExportError as error:
        print(f"mlcards: {visible(str(error))}", file=err)
        return EXIT_PROBLEMS
    except OSError as error:
        print(f"mlcards: cannot write {_shown(args.output)}: {error.strerror or error}", file=err)
        return EXIT_PROBLEMS
    progress = f", {report.reviews} review(s) of history" if args.with_progress else ""
    print(
        f"Wrote {_shown(report.path)}: {report.decks} deck(s), {report.notes} card(s) as Anki notes, {report.cards} prompt(s) as Anki cards{progress}. "
        "In Anki: File > Import" + (" (tick 'Import any learning progress')." if args.with_progress else "."),
        file=out,
    )
    return EXIT_OK


def _anki_sync(collection: Collection, args: argparse.Namespace, now: datetime, out: TextIO, err: TextIO) -> int:
    from mlcards.ankisync.faults import SyncFailed  # imported late: Anki's backend loads only for a sync
    from mlcards.ankisync.run import FullSync, sync_with_anki
    from mlcards.ankisync.summary import describe, describe_edited
    from mlcards.config import load_sync_settings

    try:
        sync_settings = load_sync_settings(collection.config_path or default_config_path())
    except ConfigError as error:
        print(f"mlcards: {visible(str(error))}", file=err)
        return EXIT_UNUSABLE
    full = FullSync.DOWNLOAD if args.full_download else FullSync.UPLOAD if args.full_upload else None
    try:
        report = sync_with_anki(collection.database, collection.settings, sync_settings, now, full=full)
    except SyncFailed as error:
        print(f"mlcards: {visible(str(error))}", file=err)
        return EXIT_SYNC_FAILED
    print(describe(report, sync_settings.url or ""), file=out)
    if (edited := describe_edited(report)) is not None:
        print(f"mlcards: note: {edited}", file=err)
    return EXIT_OK


def _check(paths: list[Path], database_path: Path, config_path: Path, out: TextIO, err: TextIO) -> int:
    from mlcards.decks.loader import load_paths  # the YAML loader is imported only by what reads YAML

    result = load_paths(paths)
    missing = [Problem(path, 1, 1, "file", "no such file or folder", "check the path") for path in paths if not path.exists()]
    if missing or result.problems:
        return _report_problems(missing + result.problems, err)
    if not result.decks:
        print("No deck files (.yaml, .yml) found.", file=err)
        return EXIT_PROBLEMS
    from mlcards.decks.lint import lint

    warnings = lint(result.decks)
    for warning in warnings:
        print(f"warning: {warning}", file=err)
    note = f", {len(warnings)} warning(s)" if warnings else ""
    print(f"OK: {len(result.decks)} deck(s), {result.card_count} card(s), no problems{note}.", file=out)
    if database_path.exists():  # what syncing these files would do to review history, before it happens
        try:
            collection = open_collection(database_path, config_path)
        except (DatabaseError, ConfigError):
            return EXIT_OK
        try:
            roots = collection.deck_roots()
            extra = [path.expanduser().resolve() for path in paths]
            _print_history_notes(collection.sync([*roots, *(p for p in extra if p not in roots)], dry_run=True), err, would=True)
        finally:
            collection.close()
    return EXIT_OK


def _print_history_notes(report: SyncReport, err: TextIO, would: bool = False) -> None:
    """What a sync did (or would do) with review history: carried over to a new id, or kept aside."""
    verb = "would carry" if would else "carried"
    for carried in report.carried_over:
        print(
            f"mlcards: {verb} the history of {visible_line(carried.old)} over to {visible_line(carried.new)} ({carried.how})",
            file=err,
        )
    for notice in report.notices:
        print(f"mlcards: note: {notice}", file=err)


def _report_problems(problems: list[Problem], err: TextIO, outcome: str = "nothing was written") -> int:
    for problem in problems:
        print(problem, file=err)
    files = len({problem.path for problem in problems})
    print(f"{len(problems)} problem(s) in {files} file(s); {outcome}.", file=err)
    return EXIT_PROBLEMS


def _print_status(collection: Collection, now: datetime, as_json: bool, out: TextIO, err: TextIO) -> None:
    today = collection.today(now)
    counts = deck_counts(collection.database, today)
    done, days = answered_on(collection.database, today), streak(collection.database, today)
    due_now, new_now = collection.review_now(now)
    plan = interview_plan(collection.database, collection.settings, now, today)
    work = plan.forecast if plan is not None else workload(collection.database, collection.settings, now, today)
    unmatched = _unmatched(collection)
    _note_unmatched(unmatched, err, shown_in_plan=plan is not None and not as_json)
    if as_json:
        payload = {
            "today": today.isoformat(),
            "scheduler": collection.settings.scheduler,
            "answered_today": done,
            "streak_days": days,
            "review_now": {"due": due_now, "new": new_now},  # what `mlcards review` shows now (daily limits applied)
            "decks": [
                {
                    "id": c.deck_id,
                    "name": c.name,
                    "new": c.new,
                    "learning": c.learning,
                    "due": c.due,
                    "total": c.total,
                    "suspended": c.suspended,
                }
                for c in counts
            ],
            "totals": {key: sum(getattr(c, key) for c in counts) for key in ("new", "learning", "due", "total", "suspended")},
            "interview": None if plan is None else plan_json(plan, collection.settings.interview_leave_out),
            "forecast": forecast_json(work, today),  # the plan's with a date, else new_cards_per_day's
        }
        json.dump(payload, out, indent=2)
        out.write("\n")
        return
    tree = build_tree(counts)
    width = max([len(node.name) + 2 * depth for depth, node in tree.walk()] + [20])
    print(f"{'Deck':<{width}}  {'Unseen':>6} {'Learn':>5} {'Due':>5} {'Prompts':>7} {'Susp':>5}", file=out)
    for depth, node in tree.walk():
        label = "  " * depth + visible_line(node.name)
        print(f"{label:<{width}}  {node.new:>6} {node.learning:>5} {node.due:>5} {node.total:>7} {node.suspended:>5}", file=out)
    print(f"{'All decks':<{width}}  {tree.new:>6} {tree.learning:>5} {tree.due:>5} {tree.total:>7} {tree.suspended:>5}", file=out)
    print("Counts are prompts: what you answer (a cloze card with c1 and c2 is two prompts).", file=out)
    print(f"\nToday ({today.isoformat()}): {done} answered, streak {counted(days, 'day')}.", file=out)
    planned = " (planned for the interview)" if plan is not None and not plan.passed else " (new prompts are limited per day)"
    print(f"A review now shows {due_now} due and {new_now} new prompt(s){planned}.", file=out)
    print("", file=out)
    if plan is not None:
        lines = plan_lines(plan, collection.settings.scheduler, collection.settings.interview_leave_out, unmatched)
    else:
        lines = workload_lines(work, today, collection.settings.scheduler, collection.settings.reviews_per_day)
    for line in lines:
        print(line, file=out)


def _plan(collection: Collection, args: argparse.Namespace, now: datetime, out: TextIO, err: TextIO) -> int:
    """Set, clear or show the interview plan."""
    today = collection.today(now)
    if args.interview is not None and (problem := interview_date_problem(args.interview, today)) is not None:
        print(f"mlcards: {problem}", file=err)
        return EXIT_PROBLEMS
    changes: list[tuple[str, date | int | tuple[str, ...] | None]] = []
    if args.interview is not None or args.clear:
        changes.append(("interview_date", None if args.clear else args.interview))
    if args.first_seen_days is not None:
        changes.append(("first_seen_days_before", args.first_seen_days))
    if args.leave_out or args.leave_out_none:
        entries = [] if args.leave_out_none else list(collection.settings.interview_leave_out)
        for wanted in args.leave_out:
            entry = _leave_out_entry(collection, wanted, err)
            if entry is None:
                return EXIT_PROBLEMS
            if entry not in entries:
                entries.append(entry)
        changes.append(("interview_leave_out", tuple(entries)))
    if changes:
        if collection.config_path is None:
            print("mlcards: no settings file to save the plan in; pass --config FILE", file=err)
            return EXIT_UNUSABLE
        try:
            save_plan_settings(collection.config_path, changes)
            collection.settings = load_settings(collection.config_path)
        except (OSError, ConfigError) as error:
            print(f"mlcards: the plan was not saved: {visible(str(error))}", file=err)
            return EXIT_UNUSABLE
    unmatched = _unmatched(collection)
    _note_unmatched(unmatched, err, shown_in_plan=collection.settings.interview_date is not None)
    if collection.settings.interview_date is None:
        if args.clear:
            print(
                f"Interview date cleared: {collection.settings.new_cards_per_day} new prompts a day again (new_cards_per_day).",
                file=out,
            )
        saved = [f"{key} = {visible_line(_as_toml(value))}" for key, value in changes if key != "interview_date"]
        if saved:
            print(
                f"Saved {' and '.join(saved)}; {'it applies' if len(saved) == 1 else 'they apply'} once an interview date "
                "is set: mlcards plan --interview YYYY-MM-DD",
                file=out,
            )
        elif not args.clear:
            print("No interview date set. Plan for one with: mlcards plan --interview YYYY-MM-DD", file=out)
        return EXIT_OK
    plan = interview_plan(collection.database, collection.settings, now, today)
    assert plan is not None
    for line in plan_lines(plan, collection.settings.scheduler, collection.settings.interview_leave_out, unmatched):
        print(line, file=out)
    return EXIT_OK


def _unmatched(collection: Collection) -> list[Unmatched]:
    """interview_leave_out and new_deck_priority entries that match no present deck or tag."""
    settings = collection.settings
    if not settings.interview_leave_out and not settings.new_deck_priority:
        return []
    decks = [(listing.deck_id, listing.name) for listing in deck_list(collection.database)]
    connection = collection.database.connection
    return unmatched_entries(
        settings.interview_leave_out, settings.new_deck_priority, decks, lambda tag: tag_in_use(connection, tag)
    )


def _note_unmatched(unmatched: list[Unmatched], err: TextIO, shown_in_plan: bool = False) -> None:
    """A note per setting with entries that match nothing; left-out ones not again when the plan's
    "Left out of the plan" line marks them (`shown_in_plan`)."""
    for line in note([item for item in unmatched if not (shown_in_plan and item.setting == LEAVE_OUT)]):
        print(f"mlcards: note: {line}", file=err)


def _leave_out_entry(collection: Collection, wanted: str, err: TextIO) -> str | None:
    """A --leave-out value as the plan keeps it: tag:NAME for a tag in use, else a deck's full name
    (a name or id as --deck takes it); None after saying what is wrong."""
    if wanted.startswith("tag:"):
        if not tag_in_use(collection.database.connection, wanted.removeprefix("tag:")):
            print(
                f"mlcards: no card has the tag '{visible_line(wanted.removeprefix('tag:'))}' — tags are matched exactly", file=err
            )
            return None
        return wanted
    chosen = _choose_deck(collection, wanted, err)
    if chosen is None:
        return None
    names = {listing.deck_id: listing.name for listing in deck_list(collection.database)}
    return names.get(chosen, chosen)


def _print_decks(collection: Collection, as_json: bool, out: TextIO) -> None:
    decks = deck_list(collection.database)
    if as_json:
        json.dump([{"id": d.deck_id, "name": d.name, "file": d.file_path, "cards": d.cards} for d in decks], out, indent=2)
        out.write("\n")
        return
    for deck in decks:
        print(f"{visible_line(deck.name)}  [{deck.deck_id}]  {deck.cards} card(s)  {visible_line(deck.file_path)}", file=out)


def _restore(database_path: Path, choice: str | None, out: TextIO, err: TextIO) -> int:
    backups = list_backups(database_path)
    if choice is None:
        if not backups:
            print(f"No backups of {_shown(database_path)} yet.", file=out)
        for backup in backups:
            print(f"{_shown(backup)}  ({backup.stat().st_size // 1024} KiB)", file=out)
        if backups:
            print(
                "\nNewest first. Restore one with: mlcards restore FILE (its name is enough), or: mlcards restore latest",
                file=out,
            )
        return EXIT_OK
    if choice == "latest":
        candidates = restorable_backups(database_path)
        if not candidates:
            print(f"mlcards: there is no backup of {_shown(database_path)} to restore", file=err)
            return EXIT_UNUSABLE
        chosen = candidates[0]
    else:
        chosen = Path(choice).expanduser()
        if not chosen.exists() and (listed := backup_dir(database_path) / choice).exists():
            chosen = listed  # a name as `mlcards restore` lists it
    try:
        kept = restore_backup(database_path, chosen, datetime.now().astimezone())
    except DatabaseError as error:
        print(f"mlcards: {visible(str(error))}", file=err)
        return EXIT_UNUSABLE
    print(
        f"Restored {_shown(database_path)} from {_shown(chosen)}."
        + (f" The previous file is kept as {_shown(kept)}." if kept else ""),
        file=out,
    )
    return EXIT_OK


def _as_toml(value: object) -> str:
    """A setting as it would be written in config.toml."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_as_toml(item) for item in value) + "]"
    return str(value)


def _config(config_path: Path, database_path: Path, init: bool, out: TextIO, err: TextIO) -> int:
    if init and config_path.exists():
        print(f"{_shown(config_path)} already exists; left as it is.", file=out)
    elif init:
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(TEMPLATE, encoding="utf-8")
        print(f"Wrote {_shown(config_path)}", file=out)
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        print(f"mlcards: {visible(str(error))}", file=err)
        return EXIT_UNUSABLE
    print(f"Settings file: {_shown(config_path)}{'' if config_path.exists() else ' (not created; defaults in use)'}", file=out)
    for key, value in asdict(settings).items():
        print(f"  # {key}: not set" if value is None else f"  {key} = {_as_toml(value)}", file=out)
    if (settings.interview_leave_out or settings.new_deck_priority) and database_path.exists():
        try:  # the entries are checked against the decks as last synced; without a database there is nothing to check
            collection = open_collection(database_path, config_path)
        except (DatabaseError, ConfigError):
            return EXIT_OK
        try:
            _note_unmatched(_unmatched(collection), err)
        finally:
            collection.close()
    return EXIT_OK
