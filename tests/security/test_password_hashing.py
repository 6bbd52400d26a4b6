"""Item 5: Argon2 hashing and verification run off the eventlet hub (eventlet.tpool), at most
HASHING_SLOTS at a time, so the accounts service's other calls go on meanwhile."""
import eventlet
from eventlet import patcher

from services.accounts import security

real_sleep = patcher.original("time").sleep


def ticks_during(work):
    """How many times another greenthread ran while ``work`` ran in this one."""
    ticks, done = [0], []

    def ticker():
        while not done:
            ticks[0] += 1
            eventlet.sleep(0)

    thread = eventlet.spawn(ticker)
    eventlet.sleep(0)  # the ticker is running
    before = ticks[0]
    work()
    during = ticks[0] - before
    done.append(True)
    thread.wait()
    return during


def test_hashing_and_verifying_leave_the_hub_free():
    digest = []
    assert ticks_during(lambda: digest.append(security.hash_password("Mật khẩu rất dài 2026"))) > 1
    assert ticks_during(lambda: security.verify_password(digest[0], "Mật khẩu rất dài 2026")) > 1
    assert security.verify_password(digest[0], "Mật khẩu rất dài 2026")
    assert not security.verify_password(digest[0], "wrong password")


def test_at_most_the_slots_hash_at_once(monkeypatch):
    running, peak = [0], [0]

    def slow_verify(password_hash, password):
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        real_sleep(0.05)
        running[0] -= 1
        return False

    monkeypatch.setattr(security, "_verify", slow_verify)
    pool = eventlet.GreenPool()
    for _ in range(8):
        pool.spawn(security.verify_password, "hash", "password")
    pool.waitall()
    assert peak[0] == security.HASHING_SLOTS.balance == 2
