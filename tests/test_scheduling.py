"""How `pytest -n 2` hands out the tests (tests/conftest.py): the full build's tests as one unit, first; then
whole modules, the costliest first; test by test when a run holds only a few modules."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import conftest
import pytest

TESTS = Path(__file__).parent


class Node:
    """A stand-in for an xdist worker: it records the tests it is sent."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.shutting_down = False
        self.sent: list[int] = []

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.extend(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def scheduler(dist: str = "load"):  # type: ignore[no-untyped-def]
    option = SimpleNamespace(loadscopereorder=True)
    values = {"dist": dist, "tx": ["popen", "popen"]}
    config = SimpleNamespace(option=option, getvalue=values.__getitem__)
    return conftest.pytest_xdist_make_scheduler(config, SimpleNamespace(loadscopesched=lambda *a: None))


def hand_out(ids: list[str]) -> tuple[Node, Node, dict[str, str]]:
    """Two workers given `ids` (in collection order); each test finished at once by whoever has it."""
    sched = scheduler()
    a, b = Node("gw0"), Node("gw1")
    for node in (a, b):
        sched.add_node(node)
        sched.add_node_collection(node, ids)
    sched.schedule()
    who: dict[str, str] = {}
    done = 0
    while done < len(ids):
        for node in (a, b):  # one test per worker per round, in the order each was sent them
            waiting = [i for i in node.sent if ids[i] not in who]
            if waiting:
                who[ids[waiting[0]]] = node.gateway.id
                sched.mark_test_complete(node, waiting[0])
                done += 1
    return a, b, who


def ordered(ids: list[str]) -> list[str]:
    items = [SimpleNamespace(nodeid=i, fixturenames=["full_build"] if i.startswith(conftest.FULL_BUILD_TESTS)
                             else ["tmp_path"]) for i in ids]
    conftest.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    return [i.nodeid for i in items]


RUN = ["tests/test_cli.py::test_a", "tests/test_atomic.py::test_b", "tests/test_report.py::test_c",
       "tests/test_atomic.py::test_d", "tests/test_diff.py::test_e", "tests/test_docs.py::test_f",
       "tests/test_pdf_accessibility.py::test_every_pdf_of_the_build_is_tagged", "tests/test_incremental.py::test_g",
       "tests/test_report.py::test_h", "tests/test_lookup.py::test_i", "tests/test_narrative.py::test_j",
       "tests/test_rounding.py::test_k", "tests/test_scale.py::test_l", "tests/test_cli.py::test_m"]


def test_the_full_build_unit_comes_first_then_the_costliest_modules_then_the_rest_in_order() -> None:
    assert ordered(RUN) == [
        "tests/test_report.py::test_c", "tests/test_report.py::test_h",
        "tests/test_pdf_accessibility.py::test_every_pdf_of_the_build_is_tagged",
        "tests/test_atomic.py::test_b", "tests/test_atomic.py::test_d", "tests/test_incremental.py::test_g",
        "tests/test_diff.py::test_e", "tests/test_scale.py::test_l",  # in LONGEST, in its order
        "tests/test_cli.py::test_a", "tests/test_docs.py::test_f", "tests/test_lookup.py::test_i",
        "tests/test_narrative.py::test_j", "tests/test_rounding.py::test_k", "tests/test_cli.py::test_m"]


def test_a_test_reading_the_full_build_must_be_listed() -> None:
    items = [SimpleNamespace(nodeid="tests/test_cli.py::test_new", fixturenames=["full_build"])]
    with pytest.raises(pytest.UsageError, match="test_new reads full_build: add it to FULL_BUILD_TESTS"):
        conftest.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]


def test_every_module_named_in_the_order_is_there() -> None:
    assert [name for name in conftest.LONGEST if not (TESTS / name).is_file()] == []
    assert len(set(conftest.LONGEST)) == len(conftest.LONGEST)
    for prefix in conftest.FULL_BUILD_TESTS:
        assert (TESTS.parent / prefix.split("::")[0]).is_file(), prefix


def test_one_worker_takes_the_full_build_unit_while_the_other_takes_whole_modules() -> None:
    ids = ordered(RUN)
    a, b, who = hand_out(ids)
    full = [i for i in ids if conftest.unit_of(i) == conftest.FULL_BUILD]
    assert [ids[i] for i in a.sent[:len(full)]] == full  # the first worker starts on the full build's tests
    assert ids[b.sent[0]] == "tests/test_atomic.py::test_b"  # the second on the costliest module
    assert {who[i] for i in full} == {"gw0"}
    rest = [i for i in ids if i not in full]
    for module in {i.split("::")[0] for i in rest}:
        assert len({who[i] for i in rest if i.startswith(module)}) == 1, module  # a module on one worker
    assert set(who) == set(ids)


def test_a_run_of_a_few_modules_is_handed_out_test_by_test() -> None:
    ids = [f"tests/test_atomic.py::test_{n}" for n in range(6)] + ["tests/test_cli.py::test_x"]
    _, _, who = hand_out(ordered(ids))
    assert {who[i] for i in ids if "test_atomic" in i} == {"gw0", "gw1"}


def test_another_dist_mode_is_left_to_xdist() -> None:
    assert scheduler("worksteal") is None and scheduler("loadfile") is None
