"""Lint the essentials of the project's Dockerfiles (standard library only).

Usage: check_dockerfiles.py Dockerfile [...]

Rules, per Dockerfile:
- multi-stage: at least two stages, and a later stage copies from an earlier one
  (COPY --from=<stage>);
- every FROM names an earlier stage or an image pinned to an exact version tag
  (X.Y.Z..., never `latest`, never a bare `python:3.11`) or to a digest; ARGs in FROM
  are resolved from their global defaults first;
- every output stage (a stage no other stage builds on and not a mere COPY source, plus the
  last stage) runs as a non-root USER, set in the stage or inherited from its bases; a
  numeric UID is required so that Kubernetes' runAsNonRoot can verify it;
- no build tools in an output stage or its bases (compilers, build-essential, -dev
  packages, pip install): dependencies are built in a builder stage and copied;
- CMD/ENTRYPOINT of output stages in exec form (JSON array), so that SIGTERM reaches
  the process instead of a shell.
Exit status 1 with one line per problem.
"""
import json
import re
import sys

EXACT_TAG = re.compile(r"^v?\d+\.\d+\.\d+([.+_-][\w.-]*)?$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
BUILD_TOOLS = re.compile(
    r"\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^&;|]*\b(install|add)\b[^&;|]*"
    r"\b(build-essential|gcc|g\+\+|clang|make|cmake|[\w.+-]+-dev|[\w.+-]+-devel)\b")
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b|-m\s+pip\s+install\b")


def instructions(text):
    """Yield (lineno, INSTRUCTION, args) with continuations joined and comments dropped."""
    buf, start = "", None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comment lines inside a continuation are ignored by Docker
        if start is None:
            start = no
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        yield start, word.upper(), rest.strip()
        buf, start = "", None
    if buf:
        word, _, rest = buf.strip().partition(" ")
        yield start, word.upper(), rest.strip()


def substitute(value, args):
    def repl(m):
        name = m.group(1) or m.group(2)
        return args.get(name, m.group(0))
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", repl, value)


def _new_stage(line, rest, global_args):
    parts = [p for p in rest.split() if not p.startswith("--platform")]
    alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
    return {"line": line, "image": substitute(parts[0], global_args), "alias": alias, "user": None,
            "body": [], "copies_from": set(), "cmd": []}


def _add_to_stage(stage, line, ins, rest):
    stage["body"].append((line, ins, rest))
    if ins == "USER":
        stage["user"] = rest.split()[0]
    if ins in ("COPY", "ADD"):
        m = re.search(r"--from=(\S+)", rest)
        if m:
            stage["copies_from"].add(m.group(1))
    if ins in ("CMD", "ENTRYPOINT"):
        stage["cmd"].append((line, ins, rest))


def parse_stages(text):
    """The build stages, in order; ARGs before the first FROM are the defaults FROM sees."""
    global_args, stages = {}, []
    for line, ins, rest in instructions(text):
        if ins == "ARG" and not stages:
            name, _, default = rest.partition("=")
            global_args[name.strip()] = default.strip().strip('"')
        elif ins == "FROM":
            stages.append(_new_stage(line, rest, global_args))
        elif stages:
            _add_to_stage(stages[-1], line, ins, rest)
    return stages


def pin_problem(image):
    """Why an image (not an earlier stage) is not pinned, or None."""
    last = DIGEST.sub("", image).rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    if "$" in image:
        return "unresolved variable"
    if DIGEST.search(image) and not tag:
        return None  # digest-only pin
    if not tag:
        return "no tag (implies latest)"
    if tag == "latest" or not EXACT_TAG.match(tag):
        return f"tag {tag!r} is not an exact version (want e.g. 3.11.15-slim-bookworm)"
    return None


def _link_bases(path, stages):
    """Set each stage's ``base`` (the earlier stage it builds on, or None); returns the stage
    numbers by alias and index, and the FROM lines of unpinned images."""
    names, problems = {}, []
    for i, st in enumerate(stages):
        st["base"] = names.get(st["image"])
        problem = pin_problem(st["image"]) if st["base"] is None else None
        if problem:
            problems.append(f"{path}:{st['line']}: FROM {st['image']}: {problem}")
        for key in filter(None, (st["alias"], str(i))):
            names[key] = i
    return names, problems


def _copies_from_earlier(stages, names):
    return any(src in names and names[src] < i for i, st in enumerate(stages) for src in st["copies_from"])


def _output_stages(stages, names):
    """Stages no other builds on and none copies from, and the last stage."""
    used_as_base = {st["base"] for st in stages if st["base"] is not None}
    copy_sources = {names[s] for st in stages for s in st["copies_from"] if s in names}
    return [i for i in range(len(stages))
            if (i not in used_as_base and i not in copy_sources) or i == len(stages) - 1]


def _user_problem(user):
    uid = (user or "").split(":")[0]
    if user is None:
        return "no USER (runs as root)"
    if uid in ("root", "0"):
        return f"USER {user} is root"
    if not uid.isdigit():
        return f"USER {user} is not numeric (runAsNonRoot cannot verify a user name)"
    return None


def _build_tool_problems(path, stages, chain):
    problems = []
    for j in chain:
        in_stage = stages[j]["alias"] or f"stage {j}"
        for no, ins, rest in stages[j]["body"]:
            if ins == "RUN" and BUILD_TOOLS.search(rest):
                problems.append(f"{path}:{no}: build tools installed in stage {in_stage}, "
                                f"which ends up in an output image: {rest[:80]}")
            if ins == "RUN" and PIP_INSTALL.search(rest):
                problems.append(f"{path}:{no}: pip install in stage {in_stage}, which ends "
                                "up in an output image: install in a builder stage and "
                                "COPY --from it")
    return problems


def _is_exec_form(args):
    try:
        return isinstance(json.loads(args), list)
    except ValueError:
        return False


def _output_problems(path, stages, i):
    """An output stage, with the stages it builds on: non-root numeric USER, no build tools,
    CMD/ENTRYPOINT in exec form."""
    chain, j = [], i
    while j is not None:
        chain.append(j)
        j = stages[j]["base"]
    label = stages[i]["alias"] or f"stage {i}"
    problems = []
    user_problem = _user_problem(next((stages[j]["user"] for j in chain if stages[j]["user"]), None))
    if user_problem:
        problems.append(f"{path}: output stage {label}: {user_problem}")
    problems += _build_tool_problems(path, stages, chain)
    cmds = [c for j in chain for c in stages[j]["cmd"]]
    problems += [f"{path}:{no}: {ins} in shell form: SIGTERM would go to a shell; use the exec (JSON array) form"
                 for no, ins, rest in cmds if not _is_exec_form(rest)]
    if not cmds:
        problems.append(f"{path}: output stage {label}: no CMD/ENTRYPOINT")
    return problems


def lint(path):
    with open(path) as f:
        stages = parse_stages(f.read())
    problems = []
    if len(stages) < 2:
        problems.append(f"{path}: not a multi-stage build ({len(stages)} stage)")
    names, unpinned = _link_bases(path, stages)
    problems += unpinned
    if len(stages) >= 2 and not _copies_from_earlier(stages, names):
        problems.append(f"{path}: no stage copies from an earlier stage (COPY --from=...)")
    outputs = _output_stages(stages, names)
    for i in outputs:
        problems += _output_problems(path, stages, i)
    unique = list(dict.fromkeys(problems))  # a shared base stage is reported once
    return unique, len(stages), [stages[i]["alias"] or str(i) for i in outputs]


def main(paths):
    problems = []
    for path in paths:
        found, n, outputs = lint(path)
        problems += found
        print(f"  {path}: {'FAIL' if found else 'ok'}: {n} stages, output stages: {', '.join(outputs)}")
    for p in problems:
        print(f"ERROR {p}", file=sys.stderr)
    return 1 if problems or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
