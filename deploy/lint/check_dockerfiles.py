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


def lint(path):
    problems = []
    text = open(path).read()
    global_args, stages = {}, []
    for no, ins, rest in instructions(text):
        if ins == "ARG" and not stages:
            name, _, default = rest.partition("=")
            global_args[name.strip()] = default.strip().strip('"')
            continue
        if ins == "FROM":
            parts = [p for p in rest.split() if not p.startswith("--platform")]
            image = substitute(parts[0], global_args)
            alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append({"line": no, "image": image, "alias": alias, "user": None,
                           "body": [], "copies_from": set(), "cmd": []})
            continue
        if not stages:
            continue
        st = stages[-1]
        st["body"].append((no, ins, rest))
        if ins == "USER":
            st["user"] = rest.split()[0]
        if ins in ("COPY", "ADD"):
            m = re.search(r"--from=(\S+)", rest)
            if m:
                st["copies_from"].add(m.group(1))
        if ins in ("CMD", "ENTRYPOINT"):
            st["cmd"].append((no, ins, rest))

    def where(line):
        return f"{path}:{line}"

    if len(stages) < 2:
        problems.append(f"{path}: not a multi-stage build ({len(stages)} stage)")
    names = {}
    for i, st in enumerate(stages):
        image = st["image"]
        if image in names:
            st["base"] = names[image]
        else:
            st["base"] = None
            name_tag = DIGEST.sub("", image)
            last = name_tag.rsplit("/", 1)[-1]
            tag = last.split(":", 1)[1] if ":" in last else ""
            if "$" in image:
                problems.append(f"{where(st['line'])}: FROM {image}: unresolved variable")
            elif DIGEST.search(image) and not tag:
                pass  # digest-only pin
            elif not tag:
                problems.append(f"{where(st['line'])}: FROM {image}: no tag (implies latest)")
            elif tag == "latest" or not EXACT_TAG.match(tag):
                problems.append(f"{where(st['line'])}: FROM {image}: tag {tag!r} is not an "
                                "exact version (want e.g. 3.11.15-slim-bookworm)")
        for key in filter(None, (st["alias"], str(i))):
            names[key] = i

    if len(stages) >= 2 and not any(
            src in names and names[src] < i
            for i, st in enumerate(stages) for src in st["copies_from"]):
        problems.append(f"{path}: no stage copies from an earlier stage (COPY --from=...)")

    used_as_base = {st["base"] for st in stages if st["base"] is not None}
    copy_sources = {names[s] for st in stages for s in st["copies_from"] if s in names}
    outputs = [i for i in range(len(stages))
               if (i not in used_as_base and i not in copy_sources) or i == len(stages) - 1]
    for i in outputs:
        chain, j = [], i
        while j is not None:
            chain.append(j)
            j = stages[j]["base"]
        label = stages[i]["alias"] or f"stage {i}"
        user = next((stages[j]["user"] for j in chain if stages[j]["user"]), None)
        uid = (user or "").split(":")[0]
        if user is None:
            problems.append(f"{path}: output stage {label}: no USER (runs as root)")
        elif uid in ("root", "0"):
            problems.append(f"{path}: output stage {label}: USER {user} is root")
        elif not uid.isdigit():
            problems.append(f"{path}: output stage {label}: USER {user} is not numeric "
                            "(runAsNonRoot cannot verify a user name)")
        for j in chain:
            in_stage = stages[j]["alias"] or f"stage {j}"
            for no, ins, rest in stages[j]["body"]:
                if ins == "RUN" and BUILD_TOOLS.search(rest):
                    problems.append(f"{where(no)}: build tools installed in stage {in_stage}, "
                                    f"which ends up in an output image: {rest[:80]}")
                if ins == "RUN" and PIP_INSTALL.search(rest):
                    problems.append(f"{where(no)}: pip install in stage {in_stage}, which ends "
                                    "up in an output image: install in a builder stage and "
                                    "COPY --from it")
        cmds = [c for j in chain for c in stages[j]["cmd"]]
        for no, ins, rest in cmds:
            try:
                ok = isinstance(json.loads(rest), list)
            except ValueError:
                ok = False
            if not ok:
                problems.append(f"{where(no)}: {ins} in shell form: SIGTERM would go to a shell; "
                                "use the exec (JSON array) form")
        if not cmds:
            problems.append(f"{path}: output stage {label}: no CMD/ENTRYPOINT")
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
