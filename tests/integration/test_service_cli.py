"""`python -m gateway run --config FILE` as a real process: it says where it listens, serves
a counterparty, stops cleanly on SIGTERM and SIGINT, and refuses a bad file with one line
naming file, key and problem, and exit code 2."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fixspec import tags
from tests.fixclient import FixClient, free_port
from tests.integration.conftest import write_config
from tests.service import REPO, GatewayProcess

pytestmark = pytest.mark.timeout(60)

EXIT_CONFIG = 2


@pytest.fixture
def service():
    """Start the gateway process on a config; every process started is killed after."""
    started: list[GatewayProcess] = []

    def start(config: Path) -> GatewayProcess:
        process = GatewayProcess(config, config.parent / f"gateway-{len(started)}.out")
        started.append(process.launch())
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def client(tmp_path):
    clients: list[FixClient] = []

    def make(port: int) -> FixClient:
        c = FixClient(port, tmp_path)
        clients.append(c)
        return c.start()

    yield make
    for c in clients:
        c.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_service_listens_serves_and_stops_cleanly_on_signal(tmp_path, service, client, sig):
    port = free_port()
    gw = service(write_config(tmp_path, port))
    gw.wait_for_line(f"listening on port {port}")
    gw.wait_for_line("freed memory is kept for reuse")  # gateway/memory.py, compiled
    frozen = gw.wait_for_line("frozen out of the cyclic collector")
    # Start-up alone (QuickFIX, SQLAlchemy, loguru, the core) leaves tens of thousands.
    assert int(re.search(r"(\d+) objects of start-up", frozen).group(1)) > 10_000
    counterparty = client(port)
    cl = counterparty.new_order("BTC-USD", "1", "0.1", "60000")
    counterparty.expect(ExecType="0", ClOrdID=cl)

    gw.proc.send_signal(sig)

    assert gw.proc.wait(10) == 0
    logout = counterparty.expect_admin(tags.MSG_Logout)
    assert logout[tags.Text]


def test_a_burst_of_signals_still_stops_the_service_cleanly(tmp_path, service):
    """A second SIGTERM (a supervisor and `timeout`, say, or Ctrl-C twice) arriving while the
    first one is being handled must not deadlock the stop."""
    port = free_port()
    gw = service(write_config(tmp_path, port))
    gw.wait_for_line(f"listening on port {port}")

    for _ in range(50):
        gw.proc.send_signal(signal.SIGTERM)

    assert gw.proc.wait(10) == 0
    gw.wait_for_line("gateway stopped")


def test_memory_pretouched_at_start_is_said_once_started(tmp_path, service, client):
    port = free_port()
    gw = service(write_config(tmp_path, port, **{"memory.pretouch_mib": 64}))

    line = gw.wait_for_line("freed memory is kept for reuse")
    assert "64 MiB of arenas touched at start in" in line
    counterparty = client(port)
    cl = counterparty.new_order("BTC-USD", "1", "0.1", "60000")
    counterparty.expect(ExecType="0", ClOrdID=cl)


def test_service_on_a_port_in_use_exits_with_an_error(tmp_path, service):
    port = free_port()
    first = service(write_config(tmp_path, port))
    first.wait_for_line(f"listening on port {port}")
    other_dir = tmp_path / "second"
    other_dir.mkdir()

    second = service(write_config(other_dir, port))

    assert second.proc.wait(20) == 1
    assert first.proc.poll() is None


def test_service_with_an_unreachable_database_exits_with_one_line(tmp_path, service):
    port = free_port()  # nothing listens there
    config = write_config(tmp_path, free_port(),
                          **{"database.url": f"postgresql+psycopg://nobody@127.0.0.1:{port}/x"})

    gw = service(config)

    line = gw.wait_for_line("cannot start")
    assert gw.proc.wait(20) == 1
    assert "127.0.0.1" in line and "Traceback" not in line


def _bad(tmp_path: Path, edit) -> Path:
    path = write_config(tmp_path, free_port())
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        pytest.param(lambda d: d["acceptor"].update(colour="blue"), "acceptor.colour",
                     id="unknown-key"),
        pytest.param(lambda d: d["acceptor"].pop("port"), "acceptor.port", id="missing-key"),
        pytest.param(lambda d: d["acceptor"].update(port="ninety"), "acceptor.port",
                     id="wrong-type"),
        pytest.param(lambda d: d["instruments"]["BTC-USD"].update(tick="0.0x1"),
                     "instruments.BTC-USD.tick", id="bad-decimal"),
        pytest.param(lambda d: d["counterparties"]["CLIENT1"].update(cancel_on_disconnect="y"),
                     "counterparties.CLIENT1.cancel_on_disconnect", id="wrong-type-flag"),
    ],
)
def test_bad_config_file_is_refused_with_one_line_and_exit_code_2(tmp_path, edit, key):
    config = _bad(tmp_path, edit)

    done = subprocess.run([sys.executable, "-m", "gateway", "run", "--config", str(config)],
                          cwd=REPO, capture_output=True, text=True, timeout=30)

    assert done.returncode == EXIT_CONFIG
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    prefix = f"{config}: {key}: "
    assert lines[0].startswith(prefix) and len(lines[0]) > len(prefix), lines[0]
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    ("edit", "key", "named"),
    [
        pytest.param(lambda d: d["instruments"]["BTC-USD"].update(tick="0.1"),
                     "instruments.BTC-USD.tick", "0.1 differs from 0.01", id="tick"),
        pytest.param(lambda d: d["instruments"]["ETH-USD"].update(lot="0.0005"),
                     "instruments.ETH-USD.lot", "0.0005 differs from 0.001", id="lot"),
        pytest.param(lambda d: d["instruments"]["BTC-USD"].update(max_qty="1"),
                     "instruments.BTC-USD.max_qty", "1 differs from", id="max-qty"),
    ],
)
def test_an_instrument_changed_since_the_database_was_written_is_refused_with_one_line(
        tmp_path, service, client, edit, key, named):
    """The journal is in the instrument's ticks and lots and was validated against its
    limits: a restart under others would rebuild something else than was acknowledged."""
    port = free_port()
    config = write_config(tmp_path, port)
    first = service(config)
    first.wait_for_line(f"listening on port {port}")
    counterparty = client(port)
    for symbol, price in (("BTC-USD", "59000"), ("ETH-USD", "2900")):
        cl = counterparty.new_order(symbol, "1", "1", price)
        counterparty.expect(ClOrdID=cl, ExecType="0")
    counterparty.stop()
    first.proc.send_signal(signal.SIGTERM)
    assert first.proc.wait(10) == 0
    data = yaml.safe_load(config.read_text())
    edit(data)
    config.write_text(yaml.safe_dump(data, sort_keys=False))

    done = subprocess.run([sys.executable, "-m", "gateway", "run", "--config", str(config)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)

    assert done.returncode == EXIT_CONFIG
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{config}: {key}: ") and named in lines[0], lines[0]
