"""Telling an outage of the infrastructure (the store or the broker unreachable) from a failure
of the work itself: an outage is retried (event handlers) or answered 503 (the gateway), the
rest is the work's own error."""
import socket

import amqp.exceptions
import kombu.exceptions
import pymongo.errors
from nameko.exceptions import RemoteError

# Failures of the infrastructure rather than of the message: the store or the broker being
# unreachable. Matched by class name too, so that an error re-raised from another process
# (a nameko RemoteError carries only the name) is classified the same way.
OUTAGE_ERRORS = (pymongo.errors.ConnectionFailure, pymongo.errors.ExecutionTimeout,
                 pymongo.errors.WaitQueueTimeoutError, kombu.exceptions.OperationalError,
                 amqp.exceptions.ConnectionError,
                 ConnectionError, TimeoutError, socket.timeout)
OUTAGE_ERROR_NAMES = frozenset({"ServerSelectionTimeoutError", "AutoReconnect", "NetworkTimeout",
                                "ConnectionFailure", "ExecutionTimeout", "WaitQueueTimeoutError",
                                "NotPrimaryError", "OperationalError", "ConnectionError",
                                "ConnectionRefusedError", "ConnectionResetError", "RpcTimeout"})


def is_outage(exc):
    """Whether ``exc`` says the store or the broker is unreachable (not that the message is bad)."""
    if isinstance(exc, OUTAGE_ERRORS):
        return True
    if isinstance(exc, RemoteError):
        return exc.exc_type in OUTAGE_ERROR_NAMES
    return False
