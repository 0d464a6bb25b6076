"""The fetch process: pages and wheel metadata read in a child process, as here.

What matters to a user: the same answers (rows, cache rows, histories, metadata,
failures named the same way) whichever process read them; a child that dies or cannot
start costs nothing but speed; the child runs nothing from the checkout under audit; it
stops when the client closes. All against the loopback fake index.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import auditor.index.fetch_process as fetch_process
from auditor.cache import Cache
from auditor.config import make_target, target_tags
from auditor.errors import DataSourceError
from auditor.index.client import IndexClient
from auditor.index.fetch_process import FetchProcess, _PriorityLock
from auditor.index.http import make_session
from auditor.index.pacing import PacedExecutor, fetching_ahead
from auditor.index.simple_api import WheelFilter, wheel_prefilter
from tests.fakes import FakeIndex

TAGS = target_tags(make_target("3.12", "linux"))


def _client(
    fake: FakeIndex,
    cache: Cache,
    *,
    child: bool,
    keep: Any = None,
    processes: int | None = None,
    offline: bool = False,
) -> IndexClient:
    # The default session (``make_session()``): the one the child makes for itself.
    c = IndexClient(
        [fake.simple_url],
        session=make_session(),
        cache=cache,
        child_pages=child,
        fetch_processes=processes,
        offline=offline,
    )
    c.keep_file = keep
    return c


def _with_ready_child(c: IndexClient, monkeypatch: pytest.MonkeyPatch) -> FetchProcess:
    """Start the client's child at once and wait until it answers."""
    monkeypatch.setattr(fetch_process, "START_AFTER", 1)
    c._page_child()
    child = c._child
    assert child is not None
    deadline = time.monotonic() + 30
    while not child.ready:
        assert time.monotonic() < deadline, "the fetch process never became ready"
        time.sleep(0.01)
    return child


def _processes(fetcher: FetchProcess) -> list[Any]:
    procs = [c.proc for c in fetcher.children]
    assert procs and all(p is not None for p in procs)
    return procs


def _rows(path: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(path) as db:
        return {
            (ns, key): value
            for ns, key, value in db.execute(
                "select namespace, key, value from entries"
                " where namespace in ('simple', 'upload-times')"
            )
        }


@pytest.mark.parametrize("filtered", [False, True], ids=["all-files", "wheel-filter"])
def test_pages_read_by_the_child_are_the_pages_read_here(
    fake_index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filtered: bool
) -> None:
    here_cache, there_cache = Cache(tmp_path / "here.db"), Cache(tmp_path / "there.db")
    here = _client(
        fake_index, here_cache, child=False, keep=wheel_prefilter(TAGS) if filtered else None
    )
    there = _client(
        fake_index, there_cache, child=True, keep=wheel_prefilter(TAGS) if filtered else None
    )
    child = _with_ready_child(there, monkeypatch)
    names = fake_index.projects
    assert len(names) > 10
    for name in names:
        assert there.releases(name) == here.releases(name), name
        assert there.upload_times(name) == here.upload_times(name), name
        assert there.release_summary(name) == here.release_summary(name), name
    assert child.answered >= len(names)  # the child did read them
    there.close()
    for c in (here_cache, there_cache):
        c.close()
    # The cache rows are the same bytes: a later run cannot tell who wrote them.
    assert _rows(tmp_path / "there.db") == _rows(tmp_path / "here.db") != {}


def test_wheel_metadata_read_by_the_child_is_the_metadata_read_here(
    fake_index: FakeIndex, cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in fake_index.projects:
        fake_index.missing_metadata(name)  # no PEP 658 file: range requests into the wheel
    here = _client(fake_index, Cache(tmp_path / "here.db"), child=False)
    there = _client(fake_index, cache, child=True)
    child = _with_ready_child(there, monkeypatch)
    checked = 0
    for name in fake_index.projects:
        for version, files in list(here.releases(name).items())[:2]:
            if not any(row[3] for row in files):
                continue  # no wheel: nothing for the child to read
            ours, theirs = here.metadata(name, version, TAGS), there.metadata(name, version, TAGS)
            assert theirs == ours, (name, version)
            assert theirs.source == "wheel METADATA (range requests)"
            checked += 1
    assert checked >= 5
    assert child.answered > checked  # pages and wheels
    there.close()


def test_the_child_names_failures_as_this_process_does(
    empty_index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_index.add_project("lib", ["1.0"])
    empty_index.add_project("odd", ["1.0"])
    empty_index.fail("/simple/denied", 403)
    empty_index.malformed("/simple/odd")
    messages: dict[bool, list[str]] = {}
    for child in (False, True):
        c = _client(empty_index, Cache(tmp_path / f"{child}.db"), child=child)
        if child:
            _with_ready_child(c, monkeypatch)
        seen = []
        for name in ("denied", "odd"):
            with pytest.raises(DataSourceError) as err:
                c.files(name)
            seen.append(err.value.message)
        assert c.files("lib")
        with pytest.raises(Exception, match="not found"):
            c.files("absent")  # a 404: not on the index
        if child:
            assert c._child is not None and c._child.answered == 4
        c.close()
        messages[child] = seen
    assert messages[True] == messages[False]
    assert "HTTP 403" in messages[True][0]
    assert "not a valid project page" in messages[True][1]


def test_a_child_that_dies_leaves_the_client_reading_here(
    fake_index: FakeIndex, cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = _client(fake_index, Cache(tmp_path / "here.db"), child=False)
    there = _client(fake_index, cache, child=True)
    child = _with_ready_child(there, monkeypatch)
    for proc in _processes(child):
        proc.kill()
        proc.wait()
    for name in fake_index.projects:
        assert there.releases(name) == here.releases(name)
    assert child.answered == 0 and not child.ready
    there.close()


def test_a_child_that_cannot_start_costs_nothing_but_speed(
    fake_index: FakeIndex, cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_process, "child_command", lambda: [str(tmp_path / "absent")])
    monkeypatch.setattr(fetch_process, "can_fork", lambda: False)
    monkeypatch.setattr(fetch_process, "START_AFTER", 1)
    here = _client(fake_index, Cache(tmp_path / "here.db"), child=False)
    there = _client(fake_index, cache, child=True)
    for name in fake_index.projects:
        assert there.releases(name) == here.releases(name)
    assert there._child is not None and not there._child.ready
    there.close()


def test_close_stops_the_child(
    fake_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = _client(fake_index, cache, child=True)
    child = _with_ready_child(c, monkeypatch)
    assert all(p.poll() is None for p in _processes(child))
    c.close()
    assert all(p.poll() is not None for p in _processes(child))
    assert c.files("requests")  # still usable, in process


def test_the_child_runs_nothing_from_the_working_directory(
    fake_index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout under audit is the working directory: a module in it named like one the
    child imports must not run (``-I``), even named by ``PYTHONPATH``."""
    marker = tmp_path / "ran"
    hostile = ("requests.py", "msgspec.py", "auditor/__init__.py", "struct.py", "json.py")
    for module in (*hostile, "sitecustomize.py"):
        path = tmp_path / "checkout" / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'w').write('{module}')\n")
    monkeypatch.chdir(tmp_path / "checkout")
    # Not from the environment either: the parent did not read PYTHONPATH's folder.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "checkout"))
    child = FetchProcess()
    assert child.start()
    try:
        deadline = time.monotonic() + 30
        while not child.ready:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        answer = child.page(f"{fake_index.simple_url}/requests/", verify=True, history=True)
        assert answer is not None and answer.packed is not None and answer.packed.count > 0
    finally:
        child.close()
    assert not marker.exists()


def test_fetches_ahead_are_known_as_such() -> None:
    seen: list[bool] = []
    with PacedExecutor(2, lambda: 2) as pool:
        pool.submit(lambda: seen.append(fetching_ahead())).result()
    seen.append(fetching_ahead())
    assert seen == [True, False]


def test_the_child_parses_the_page_someone_waits_for_first() -> None:
    lock = _PriorityLock()
    order: list[str] = []
    started = threading.Event()

    def take(name: str, urgent: bool) -> None:
        with lock.hold(urgent=urgent):
            order.append(name)

    with lock.hold(urgent=False):
        waiters = [threading.Thread(target=take, args=("ahead", False))]
        waiters[0].start()
        time.sleep(0.05)  # queued first
        waiters.append(threading.Thread(target=take, args=("waited for", True)))
        waiters[1].start()
        time.sleep(0.05)
        started.set()
    for t in waiters:
        t.join(5)
    assert order == ["waited for", "ahead"]


def test_a_wheel_filter_rebuilt_from_its_parts_judges_the_same() -> None:
    keep = wheel_prefilter(TAGS)
    again = WheelFilter(*keep.parts())
    names = [
        "torch-2.5.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "torch-2.5.1-cp312-cp312-win_amd64.whl",
        "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "six-1.16.0-py2.py3-none-any.whl",
        "pkg-1.0.tar.gz",
        "odd.whl",
        "tool-1.0-py3-none-macosx_11_0_arm64.whl",
    ]
    assert [again(n) for n in names] == [keep(n) for n in names]
    assert [keep(n) for n in names] == [True, False, False, True, True, True, False]


def test_the_resolver_asks_urgently_and_fetches_ahead_do_not(
    fake_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = _client(fake_index, cache, child=True)
    _with_ready_child(c, monkeypatch)
    asked: list[tuple[str, bool]] = []
    real = FetchProcess._ask

    def spy(self: FetchProcess, request: list[Any]) -> Any:
        asked.append((request[1].rstrip("/").rsplit("/", 1)[-1], request[-1]))
        return real(self, request)

    monkeypatch.setattr(FetchProcess, "_ask", spy)
    c.files("requests")
    with PacedExecutor(2, lambda: 2) as pool:
        pool.submit(c.files, "idna").result()
    c.close()
    assert asked == [("requests", True), ("idna", False)]


def test_a_resolution_reads_pages_in_the_child_only_with_a_session_it_can_make(
    fake_index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.resolve.pipeline import GraphRequest, build_graph

    monkeypatch.setattr(fetch_process, "START_AFTER", 1)
    started: list[FetchProcess] = []
    real_start = FetchProcess.start

    def spy(self: FetchProcess) -> bool:
        started.append(self)
        return real_start(self)

    monkeypatch.setattr(FetchProcess, "start", spy)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("requests>=2.30\nllama-cpp-python\n")

    def resolve(name: str, **kw: Any) -> list[tuple[str, str, list[str]]]:
        request = GraphRequest(
            files=(str(reqs),),
            index_url=fake_index.simple_url,
            python_version="3.12",
            platform="linux",
            cache_dir=tmp_path / name,
        )
        graph, _ = build_graph(request, **kw)
        return sorted(
            (p.name, str(p.version), sorted(d for d, _ in graph.dependencies(p.name)))
            for p in graph.packages()
        )

    own_session = resolve("own", session=make_session())
    assert started == []  # a session of the caller's: the child could not make it
    default = resolve("default")
    assert len(started) == 1
    assert started[0].keep is not None  # the target's wheel filter went with it
    assert all(p.poll() is not None for p in _processes(started[0]))  # closed
    assert default == own_session and len(default) > 10


_FORKED_RUN = """
import json, sys, tempfile, time
from pathlib import Path
from auditor.cache import Cache
from auditor.index import fetch_process
from auditor.index.client import IndexClient
from auditor.index.http import make_session

assert fetch_process.can_fork(), "this process has one thread: the child may be forked"
index, names = sys.argv[1], sys.argv[2].split(",")
cache = Cache(Path(tempfile.mkdtemp()) / "c.db")
c = IndexClient([index], session=make_session(), cache=cache, child_pages=True)
c.start_fetch_process()
child = c._child
deadline = time.monotonic() + 30
while not child.ready:
    assert time.monotonic() < deadline
    time.sleep(0.005)
kinds = sorted({type(k.proc).__name__ for k in child.children})
out = {n: c.releases(n) for n in names}
answered = child.answered
c.close()
cache.close()
exited = [k.proc.poll() for k in child.children]
print(json.dumps({"kinds": kinds, "answered": answered, "exited": exited, "releases": out}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked only on Linux")
def test_a_one_thread_process_forks_its_children_and_they_answer_the_same(
    fake_index: FakeIndex, tmp_path: Path
) -> None:
    """The command line forks (its one thread asks, before the resolver's threads start):
    children ready at once, with everything imported; same answers, closed at the end."""
    names = fake_index.projects
    done = subprocess.run(
        [sys.executable, "-c", _FORKED_RUN, fake_index.simple_url, ",".join(names)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["kinds"] == ["_Forked"]
    assert result["answered"] == len(names)
    assert result["exited"] == [0] * len(result["exited"])
    here = _client(fake_index, Cache(tmp_path / "here.db"), child=False)
    assert result["releases"] == {n: here.releases(n) for n in names}


@pytest.mark.parametrize(("flag", "children"), [("0", None), ("1", 1), ("3", 3)])
def test_the_user_chooses_how_many_fetch_processes(
    fake_index: FakeIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    children: int | None,
) -> None:
    from auditor.cli import main

    monkeypatch.setattr(fetch_process, "START_AFTER", 1)
    started: list[int] = []
    real_start = FetchProcess.start

    def spy(self: FetchProcess) -> bool:
        started.append(len(self.children))
        return real_start(self)

    monkeypatch.setattr(FetchProcess, "start", spy)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("requests>=2.30\nllama-cpp-python\n")
    argv = ["graph", str(reqs), "--index-url", fake_index.simple_url, "--python-version", "3.12"]
    argv += ["--platform", "linux", "--cache-dir", str(tmp_path / "c"), "--format", "json"]
    assert main([*argv, "--fetch-processes", flag]) == 0
    assert started == ([] if children is None else [children])


@pytest.mark.parametrize("value", ["-1", "17", "two"])
def test_a_wrong_number_of_fetch_processes_is_refused(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from auditor.cli import main

    assert main(["graph", "requirements.txt", "--fetch-processes", value]) == 2
    err = capsys.readouterr().err
    assert "argument --fetch-processes: " in err
    assert "between 0 and 16" in err or "not a whole number: 'two'" in err


def test_a_stuck_child_is_stopped_and_its_page_read_here(
    empty_index: FakeIndex, cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_index.add_project("slow", ["1.0"])
    empty_index.add_project("lib", ["1.0"])
    c = _client(empty_index, cache, child=True, processes=1)
    child = _with_ready_child(c, monkeypatch)
    monkeypatch.setattr(fetch_process, "ANSWER_WITHIN", 0.3)
    empty_index.delay(1.0, "/simple/slow")  # the child answers late: deemed stuck
    assert {f.version for f in c.files("slow")} == {"1.0"}  # read here instead
    assert empty_index.count("/simple/slow") == 2  # asked by the child, then here
    assert not child.ready
    assert all(p.wait(timeout=5) is not None for p in _processes(child))  # stopped
    assert c.files("lib")  # and the rest is read here too
    c.close()


def _page(files: list[dict[str, Any]]) -> dict[str, Any]:
    return {"meta": {"api-version": "1.1"}, "name": "odd", "files": files}


_WHEEL = "odd-1.0-py3-none-any.whl"


@pytest.mark.parametrize(
    "entry",
    [
        {"filename": _WHEEL, "url": _WHEEL, "size": 2**70},  # beyond msgpack's integers
        {"filename": _WHEEL, "url": _WHEEL, "requires-python": ">=3\ud800"},  # lone surrogate
    ],
    ids=["huge-size", "lone-surrogate"],
)
def test_a_page_the_pipe_cannot_carry_is_read_here_at_once(
    empty_index: FakeIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry: dict[str, Any],
) -> None:
    """An odd value msgpack cannot encode must not leave the parent waiting for an answer
    (it waited for the stuck-child bound, 300 s), nor kill the child."""
    empty_index.add_project("odd", ["1.0"])
    empty_index.wrong_shape("/simple/odd", body=_page([entry]))
    here = _client(empty_index, Cache(tmp_path / "here.db"), child=False)
    there = _client(empty_index, Cache(tmp_path / "there.db"), child=True)
    child = _with_ready_child(there, monkeypatch)
    monkeypatch.setattr(fetch_process, "ANSWER_WITHIN", 30.0)
    started = time.monotonic()
    assert there.releases("odd") == here.releases("odd") != {}
    assert time.monotonic() - started < 10
    assert child.ready  # still answering
    there.close()


def test_rows_kept_by_another_filter_are_not_taken_for_the_clients(
    empty_index: FakeIndex, cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A packed page carries the filter that chose its kept rows: a client whose own
    filter is not that one reads every row of the page instead."""
    files = [
        "odd-1.0.tar.gz",
        "odd-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        "odd-1.0-cp312-cp312-win_amd64.whl",
        "odd-1.0-cp312-cp312-macosx_11_0_arm64.whl",
    ]
    empty_index.add_project("odd", ["1.0"])
    empty_index.wrong_shape("/simple/odd", body=_page([{"filename": f, "url": f} for f in files]))
    keep = wheel_prefilter(TAGS)
    there = _client(empty_index, cache, child=True, keep=keep)
    _with_ready_child(there, monkeypatch)
    listing = there._index_files(there.index_urls[0], "odd")
    assert listing is not None and not isinstance(listing, list)  # packed by a child
    monkeypatch.setattr(there, "_index_files", lambda index, n: listing)
    here_all = _client(empty_index, Cache(tmp_path / "all.db"), child=False)
    here_kept = _client(empty_index, Cache(tmp_path / "kept.db"), child=False, keep=keep)
    assert [r[0] for r in there._releases("odd")["1.0"]] == files[:2]
    assert there._releases("odd") == here_kept.releases("odd")
    there.keep_file = None
    assert [r[0] for r in there._releases("odd")["1.0"]] == files
    assert there._releases("odd") == here_all.releases("odd")
    there.close()


def test_a_closed_client_starts_no_child_again(
    fake_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = _client(fake_index, cache, child=True)
    _with_ready_child(c, monkeypatch)
    c.close()
    assert c._page_child() is None and c._child is None
    assert c.files("requests")  # read here


@pytest.mark.parametrize("offline", [True, False])
def test_an_offline_run_starts_no_fetch_process(
    fake_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch, offline: bool
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(fetch_process, "can_fork", lambda: True)
    monkeypatch.setattr(FetchProcess, "start", lambda self: started.append(True) or False)
    c = _client(fake_index, cache, child=True, offline=offline)
    c.start_fetch_process()
    assert started == ([] if offline else [True])


def test_a_small_resolution_starts_no_fetch_process(fake_index: FakeIndex, cache: Cache) -> None:
    c = _client(fake_index, cache, child=True)
    for name in fake_index.projects[: fetch_process.START_AFTER - 1]:
        assert c.files(name)
    assert c._child is None  # below the threshold: no process was worth its start
    c.files(fake_index.projects[fetch_process.START_AFTER - 1])
    assert c._child is not None
    c.close()


def test_a_child_that_keeps_answering_is_not_taken_for_stuck(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request waiting long in a child that answers others is queued, not lost."""
    for name in ["slow", *(f"lib{i}" for i in range(200))]:
        empty_index.add_project(name, ["1.0"])
    c = _client(empty_index, cache, child=True, processes=1)
    child = _with_ready_child(c, monkeypatch)
    monkeypatch.setattr(fetch_process, "ANSWER_WITHIN", 0.3)
    empty_index.delay(1.0, "/simple/slow")
    slow_done = threading.Event()
    asked: list[int] = []

    def others() -> None:  # a fresh page every 10 ms until the slow one is answered
        for i in range(200):
            if slow_done.is_set():
                break
            c.files(f"lib{i}")
            asked.append(i)
            time.sleep(0.01)

    worker = threading.Thread(target=others)
    worker.start()
    assert {f.version for f in c.files("slow")} == {"1.0"}
    slow_done.set()
    worker.join(10)
    assert len(asked) > 10 and child.ready  # answered others meanwhile; never stopped
    assert empty_index.count("/simple/slow") == 1  # the child's answer, not a second ask
    c.close()
