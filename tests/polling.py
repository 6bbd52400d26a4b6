"""Bounded waiting for asynchronous outcomes (events travel through the broker)."""
import time


def eventually(check, timeout=20.0, interval=0.2):
    """Call ``check`` until it returns a truthy value or raises nothing; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except AssertionError as exc:
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout}s: {last_error or 'check kept returning a falsy value'}")
