"""cmi5 launch sessions (docs/xapi.md): the one-time fetch token of a launch URL and the
auth-token the content then sends to ``/api/v1/xapi/statements``.

Tokens are random and stored only as SHA-256 hashes. A fetch token works once: redeeming
inserts ``<hash>`` into ``cmi5_fetches`` (an insert with a natural unique id, atomic on
FerretDB too), so a second fetch, even a concurrent one, fails. An auth-token is scoped to
one learner, course, lesson and registration: statements sent with it can complete only the
launched lesson.
"""
import datetime as dt
import hashlib
import secrets
import uuid

from pymongo.errors import DuplicateKeyError

from .storage import now

FETCH_TTL = dt.timedelta(minutes=10)
SESSION_TTL = dt.timedelta(hours=12)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Cmi5Store:
    COLLECTIONS = ("cmi5_launches", "cmi5_fetches", "cmi5_sessions")

    def __init__(self, db):
        self.launches = db["cmi5_launches"]
        self.fetches = db["cmi5_fetches"]
        self.sessions = db["cmi5_sessions"]

    def create_launch(self, launch):
        token = secrets.token_urlsafe(32)
        self.launches.insert_one(dict(launch, _id=_hash(token), created_at=now(), expires_at=now() + FETCH_TTL))
        return token

    def redeem(self, fetch_token):
        """(auth token, None) or (None, cmi5 error code): 1 used already, 2 expired/unknown."""
        key = _hash(fetch_token)
        launch = self.launches.find_one({"_id": key})
        if not launch or launch["expires_at"] < now():
            return None, "2"
        try:
            self.fetches.insert_one({"_id": key, "at": now()})
        except DuplicateKeyError:
            return None, "1"
        token = secrets.token_urlsafe(32)
        session = {k: launch[k] for k in ("actor", "course_id", "lesson_id", "registration", "activity_id")}
        self.sessions.insert_one(dict(session, _id=_hash(token), session_id=str(uuid.uuid4()),
                                      expires_at=now() + SESSION_TTL))
        return token, None

    def session(self, auth_token):
        session = self.sessions.find_one({"_id": _hash(auth_token)})
        if not session or session["expires_at"] < now():
            return None
        return {k: session[k] for k in ("actor", "course_id", "lesson_id", "registration", "activity_id",
                                        "session_id")}
