"""kg.store.clients: the ledger that gives each client its share of the query workers."""

from __future__ import annotations

import threading

import pytest

from kg.errors import QueryTimeout, TooManyRequests
from kg.store.clients import Client, Fairness, Ledger, acting_for, current

ALICE, BOB = Client("addr:127.0.0.2"), Client("addr:127.0.0.3")


def test_the_client_is_set_for_the_block_only() -> None:
    """acting_for names the client inside the block, and none after it."""
    assert current() is None
    with acting_for(ALICE):
        assert current() == ALICE
    assert current() is None


def test_three_lost_workers_bring_a_back_off_that_doubles() -> None:
    """After 3 lost workers the client is refused with Retry-After 2 s, after a 4th 4 s; others are not."""
    ledger = Ledger(Fairness(losses=3))
    for _ in range(2):
        ledger.lost_worker(ALICE)
    ledger.admit(ALICE, 1)  # two lost: still admitted
    ledger.release(ALICE)
    ledger.lost_worker(ALICE)
    with pytest.raises(TooManyRequests) as refused:
        ledger.admit(ALICE, 1)
    assert refused.value.status == 429 and 1.5 < refused.value.retry_after <= 2
    ledger.lost_worker(ALICE)
    with pytest.raises(TooManyRequests) as longer:
        ledger.admit(ALICE, 1)
    assert 3.5 < longer.value.retry_after <= 4
    ledger.admit(BOB, 1)


def test_a_query_past_the_share_waits_for_the_clients_own() -> None:
    """With its share running, a client's next query waits until one of its own ends (not a worker)."""
    ledger = Ledger(Fairness(per_client=1))
    ledger.admit(ALICE, 1)
    admitted = threading.Event()

    def second() -> None:
        ledger.admit(ALICE, 30)
        admitted.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not admitted.wait(0.2)
    ledger.admit(BOB, 1)  # another client is not held up
    ledger.release(ALICE)
    thread.join(30)
    assert admitted.is_set()


def test_a_client_waiting_past_its_time_gets_a_timeout_and_too_many_waiting_get_429() -> None:
    """A wait for the client's own share ends at its time limit; one past twice the share waiting is 429."""
    ledger = Ledger(Fairness(per_client=1))
    ledger.admit(ALICE, 1)
    with pytest.raises(QueryTimeout, match="kept this one waiting"):
        ledger.admit(ALICE, 0.05)
    ended: list[BaseException] = []

    def wait() -> None:
        try:
            ledger.admit(ALICE, 2)
        except QueryTimeout as exc:
            ended.append(exc)

    waiters = [threading.Thread(target=wait) for _ in range(2)]
    for waiter in waiters:
        waiter.start()
    while ledger._records[ALICE.name].waiting < 2:
        threading.Event().wait(0.01)
    with pytest.raises(TooManyRequests, match="waiting"):
        ledger.admit(ALICE, 1)
    for waiter in waiters:
        waiter.join(10)
    assert len(ended) == 2  # neither got in: ALICE's one query never ended


def test_a_token_holder_is_not_held_to_the_share() -> None:
    """A trusted client may run more queries at once than the share."""
    ledger = Ledger(Fairness(per_client=1))
    writer = Client("token:alice", trusted=True)
    for _ in range(5):
        ledger.admit(writer, 0.01)


def test_a_long_query_makes_its_client_heavy() -> None:
    """A client whose query ran long is kept off the reserved lane; one that did not is not."""
    ledger = Ledger()
    ledger.ran_long(ALICE)
    assert ledger.heavy(ALICE) and not ledger.heavy(BOB) and not ledger.heavy(None)
