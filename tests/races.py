"""Two contenders at once on PostgreSQL, in an order the test chooses, not the scheduler.

Each contender runs in a thread of its own, so Django gives it a connection of its own.
The first is held at a chosen point inside its transaction (``Hold``: after a function
returns, or after a query) until the second has either finished or is waiting for a lock
the first holds; then the first goes on. Either way the test knows which interleaving it
got: the window between a read and its write is forced open, not hoped for.
"""

from __future__ import annotations

import os
import pkgutil
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

#: Seconds a contender may take to reach its hold, finish or wait for a lock.
TIMEOUT = 15

FIRST, SECOND = "first", "second"


#: The marks of a module of races: they need real row locks and a connection per thread
#: (PostgreSQL: skipped on SQLite, failed instead with ``REQUIRE_SERVERS=1`` as in CI's
#: PostgreSQL run) and committed data, with the migrations' seed data (policy 1.0, cookie
#: groups, the site) loaded again after each test empties the tables.
ON_POSTGRESQL = [
    pytest.mark.skipif(
        connection.vendor != "postgresql" and os.environ.get("REQUIRE_SERVERS") != "1",
        reason="races need PostgreSQL's row locks; SQLite locks the whole database",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Contender(threading.Thread):
    """Runs ``action`` in its own thread, on its own connection; keeps its result or error."""

    def __init__(self, name: str, action: Callable[[], Any]) -> None:
        super().__init__(name=name, daemon=True)
        self.action = action
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.action()
        except BaseException as error:
            self.error = error
        finally:
            connection.close()

    def outcome(self) -> Any:
        """The action's result, or its error raised again in the test's thread."""
        self.join(TIMEOUT)
        assert not self.is_alive(), f"the {self.name} contender did not finish"
        if self.error is not None:
            raise self.error
        return self.result


class Hold:
    """A point where the first contender (only) stops until the test lets it go on."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.released = threading.Event()

    def here(self) -> None:
        if threading.current_thread().name != FIRST or self.reached.is_set():
            return
        self.reached.set()
        if not self.released.wait(TIMEOUT):
            raise AssertionError("the held contender was never let go")

    def after(self, monkeypatch: pytest.MonkeyPatch, target: str) -> Hold:
        """Hold right after the function ``target`` ("module.name" or "module.Class.name")
        returns. Only calls through that attribute are held: pick a function no module
        imported by name after the test starts (a view module loaded by the first request
        would get the held one)."""
        module, _, name = target.rpartition(".")
        owner = pkgutil.resolve_name(module)
        original = getattr(owner, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            self.here()
            return result

        monkeypatch.setattr(owner, name, held)
        return self

    def after_query(self, matches: Callable[[str], bool]) -> Callable[..., Any]:
        """A connection execute wrapper that holds right after the first query ``matches``."""

        def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
            result = execute(sql, *args)
            if matches(sql):
                self.here()
            return result

        return wrapper


def waits_for_a_lock() -> bool:
    """Whether another connection to the test database is waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        (count,) = cursor.fetchone()
    return bool(count)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def race(hold: Hold, first: Callable[[], Any], second: Callable[[], Any]) -> RaceResult:
    """Run ``first`` to its hold, then ``second`` until it finishes or waits for a lock the
    first holds, then let the first go on; both finish before this returns."""
    assert connection.vendor == "postgresql", "races need PostgreSQL (REQUIRE_SERVERS=1)"
    one, two = Contender(FIRST, first), Contender(SECOND, second)
    one.start()
    _until(lambda: hold.reached.is_set() or not one.is_alive(), "the first contender is held")
    if not hold.reached.is_set():
        one.outcome()  # its error, if it failed before the hold
        raise AssertionError("the first contender finished without reaching its hold")
    two.start()
    _until(
        lambda: not two.is_alive() or waits_for_a_lock(),
        "the second contender finishes or waits for a lock",
    )
    second_waited = two.is_alive()
    hold.released.set()
    one.join(TIMEOUT)
    two.join(TIMEOUT)
    return RaceResult(one, two, second_waited)


class RaceResult:
    def __init__(self, first: Contender, second: Contender, second_waited: bool) -> None:
        self.first = first
        self.second = second
        #: The second contender waited for a lock the held first one had taken.
        self.second_waited = second_waited
