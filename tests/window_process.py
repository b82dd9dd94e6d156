"""A review window in its own process, driven line by line over stdin (for the two-window tests).

Commands: `answer GRADE`, `undo`, `current`, `quit`; each prints one JSON line.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from mlcards.config import Settings
from mlcards.review import AnsweredElsewhere, ReviewSession
from mlcards.store.database import open_database


def main(database_path: str, moment: str) -> None:
    now = datetime.fromisoformat(moment)
    database = open_database(Path(database_path))
    session = ReviewSession(database, Settings(new_cards_per_day=5), now)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, *arguments = line.split()
        reply: dict[str, object] = {}
        if command == "answer":
            try:
                result = session.answer(int(arguments[0]), now)
                reply = {"log_id": result.log_id}
            except AnsweredElsewhere:
                fresh = session.refresh_current()
                reply = {"answered_elsewhere": True, "still_due": fresh is not None}
        elif command == "undo":
            reply = {"undone": session.undo(now).card_id}
        elif command == "current":
            card = session.current
            reply = {"card": card.card_id if card else None, "last_log_id": card.last_log_id if card else None}
        elif command == "quit":
            break
        print(json.dumps(reply), flush=True)
    database.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
