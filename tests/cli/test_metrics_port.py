"""`fairkey index run` on a metrics port that is taken: one line naming the port and how to pick
another (--metrics-port, FAIRKEY_METRICS_PORT for make up), not a traceback."""

from __future__ import annotations

import socket

import pytest

from indexer.metrics import IndexerMetrics, MetricsServerError


@pytest.fixture
def busy_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_serve_names_the_busy_port(busy_port):
    metrics = IndexerMetrics()
    with pytest.raises(MetricsServerError) as caught:
        metrics.serve(busy_port)
    assert caught.value.in_use and caught.value.port == busy_port
    assert f"127.0.0.1:{busy_port}: already in use" in str(caught.value)
    metrics.close()


def test_index_run_on_a_busy_port_says_which_and_what_to_do(cli, busy_port):
    out = cli(None, "index", "run", "--metrics-port", str(busy_port), code=1).output
    assert f"the metrics port {busy_port} on 127.0.0.1 is already in use" in out
    assert "--metrics-port N" in out and "FAIRKEY_METRICS_PORT" in out
    assert out.count("\n") <= 3  # one message, no traceback (cli asserts that too)


def test_index_run_on_a_foreign_address(cli):
    out = cli(
        None, "index", "run", "--metrics-port", "0", "--metrics-host", "192.0.2.1", code=1
    ).output  # TEST-NET-1: never an address of this machine
    assert "cannot serve metrics on 192.0.2.1:0" in out and "--metrics-host 192.0.2.1" in out
