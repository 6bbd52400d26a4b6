"""cmi5 launch sessions (docs/xapi.md): the one-time fetch token of a launch URL and the
auth-token the content then sends to ``/api/v1/xapi/statements``.

Tokens are random and stored only as SHA-256 hashes. A fetch token works once: redeeming
inserts ``<hash>`` into ``cmi5_fetches`` (an insert with a natural unique id, atomic on
FerretDB too), so a second fetch, even a concurrent one, fails. An auth-token is scoped to
one learner, course, lesson and registration: statements sent with it can complete only the
launched lesson. The registration documents (``cmi5_registrations``, by registration id)
hold the cmi5 state of each learner's enrollment (cmi5_rules.py); their updates are
serialised per registration inside the service (KeyedLocks), as FerretDB requires.
"""
import datetime as dt
import hashlib
import secrets
import uuid

from mooc_common.infra.store import insert_once, utcnow

FETCH_TTL = dt.timedelta(minutes=10)
SESSION_TTL = dt.timedelta(hours=12)
# What a launch carries into its session (and the LMS.LaunchData document).
SESSION_FIELDS = ("actor", "course_id", "lesson_id", "registration", "activity_id", "session_id", "move_on",
                  "mastery_score", "return_url", "launch_url", "au_lessons", "tenant_id")


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

    def save_registration(self, doc):
        self.registrations.replace_one({"_id": doc["_id"]}, doc, upsert=True)

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
