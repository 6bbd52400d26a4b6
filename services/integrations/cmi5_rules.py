"""cmi5 rules of the LMS side (pure: no I/O), over plain dicts (docs/xapi.md, cmi5 §9-10).

A registration document holds, for one learner's enrollment, each AU's progress (completed,
passed, satisfied) and each launch session's state (launched, initialized, terminated,
abandoned, closed) with the statement ids it accepted. ``check_statements`` applies a batch of
statements an AU sent with its session's auth-token: it refuses the whole batch if one breaks
a rule (the LMS "MUST reject" them: 403), accepts again a statement id it already accepted
(an AU retrying after a lost answer), and says whether the AU's moveOn criterion is met.
The LMS's own statements (launched, abandoned, satisfied) are built here too; their ids are
UUIDv5 of the session or registration, so issuing one again never makes a second.
"""
import uuid

from mooc_common.contracts import xapi

DEFINED_VERBS = {xapi.VERBS[v][0]: v for v in ("initialized", "completed", "passed", "failed", "terminated")}
OPEN_STATES = ("launched", "initialized")
MAX_SESSIONS_KEPT = 50  # per registration: older closed sessions are forgotten
MAX_STATEMENTS_PER_SESSION = 2_000  # the ids a session remembers (its registration document's size)


class Violation(Exception):
    """Statements that break a cmi5 rule: ``errors`` maps the statement index to the reasons."""

    def __init__(self, errors):
        super().__init__("cmi5 rules refuse these statements")
        self.errors = errors


def move_on_met(rule, completed, passed):
    """cmi5 §10 moveOn: does the AU's progress satisfy it?"""
    return {"Completed": completed, "Passed": passed, "CompletedAndPassed": completed and passed,
            "CompletedOrPassed": completed or passed, "NotApplicable": True}[rule]


def new_registration(registration, learner_id, course_id):
    return {"_id": registration, "learner_id": learner_id, "course_id": course_id, "aus": {},
            "sessions": {}, "course_satisfied": False}


def _au(reg, lesson_id):
    return reg["aus"].setdefault(lesson_id, {"completed": False, "passed": False, "failed": False,
                                             "satisfied": False})


def open_session(reg, session_id, lesson_id, activity_id, at):
    """Record a new launch; returns the sessions it abandons (initialized and never terminated:
    cmi5 §9.3.6) and closes the launched-only ones silently (the AU never started)."""
    abandoned = []
    for sid, session in reg["sessions"].items():
        if session["state"] == "initialized":
            session["state"] = "abandoned"
            abandoned.append(dict(session, session_id=sid))
        elif session["state"] == "launched":
            session["state"] = "closed"
    if len(reg["sessions"]) >= MAX_SESSIONS_KEPT:
        for sid in sorted(reg["sessions"], key=lambda s: reg["sessions"][s]["launched_at"])[:10]:
            if reg["sessions"][sid]["state"] not in OPEN_STATES:
                del reg["sessions"][sid]
    reg["sessions"][session_id] = {"lesson_id": lesson_id, "activity_id": activity_id, "state": "launched",
                                   "launched_at": at, "last_at": at, "verbs": [], "statement_ids": []}
    return abandoned


def satisfy(reg, lesson_id, au_lessons):
    """Mark the AU satisfied; True when this makes every AU of the course satisfied (once)."""
    _au(reg, lesson_id)["satisfied"] = True
    if reg["course_satisfied"] or not all(reg["aus"].get(l, {}).get("satisfied") for l in au_lessons):
        return False
    reg["course_satisfied"] = True
    return True


def _context_of(statement):
    return statement.get("context") or {}


def _categories(statement):
    return {a.get("id") for a in (_context_of(statement).get("contextActivities") or {}).get("category") or []
            if isinstance(a, dict)}


# Each statement of a session names the launch it belongs to: (what it says, launch key, why refused).
_LAUNCH_MATCHES = (
    (lambda s: (s.get("actor") or {}).get("account"), "actor_account",
     "the actor must be the launched learner's account"),
    (lambda s: _context_of(s).get("registration"), "registration",
     "context.registration must be the launch's registration"),
    (lambda s: (_context_of(s).get("extensions") or {}).get(xapi.CMI5_SESSION_ID), "session_id",
     "the cmi5 session id extension must be the launch's"),
)
# What a cmi5 defined statement's result must say, per verb (§9.5.2, §9.5.3).
_EXPECTED_RESULT = {"completed": {"completion": True}, "passed": {"success": True}, "failed": {"success": False}}


class _Defined:
    """One cmi5 defined statement under check, with what the rules read about it."""

    def __init__(self, statement, verb, categories, launch, au, seen_verbs):
        self.statement, self.verb, self.categories = statement, verb, categories
        self.result = statement.get("result") or {}
        self.launch, self.au, self.seen_verbs = launch, au, seen_verbs


def _object_rule(d):
    if (d.statement.get("object") or {}).get("id") != d.launch["activity_id"]:
        return ["a cmi5 defined statement's object is the launched AU"]
    return []


def _repeat_rule(d):
    """Each defined verb once per session; completed/passed once per registration; no failed
    after passed."""
    verb, problems = d.verb, []
    if verb in d.seen_verbs:
        problems.append(f"{verb} was already sent in this session")
    if verb in ("passed", "failed") and {"passed", "failed"} & set(d.seen_verbs):
        problems.append("a session has at most one passed or failed statement")
    if verb in ("completed", "passed") and d.au[verb]:
        problems.append(f"{verb} was already sent in this registration")
    if verb == "failed" and d.au["passed"]:
        problems.append("failed cannot follow passed in a registration")
    return problems


def _result_rule(d):
    expected, problems = _EXPECTED_RESULT.get(d.verb, {}), []
    for key in ("completion", "success"):
        if d.result.get(key) != expected.get(key):
            problems.append(f"result.{key} must be {expected[key]}" if key in expected
                            else f"a {d.verb} statement has no result.{key}")
    if "score" in d.result and d.verb not in ("passed", "failed"):
        problems.append(f"a {d.verb} statement has no score")
    return problems


def _mastery_rule(d):
    scaled = (d.result.get("score") or {}).get("scaled")
    mastery = d.launch.get("mastery_score")
    if scaled is None or mastery is None:
        return []
    if d.verb == "passed" and scaled < mastery:
        return ["a passed statement's scaled score reaches the mastery score"]
    if d.verb == "failed" and scaled >= mastery:
        return ["a failed statement's scaled score is below the mastery score"]
    return []


def _moveon_rule(d):
    if (d.verb in ("completed", "passed", "failed")) != (xapi.CMI5_MOVEON_CATEGORY in d.categories):
        return ["the moveon category is on completed, passed and failed statements only"]
    return []


_DEFINED_RULES = (_object_rule, _repeat_rule, _result_rule, _mastery_rule, _moveon_rule)


def _problems(statement, session, launch, au, seen_verbs):
    """Why one statement breaks a rule (empty: it does not); ``seen_verbs`` are the cmi5
    defined verbs of the session so far."""
    problems = [why for said, key, why in _LAUNCH_MATCHES if said(statement) != launch[key]]
    categories = _categories(statement)
    verb = DEFINED_VERBS.get(statement["verb"]["id"])
    defined = xapi.CMI5_CATEGORY in categories
    if session["state"] == "launched" and not (defined and verb == "initialized"):
        problems.append("the first statement of a session must be the cmi5 initialized statement")
    if not defined:
        if xapi.CMI5_MOVEON_CATEGORY in categories:
            problems.append("only cmi5 defined statements carry the moveon category")
        return problems
    if verb is None:
        return problems + ["a cmi5 defined statement uses initialized, completed, passed, failed or terminated"]
    checked = _Defined(statement, verb, categories, launch, au, seen_verbs)
    for rule in _DEFINED_RULES:
        problems.extend(rule(checked))
    return problems


class _SessionDraft:
    """The session and its AU as the batch would leave them: written back only when no
    statement of the batch is refused."""

    def __init__(self, session, au):
        self.session, self.state = session, session["state"]
        self.verbs, self.ids = list(session["verbs"]), list(session["statement_ids"])
        self.au, self.new, self.carries_completion = dict(au), [], False

    def refusal(self, statement, launch):
        """Why this statement (not seen before) is refused; empty when it is accepted."""
        if self.state in ("terminated", "abandoned", "closed"):
            return [f"the session is {self.state}: no more statements"]
        if len(self.ids) >= MAX_STATEMENTS_PER_SESSION:
            return [f"a session takes at most {MAX_STATEMENTS_PER_SESSION} statements"]
        return _problems(statement, dict(self.session, state=self.state), launch, self.au, self.verbs)

    def accept(self, statement, verb):
        self.new.append(statement)
        self.ids.append(statement["id"])
        if xapi.CMI5_CATEGORY not in _categories(statement):
            return
        self.verbs.append(verb)
        if verb in ("initialized", "terminated"):
            self.state = verb
        elif verb in ("completed", "passed", "failed"):
            self.au[verb] = True
            self.carries_completion |= verb in ("completed", "passed")


def check_statements(reg, launch, statements, at):
    """Apply an AU's statements (JSON dicts with ids) to the registration ``reg`` (mutated).

    ``launch`` is the session: actor_account, registration, session_id, activity_id,
    lesson_id, move_on, mastery_score. Returns ``(new, moved_on)``: the statements not seen
    before (to record), and whether the AU's moveOn is met and this batch carries a completed
    or passed statement (then the platform completes the lesson; idempotent downstream).
    Raises ``Violation`` and changes nothing if any statement breaks a rule.
    """
    session = reg["sessions"].get(launch["session_id"])
    if session is None:
        raise Violation({"0": ["this session is not known in the registration"]})
    draft, errors = _SessionDraft(session, _au(reg, launch["lesson_id"])), {}
    for index, statement in enumerate(statements):
        verb = DEFINED_VERBS.get(statement["verb"]["id"])
        if statement["id"] in draft.ids:
            draft.carries_completion |= verb in ("completed", "passed")
            continue  # accepted before: an AU retrying after a lost answer
        problems = draft.refusal(statement, launch)
        if problems:
            errors[str(index)] = problems
        else:
            draft.accept(statement, verb)
    if errors:
        raise Violation(errors)
    session.update(state=draft.state, verbs=draft.verbs, statement_ids=draft.ids,
                   last_at=at if draft.new else session["last_at"])
    reg["aus"][launch["lesson_id"]] = draft.au
    au = draft.au
    return draft.new, draft.carries_completion and move_on_met(launch["move_on"], au["completed"], au["passed"])


# -- the LMS's own statements ---------------------------------------------------------------
def _statement_id(*parts):
    return str(uuid.uuid5(xapi.STATEMENT_NAMESPACE, "cmi5:" + ":".join(parts)))


def _context(launch, session_id, extra_extensions=None, categories=(xapi.CMI5_CATEGORY,)):
    return {"registration": launch["registration"], "platform": "mooc", "language": "vi-VN",
            "contextActivities": {
                "grouping": [{"objectType": "Activity", "id": launch["activity_id"]}],
                "category": [{"objectType": "Activity", "id": c} for c in categories]},
            "extensions": dict({xapi.CMI5_SESSION_ID: session_id}, **(extra_extensions or {}))}


def _lms_statement(statement_id, launch, verb, obj, context, at, result=None):
    doc = {"id": statement_id, "version": xapi.XAPI_VERSION, "actor": launch["actor"], "verb": xapi.verb(verb),
           "object": obj, "context": context, "timestamp": at.isoformat()}
    if result:
        doc["result"] = result
    return doc


def _au_object(launch):
    return {"objectType": "Activity", "id": launch["activity_id"],
            "definition": {"type": xapi.ACTIVITY_TYPES["lesson"],
                           "name": {"vi-VN": f"Bài học {launch['lesson_id']}", "en-US": f"Lesson {launch['lesson_id']}"}}}


def launched_statement(launch, at):
    """cmi5 §9.3.1: recorded before the AU is launched, with launchMode, launchURL, moveOn
    (and masteryScore when set) in its context."""
    extensions = {xapi.CMI5_LAUNCH_MODE: "Normal", xapi.CMI5_LAUNCH_URL: launch["launch_url"],
                  xapi.CMI5_MOVE_ON: launch["move_on"]}
    if launch.get("mastery_score") is not None:
        extensions[xapi.CMI5_MASTERY_SCORE] = launch["mastery_score"]
    return _lms_statement(_statement_id(launch["session_id"], "launched"), launch, "launched", _au_object(launch),
                          _context(launch, launch["session_id"], extensions), at)


def _duration(seconds):
    return f"PT{max(0.0, seconds):.2f}S"


def abandoned_statement(launch, session, at):
    """cmi5 §9.3.6: for a session initialized and never terminated, with its duration (from
    the launch to the AU's last statement)."""
    result = {"duration": _duration((session["last_at"] - session["launched_at"]).total_seconds())}
    au = dict(launch, activity_id=session["activity_id"], lesson_id=session["lesson_id"])
    return _lms_statement(_statement_id(session["session_id"], "abandoned"), au, "abandoned", _au_object(au),
                          _context(au, session["session_id"]), at, result)


def satisfied_statement(launch, course_activity_id, at):
    """cmi5 §9.3.9: every AU of the course met its moveOn; once per registration."""
    course = {"objectType": "Activity", "id": course_activity_id,
              "definition": {"type": xapi.ACTIVITY_TYPES["cmi5_course"],
                             "name": {"vi-VN": "Khóa học", "en-US": "Course"}}}
    return _lms_statement(_statement_id(launch["registration"], "satisfied"), launch, "satisfied", course,
                          _context(launch, launch["session_id"]), at)
