"""The Dask executor: a ``distributed.LocalCluster`` of 2 workers gives the local pool's bytes.

The cluster runs its 2 workers as separate processes (``processes=True``), as ``dask worker``
does on a real cluster: the tasks then really cross a process boundary through Dask's own
serialisation, and each worker imports slasim for itself (what :meth:`check_workers` checks).
With ``processes=False`` the workers would be threads of this process that receive the very
task objects, unserialised, which proves less. The price is ~2-3 s to start the cluster, paid
once for the module; the test starts and stops it itself (dashboard and ports on whatever the
OS gives, so parallel test processes do not collide).
"""

from __future__ import annotations

import argparse
import gc
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed
import pandas as pd
import pytest
from cli_helpers import run_cli

import slasim
from slasim.cli.args import open_executor
from slasim.crm.io.export import export_leads
from slasim.errors import InputError
from slasim.measure.dask_executor import DaskExecutor
from slasim.measure.experiment import simulate
from slasim.measure.sweeps import sweep
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
GRID = ["team.shifts[0].sellers=5,7", "routing.policy=fifo,tier_priority"]


@pytest.fixture(scope="module", autouse=True)
def _no_collection_while_dask_starts() -> Iterator[None]:
    # A garbage collection inside Dask's LoopRunner.start (a process-wide lock) can run an
    # abandoned Client's __del__, which waits for that lock: the suite hung once in this
    # module. slasim pauses the collector around its own clients (dask_executor); the clients
    # and clusters these tests make themselves get the same: collect now, not in between
    # (module scope: before the module's cluster fixture starts).
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    local = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        scheduler_port=0,
    )
    try:
        yield local
    finally:
        local.close()


@pytest.fixture
def dask(cluster: Any) -> Iterator[DaskExecutor]:
    with distributed.Client(cluster) as client:
        yield DaskExecutor(client)


def _same_bytes(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert a.to_numpy().tobytes() == b.to_numpy().tobytes()


def test_the_cluster_has_two_worker_processes(dask: DaskExecutor) -> None:
    workers = dask.client.scheduler_info()["workers"]
    assert len(workers) == 2
    pids = dask.client.run(__import__("os").getpid)
    assert len(set(pids.values())) == 2 and __import__("os").getpid() not in pids.values()


def test_simulate_on_the_cluster_is_the_local_pool_byte_for_byte(dask: DaskExecutor) -> None:
    scenario = load_scenario(BASELINE)
    local = simulate(scenario, 8, 13, workers=2)
    remote = simulate(scenario, 8, 13, workers=2, executor=dask)
    _same_bytes(local.replications, remote.replications)
    assert remote.to_dict() == local.to_dict()
    # Records travel back too when asked for (export-leads): the same leads.
    kept = simulate(scenario, 2, 13, workers=2, executor=dask, keep_records=True)
    assert kept.records is not None
    assert kept.records[1].leads.tobytes() == simulate(
        scenario, 2, 13, keep_records=True).records[1].leads.tobytes()  # type: ignore[index]


def test_sweep_on_the_cluster_is_the_local_pool_byte_for_byte(dask: DaskExecutor) -> None:
    local = sweep(BASELINE, GRID, 4, 21, workers=2)
    remote = sweep(BASELINE, GRID, 4, 21, workers=2, executor=dask)
    for a, b in zip(local.points, remote.points, strict=True):
        assert a.values == b.values
        _same_bytes(a.result.replications, b.result.replications)
    pd.testing.assert_frame_equal(local.table, remote.table, check_exact=True)


def test_map_keeps_submission_order_and_submit_returns_a_future(dask: DaskExecutor) -> None:
    # Later items finish first (shorter sleeps): the order must still be the submission's.
    assert list(dask.map(_slow_square, [5, 4, 3, 2, 1, 0])) == [25, 16, 9, 4, 1, 0]
    assert list(dask.map(pow, [2, 3], [3, 2])) == [8, 9]
    assert dask.submit(pow, 2, 10).result() == 1024


def _slow_square(x: int) -> int:
    import time

    time.sleep(0.02 * x)
    return x * x


def test_a_worker_with_another_slasim_version_is_refused(
    dask: DaskExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    dask.check_workers()  # the same version everywhere: accepted
    monkeypatch.setattr(slasim, "__version__", "0.0.0-other")  # only in this process
    with pytest.raises(InputError) as caught:
        dask.check_workers()
    message = str(caught.value)
    assert "--scheduler" in message and f"has {slasim.__version__}" not in message
    assert "expected slasim 0.0.0-other (this one) on every worker" in message


def test_open_executor_joins_a_scheduler_and_leaves_the_cluster_running(cluster: Any) -> None:
    args = argparse.Namespace(executor=None, scheduler=cluster.scheduler_address, workers=1)
    with open_executor(args) as executor:
        assert isinstance(executor, DaskExecutor)
        assert list(executor.map(abs, [-1, -2])) == [1, 2]
    assert executor.client.status == "closed"
    with distributed.Client(cluster) as again:  # the cluster is not ours to stop
        assert len(again.scheduler_info()["workers"]) == 2


def test_an_unreachable_scheduler_is_exit_2_naming_the_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("slasim.measure.dask_executor.CONNECT_TIMEOUT", 1)
    with pytest.raises(InputError) as caught:
        DaskExecutor.connect("tcp://127.0.0.1:9")  # the discard port: nobody listens
    message = str(caught.value)
    assert "--scheduler: got 'tcp://127.0.0.1:9': cannot connect" in message
    assert "expected the address of a running Dask scheduler" in message


def _server(reply: bytes) -> tuple[str, threading.Event]:
    """A TCP server on a free port that accepts, sends ``reply`` and then never speaks."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        held = []
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.sendall(reply)
            held.append(conn)  # kept open: the client waits for more
        for conn in held:
            conn.close()
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"tcp://127.0.0.1:{listener.getsockname()[1]}", stop


def test_an_address_nobody_listens_at_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Dask retries a refused connection for its whole timeout (20 s); a plain socket says at
    # once that nothing is there.
    free = socket.create_server(("127.0.0.1", 0))
    address = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    free.close()

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("Dask's client was asked to connect (and retry for 20 s)")

    monkeypatch.setattr(distributed, "Client", never)
    with pytest.raises(InputError, match=r"nothing answers at 127\.0\.0\.1"):
        DaskExecutor.connect(address)


@pytest.mark.parametrize(("reply", "words"), [
    (b"", "no answer of a Dask scheduler"),  # accepts and stays silent: hung for ever once
    (b"HTTP/1.0 426 Upgrade Required\r\n\r\n", "answered, but not as a Dask scheduler"),
])
def test_a_server_that_is_not_a_dask_scheduler_is_exit_2(
    reply: bytes, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An HTTP answer once read as a message length of exabytes: "internal error: MemoryError".
    monkeypatch.setattr("slasim.measure.dask_executor.CONNECT_TIMEOUT", 1)
    address, stop = _server(reply)
    try:
        with pytest.raises(InputError) as caught:
            DaskExecutor.connect(address)
    finally:
        stop.set()
    assert f"--scheduler: got '{address}'" in str(caught.value)
    assert words in str(caught.value)


def test_a_scheduler_without_workers_is_waited_for_then_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("slasim.measure.dask_executor.WORKER_WAIT", 1)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0",
                                  scheduler_port=0) as empty:
        with pytest.raises(InputError, match="no worker joined the scheduler in 1 s"):
            DaskExecutor.connect(empty.scheduler_address)
    assert "has no workers yet; waiting up to 1 s" in capsys.readouterr().err


def test_a_scheduler_lost_during_the_run_is_one_plain_message() -> None:
    # Dask cancels every future when the scheduler goes ("scheduler-connection-lost"); that
    # was an "internal error" with Dask's tracebacks.
    local = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                     dashboard_address=":0", scheduler_port=0)
    with distributed.Client(local) as client:
        executor = DaskExecutor(client)
        threading.Timer(1.0, local.close).start()
        with pytest.raises(InputError, match="was lost during the run"):
            for _ in executor.map(time.sleep, [0.3] * 40):
                pass


def test_the_executor_counts_the_clusters_threads(dask: DaskExecutor) -> None:
    assert dask.workers == 2  # 2 workers x 1 thread: the tasks are cut for 2


def test_cli_sweep_on_a_scheduler_writes_the_local_csv(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["sweep", str(BASELINE), "--grid", "team.shifts[0].sellers=5,7", "--reps", "3",
            "--seed", "2", "--figure", "none", "--quiet"]
    code, _, err = run_cli([*base, "--out", str(tmp_path / "local")], capsys)
    assert code == 0, err
    code, _, err = run_cli([*base, "--out", str(tmp_path / "dask"),
                            "--scheduler", cluster.scheduler_address], capsys)
    assert code == 0, err
    local = (tmp_path / "local" / "sweep.csv").read_bytes()
    assert (tmp_path / "dask" / "sweep.csv").read_bytes() == local


def test_cli_run_and_compare_on_a_scheduler_print_the_local_json(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    option = str(ROOT / "scenarios" / "option-fast-response.toml")
    for argv in (["run", str(BASELINE)], ["compare", str(BASELINE), option]):
        base = [*argv, "--reps", "3", "--seed", "5", "--quiet", "--json", "-"]
        code, local, err = run_cli(base, capsys)
        assert code == 0, err
        code, remote, err = run_cli([*base, "--scheduler", cluster.scheduler_address], capsys)
        assert code == 0, err
        assert remote == local


def test_cli_optimize_and_report_on_a_scheduler_write_the_local_files(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One week, 30 verification months, no staffing search: ~5 s locally. The optimizer's
    # race, neighbours and verification all go through the executor, so the same proposal
    # (byte for byte) proves that every one of them ran on the cluster with the same seeds.
    small = ["--set", "horizon.days=7", "--set", "optimize.sellers.office=[4, 7]"]
    opt = ["optimize", str(BASELINE), *small, "--verify-reps", "30", "--no-staffing",
           "--seed", "1", "--quiet"]
    rep = ["report", str(BASELINE), *small, "--reps", "4", "--seed", "3", "--no-staffing",
           "--quiet"]
    for where, extra in (("local", []), ("dask", ["--scheduler", cluster.scheduler_address])):
        before = cluster.scheduler.transition_counter  # the cluster's work so far
        code, _, err = run_cli([*opt, "--out", str(tmp_path / where), *extra], capsys)
        assert code == 0, err
        # optimize ran its simulations on the cluster exactly when --scheduler said so.
        assert (cluster.scheduler.transition_counter > before) == bool(extra)
        # The same file name in both folders: the Markdown names its figure folder.
        code, _, err = run_cli([*rep, "--out", str(tmp_path / where / "r.html"), *extra], capsys)
        assert code == 0, err
    for name in ("proposal.toml", "frontier.csv", "r.md"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_cli_plan_explore_and_track_on_a_scheduler_write_the_local_output(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A month of the baseline exported as a CRM file is what track reads back.
    scenario = load_scenario(BASELINE)
    records = simulate(scenario, 1, seed=11, keep_records=True).records
    assert records is not None
    export = tmp_path / "leads.csv"
    export_leads(scenario, records[0], export)
    commands = {
        "plan": ["plan", str(BASELINE), "--reps", "3", "--routing", "fifo", "--seed", "4",
                 "--quiet", "--json", "{out}/plan.json"],
        "explore": ["explore", str(BASELINE), "--reps", "2", "--routing", "fifo", "--quiet",
                    "--out", "{out}/explore.html"],
        "track": ["track", str(export), "--agreement", str(BASELINE), "--period", "2026-04",
                  "--as-of", "2026-05-01T00:00:00+02:00", "--reps", "3", "--quiet",
                  "--out", "{out}/track"],
    }
    files = {"plan": "plan.json", "explore": "explore.html", "track": "track/summary.csv"}
    for name, argv in commands.items():
        outputs = {}
        for where, extra in (("local", []),
                             ("dask", ["--scheduler", cluster.scheduler_address])):
            out = tmp_path / name / where
            out.mkdir(parents=True)
            before = cluster.scheduler.transition_counter
            code, _, err = run_cli([a.format(out=out) for a in argv] + extra, capsys)
            assert code == 0, (name, err)
            # The months were simulated on the cluster exactly when --scheduler said so.
            assert (cluster.scheduler.transition_counter > before) == bool(extra), name
            outputs[where] = (out / files[name]).read_bytes()
        assert outputs["dask"] == outputs["local"], name


def test_executor_dask_without_a_scheduler_starts_and_stops_a_local_cluster() -> None:
    import signal

    # A background job starts with SIGINT ignored already: give this process Python's own
    # handler, so that the workers' SIG_IGN below is the executor's doing.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _local_cluster_round_trip(signal)
    finally:
        signal.signal(signal.SIGINT, before)


def _local_cluster_round_trip(signal: Any) -> None:
    with open_executor(argparse.Namespace(executor="dask", scheduler=None, workers=1)) as ex:
        assert isinstance(ex, DaskExecutor)
        assert ex.workers == 1
        assert list(ex.map(abs, [-3])) == [3]
        # Ctrl-C reaches the whole process group: the local workers ignore it (each printed a
        # KeyboardInterrupt traceback) and this process, which stops them, keeps its handler.
        assert set(ex.client.run(signal.getsignal, signal.SIGINT).values()) == {
            signal.SIG_IGN}
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        cluster = ex._cluster
    assert cluster.status.name == "closed"
    assert ex.client.status == "closed"
