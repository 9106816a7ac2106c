"""Sharing the model between sessions: arrival order, bounded waits, and turns that go on without it."""
import threading
import time

import pytest

from kgrec.agent import AgentConfig, Recommender
from kgrec.agent.scheduler import FairLock, ModelBusy, SharedModel, deadline
from kgrec.kg.errors import KgrecError
from tests.agent.conftest import CATALOG, PA, ScriptedLM


def wait_until(condition, timeout=5.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_the_lock_is_granted_in_arrival_order():
    lock, order = FairLock(), []
    lock.acquire()

    def take(i):
        lock.acquire()
        order.append(i)
        lock.release()

    threads = []
    for i in range(6):  # each queues only after the previous one is already waiting
        threads.append(threading.Thread(target=take, args=(i,)))
        threads[-1].start()
        wait_until(lambda: lock.waiting == i + 1)
    lock.release()
    for t in threads:
        t.join(timeout=5)
    assert order == list(range(6))


def test_a_waiter_that_gives_up_does_not_block_the_ones_behind_it():
    lock, got = FairLock(), []
    lock.acquire()
    impatient = threading.Thread(target=lambda: got.append(("impatient", lock.acquire(timeout=0.05))))
    impatient.start()
    wait_until(lambda: lock.waiting == 1)
    patient = threading.Thread(target=lambda: got.append(("patient", lock.acquire(timeout=5))))
    patient.start()
    impatient.join(timeout=5)
    lock.release()
    patient.join(timeout=5)
    assert got == [("impatient", False), ("patient", True)]
    with pytest.raises(RuntimeError):
        FairLock().release()


def test_a_model_call_past_its_deadline_raises_model_busy_and_one_in_time_runs():
    model = SharedModel(ScriptedLM())
    model.lock.acquire()  # another session is using the model
    with deadline(time.monotonic() + 0.05), pytest.raises(ModelBusy, match="busy"):
        model.score("p", ["a", "b"])
    model.lock.release()
    with deadline(time.monotonic() + 0.05):
        assert model.score("p", ["a", "b"]) == [0.0, -0.1]
    assert issubclass(ModelBusy, KgrecError)


def test_a_turn_that_cannot_get_the_model_answers_in_retrieval_order(G):
    lm = ScriptedLM(scores=lambda prompt, options: [0.1 * i for i in range(len(options))])  # reverses the order
    rec = Recommender(AgentConfig(k=3, model_wait_s=0.05, rank_with_model=True), graph=G, lm=lm)
    calm = rec.respond(rec.new_session(), "I loved Police Academy")
    rec.lm.lock.acquire()  # the model is busy with someone else for the whole next turn
    try:
        busy = rec.respond(rec.new_session(), "I loved Police Academy")  # would hang if it queued for the model
    finally:
        rec.lm.lock.release()
    ranking = [s for s in busy.trace if s.tool == "rank_candidates"]
    assert ranking and "busy" in ranking[0].error
    retrieved = [s for s in busy.trace if s.tool == "retrieve_candidates"]
    assert busy.items and {i.item for i in busy.items} <= CATALOG - {PA}
    assert [i.item for i in busy.items] != [i.item for i in calm.items]  # the model's order is not there
    assert all(i.explanation.paths for i in busy.items) and retrieved


def test_model_wait_is_checked():
    with pytest.raises(KgrecError, match="model_wait_s=-1"):
        AgentConfig(model_wait_s=-1)
    assert AgentConfig(model_wait_s=None).model_wait_s is None
