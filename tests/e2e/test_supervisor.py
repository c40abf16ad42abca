"""`make up`'s supervisor: a service that dies is restarted; one that keeps dying is given up on
and reported; stopping ends every child. Real child processes."""

from __future__ import annotations

import signal
import sys

from scripts.supervisor import MAX_RESTARTS, Service, Supervisor


def _wait_exit(service: Service, timeout: float = 10.0) -> None:
    service.process.wait(timeout=timeout)


def test_a_dead_service_is_restarted_and_one_that_keeps_dying_is_given_up(tmp_path):
    now = [0.0]
    supervisor = Supervisor(tmp_path / "logs", clock=lambda: now[0])
    flaky = supervisor.start(Service("flaky", [sys.executable, "-c", "print('up'); exit(3)"]))
    _wait_exit(flaky)

    revived = supervisor.revive()
    assert [(s.name, code) for s, code in revived] == [("flaky", 3)]
    for _ in range(MAX_RESTARTS - 1):  # it keeps dying within the same minute
        _wait_exit(flaky)
        assert supervisor.revive()
    _wait_exit(flaky)
    assert supervisor.revive() == []
    assert supervisor.failed() == [flaky]
    # Every start wrote to the same log.
    assert (tmp_path / "logs" / "flaky.log").read_text().count("up") == MAX_RESTARTS + 1


def test_restarts_spread_over_time_never_give_up(tmp_path):
    now = [0.0]
    supervisor = Supervisor(tmp_path / "logs", clock=lambda: now[0])
    service = supervisor.start(Service("crashy", [sys.executable, "-c", "exit(1)"]))
    for _ in range(MAX_RESTARTS * 2):
        _wait_exit(service)
        now[0] += 30.0  # one crash every 30 s: a service that mostly works
        assert supervisor.revive()
    assert supervisor.failed() == []
    supervisor.stop_all()


def test_stop_all_ends_every_child(tmp_path):
    supervisor = Supervisor(tmp_path / "logs")
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    services = [supervisor.start(Service(f"s{i}", sleeper)) for i in range(3)]
    supervisor.stop_all(grace=5)
    # Ended by the SIGTERM (a clean stop), not by the SIGKILL that follows the grace period.
    assert [s.process.returncode for s in services] == [-signal.SIGTERM] * 3
