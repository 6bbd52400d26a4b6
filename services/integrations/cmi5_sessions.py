"""cmi5 launch sessions (docs/xapi.md): the one-time fetch token of a launch URL and the
auth-token the content then sends to ``/api/v1/xapi/statements``.

Tokens are random and stored only as SHA-256 hashes. A fetch token works once: redeeming
inserts ``<hash>`` into ``cmi5_fetches`` (an insert with a natural unique id, atomic on
FerretDB too), so a second fetch, even a concurrent one, fails. An auth-token is scoped to
one learner, course, lesson and registration: statements sent with it can complete only the
launched lesson. The registration documents (``cmi5_registrations``, by registration id)
hold the cmi5 state of each learner's enrollment (cmi5_rules.py); they are changed only by
``Cmi5Store.change_registration``: read, changed and written under this process's lock of the
registration (FerretDB has no atomic conditional update), the write a compare-and-set on the
registration's revision (``rev``), so that on MongoDB a change made meanwhile by another
instance is never overwritten: the change is applied again to what that instance wrote.
"""
import datetime as dt
import hashlib
import secrets
import uuid

from mooc_common.contracts.errors import Conflict
from mooc_common.infra.keyed_locks import KeyedLocks
from mooc_common.infra.store import insert_once, utcnow

FETCH_TTL = dt.timedelta(minutes=10)
SESSION_TTL = dt.timedelta(hours=12)
# What a launch carries into its session (and the LMS.LaunchData document).
SESSION_FIELDS = ("actor", "course_id", "lesson_id", "registration", "activity_id", "session_id", "move_on",
                  "mastery_score", "return_url", "launch_url", "au_lessons", "tenant_id")
REGISTRATION_LOCKS = KeyedLocks()
REGISTRATION_TRIES = 5  # compare-and-set rounds against other instances (MongoDB)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Cmi5Store:
    COLLECTIONS = ("cmi5_launches", "cmi5_fetches", "cmi5_sessions", "cmi5_registrations")

    def __init__(self, db):
        self.launches = db["cmi5_launches"]
        self.fetches = db["cmi5_fetches"]
        self.sessions = db["cmi5_sessions"]
        self.registrations = db["cmi5_registrations"]

    def get_registration(self, registration):
        return self.registrations.find_one({"_id": registration})

    def change_registration(self, registration, change, missing):
        """``change(reg)`` applied to registration ``registration`` and written; returns what
        ``change`` returns. ``missing()`` gives the registration to start from when there is
        none (or raises). ``change`` may run more than once (each time on what is stored then),
        so it only mutates ``reg`` and builds its result; an exception leaves the stored one as
        it was."""
        with REGISTRATION_LOCKS.hold(registration):
            for _ in range(REGISTRATION_TRIES):
                reg = self.get_registration(registration)
                rev = reg.get("rev", 0) if reg else None
                reg = reg or missing()
                result = change(reg)
                reg["rev"] = (rev or 0) + 1
                if rev is None:
                    written = insert_once(self.registrations, reg)
                else:  # a registration stored before revisions has none: rev 0 matches it too
                    written = self.registrations.replace_one(
                        {"_id": registration, "rev": {"$in": [rev, None]} if rev == 0 else rev}, reg).matched_count
                if written:
                    return result
        raise Conflict("This cmi5 registration is being changed elsewhere; try again.", {})

    @staticmethod
    def new_session_id():
        return str(uuid.uuid4())

    def create_launch(self, launch):
        """``launch`` has its session id already (the launched statement and the state name it)."""
        token = secrets.token_urlsafe(32)
        self.launches.insert_one(dict(launch, _id=_hash(token), created_at=utcnow(), expires_at=utcnow() + FETCH_TTL))
        return token

    def redeem(self, fetch_token):
        """(auth token, None) or (None, cmi5 error code): 1 used already, 2 expired/unknown."""
        key = _hash(fetch_token)
        launch = self.launches.find_one({"_id": key})
        if not launch or launch["expires_at"] < utcnow():
            return None, "2"
        if not insert_once(self.fetches, {"_id": key, "at": utcnow()}):
            return None, "1"
        token = secrets.token_urlsafe(32)
        session = {k: launch.get(k) for k in SESSION_FIELDS}
        self.sessions.insert_one(dict(session, _id=_hash(token), expires_at=utcnow() + SESSION_TTL))
        return token, None

    def session(self, auth_token):
        session = self.sessions.find_one({"_id": _hash(auth_token)})
        if not session or session["expires_at"] < utcnow():
            return None
        return {k: session.get(k) for k in SESSION_FIELDS}
