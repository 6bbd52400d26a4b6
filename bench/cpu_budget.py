"""Where an end-to-end run's work goes: CPU per event for each process, broker deliveries and
store commands per event, and the rate at which the machine's cores would be used up.

On 2 cores everything (gateway, five services, broker, store, load generator) shares the same
CPU, so the end-to-end rate cannot exceed ``cores / CPU seconds per event``: that ceiling says
what a target needs before any queue is tuned. Read between two moments where every queue is
drained, so that the work counted is the run's whole work (nothing left for later). The bench's
own process is listed but left out of the total (wrk is not counted).

- CPU: utime + stime from /proc of each process and its descendants (gunicorn's workers, the
  broker's beam.smp under its wrapper), by the PID files of the platform and of `make infra`,
  less the background CPU (polls, heartbeats) measured over ``IDLE_SECONDS`` of the drained
  platform just before the run.
- Broker: ``deliver_get`` of every queue of the platform's vhost (management API).
- Store: the census of each process's commands (``mooc_common/infra/store_census.py``,
  on when ``STORE_CENSUS_DIR`` is set in the platform's environment).
"""
import collections
import glob
import json
import os
import time
from pathlib import Path

import queues
from mooc_common.infra.store_census import FLUSH_SECONDS

ROOT = Path(__file__).resolve().parent.parent
INFRA_PIDS = {"broker": ROOT / "var" / "run" / "rabbitmq.pid", "store": ROOT / "var" / "run" / "ferretdb.pid"}
TICKS = os.sysconf("SC_CLK_TCK")
CENSUS_FLUSH_SECONDS = FLUSH_SECONDS + 1
LOAD_GENERATOR = "load generator (not in the total)"
IDLE_SECONDS = 5.0


def machine_busy_cores(seconds=1.0):
    """Cores the whole machine kept busy over ``seconds`` (/proc/stat: all but idle and iowait)."""
    def busy_and_total():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields) - fields[3] - fields[4], sum(fields)
    busy, total = busy_and_total()
    time.sleep(seconds)
    busy_after, total_after = busy_and_total()
    return os.cpu_count() * (busy_after - busy) / max(1, total_after - total)


def wait_machine_quiet(max_busy_cores=0.5, quiet=5, timeout=120):
    """Wait until the machine has kept under ``max_busy_cores`` busy for ``quiet`` seconds in
    a row (what a previous scenario left running, its platform's shutdown, has ended); returns
    the seconds waited. A drained platform spends 0.15-0.36 cores on its own polls."""
    started, calm = time.monotonic(), 0
    while calm < quiet and time.monotonic() - started < timeout:
        calm = calm + 1 if machine_busy_cores() < max_busy_cores else 0
    return time.monotonic() - started


def _children():
    """``{parent pid: [child pids]}`` of every process."""
    children = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[parent].append(int(entry))
    return children


def _cpu_seconds(pid, children):
    """CPU seconds of ``pid`` and its descendants (0 for a process gone)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
        except (OSError, IndexError, ValueError):
            pass
        stack += children.get(current, [])
    return total


def cpu_seconds(pid):
    """CPU seconds so far of ``pid`` and its descendants."""
    return _cpu_seconds(pid, _children())


def infra_pid(name):
    """The PID of `make infra`'s ``broker`` or ``store`` (None if it is not running)."""
    return _pid_from(INFRA_PIDS[name])


def _pid_from(path):
    try:
        return int(Path(path).read_text())
    except (OSError, ValueError):
        return None


class Budget:
    """Snapshots of CPU, broker deliveries and store commands; ``between`` gives the budget."""

    def __init__(self, platform):
        self.platform = platform
        self.census_dir = platform.env.get("STORE_CENSUS_DIR")

    def _pids(self):
        pids = {name: self.platform._pid(name) for name in self.platform.processes}
        pids.update({name: infra_pid(name) for name in INFRA_PIDS})
        pids[LOAD_GENERATOR] = os.getpid()
        return {name: pid for name, pid in pids.items() if pid}

    def snapshot(self):
        children = _children()
        # The bench's own process alone: the platform's processes are its children.
        children[os.getpid()] = []
        return {"at": time.monotonic(), "cpu": {name: _cpu_seconds(pid, children) for name, pid in self._pids().items()},
                "deliveries": self._deliveries(), "commands": self._commands()}

    def _deliveries(self):
        return {q["name"]: (q.get("message_stats") or {}).get("deliver_get", 0) for q in queues.listed(self.platform.env)}

    def _commands(self):
        """``{"service command collection": count}`` summed over the processes' census files."""
        counts = collections.Counter()
        if not self.census_dir:
            return counts
        prefix = self.platform.env.get("MONGO_DB_PREFIX", "")
        for path in glob.glob(os.path.join(self.census_dir, "*.json")):
            try:
                census = json.loads(Path(path).read_text())
            except (OSError, ValueError):
                continue  # being replaced: a census file is rewritten whole every few seconds
            for key, (count, _) in census["counts"].items():
                database, rest = key.split(" ", 1)
                if database.startswith(prefix):
                    counts[f"{database[len(prefix):]} {rest}"] += count
        return counts

    def between(self, before, after, events, idle_from=None, cores=None):
        """The budget of ``events`` events done between two snapshots (see ``spent``)."""
        return spent(before, after, events, cores or os.cpu_count(), census=bool(self.census_dir),
                     idle_from=idle_from)


def delta(before, after):
    """What was spent between two snapshots: CPU seconds per process (``after``'s processes),
    broker deliveries, and store commands (a Counter)."""
    commands = collections.Counter(after["commands"])
    commands.subtract(before["commands"])
    return {"cpu": {name: seconds - before["cpu"].get(name, 0) for name, seconds in after["cpu"].items()},
            "deliveries": sum(after["deliveries"].values())
            - sum(before["deliveries"].get(q, 0) for q in after["deliveries"]),
            "commands": commands}


def _background_rates(idle_from, before):
    """CPU seconds per second of each process between two snapshots of the drained platform
    (none for a process that started in between)."""
    seconds = before["at"] - idle_from["at"]
    return {name: max(0.0, cpu - idle_from["cpu"].get(name, cpu)) / seconds for name, cpu in before["cpu"].items()}


def spent(before, after, events, cores, census=True, idle_from=None):
    """CPU ms per event per process, their total and the ceiling it allows on ``cores``,
    broker deliveries and store commands per event, between two snapshots.

    ``idle_from``: a snapshot taken a few seconds before ``before`` with every queue drained.
    The CPU the processes spent per second in that interval (polls, heartbeats, the
    management statistics) is taken out of the run's CPU, and out of the cores left for events:
    without it, the background work of the drain waits would be charged to the events."""
    seconds = after["at"] - before["at"]
    background = _background_rates(idle_from, before) if idle_from else {}
    work = delta(before, after)
    cpu = {name: round(max(0.0, spent_s - background.get(name, 0) * seconds) * 1000 / events, 3)
           for name, spent_s in work["cpu"].items()}
    # The load generator is the bench, not the platform: listed, but outside the totals.
    total = round(sum(ms for name, ms in cpu.items() if name != LOAD_GENERATOR), 3)
    idle_cores = round(sum(rate for name, rate in background.items() if name != LOAD_GENERATOR), 3)
    commands = work["commands"]
    return {"events": events, "cpu_ms_per_event": dict(sorted(cpu.items(), key=lambda item: -item[1])),
            "cpu_ms_per_event_total": total, "background_cores": idle_cores,
            "ceiling_events_per_s": round((cores - idle_cores) * 1000 / total, 1) if total else None,
            "broker_deliveries_per_event": round(work["deliveries"] / events, 3),
            "store_commands_per_event": round(sum(commands.values()) / events, 3) if census else None,
            "top_store_commands": {key: round(count / events, 3) for key, count in commands.most_common(8)
                                   if count > 0}}
