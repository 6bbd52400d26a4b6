"""Runs untrusted-input work (parsing an uploaded workbook) in a child process with an
address-space cap, a CPU-time cap and a wall-clock timeout.

Why a process: a parse that explodes in memory or CPU then kills only the child, never the
service (and never stalls its eventlet hub: the parent only waits on a pipe, green)."""
import sys

import eventlet
from eventlet.green import subprocess


class CappedProcessFailed(RuntimeError):
    """The child exceeded a cap or failed; str() is safe to show to the uploader."""


# The child sets its own limits before it runs the script: no preexec_fn, which is unsafe
# in a process with threads (eventlet's tpool runs some).
_LAUNCHER = (
    "import resource, runpy, sys\n"
    "memory, cpu = int(sys.argv[1]), int(sys.argv[2])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (memory, memory))\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "sys.argv = sys.argv[3:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n")


def run_python(script, args, stdin_bytes, memory_bytes, cpu_seconds, wall_seconds):
    """stdout of ``python script args...`` fed ``stdin_bytes``, or CappedProcessFailed."""
    argv = [sys.executable, "-I", "-c", _LAUNCHER, str(int(memory_bytes)), str(int(cpu_seconds)),
            str(script), *map(str, args)]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            close_fds=True)
    # eventlet.Timeout, not communicate(timeout=): the green Popen raises the TimeoutExpired
    # of eventlet's private copy of the subprocess module, which no caller can name.
    try:
        with eventlet.Timeout(wall_seconds):
            out, err = proc.communicate(stdin_bytes)
    except eventlet.Timeout:
        proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            pipe.close()
        raise CappedProcessFailed(f"reading took longer than {wall_seconds} s") from None
    if proc.returncode != 0:
        if proc.returncode < 0 or b"MemoryError" in err:  # killed by a signal (SIGXCPU, SIGKILL) or out of memory
            raise CappedProcessFailed("the file needs more memory or time to read than allowed")
        raise CappedProcessFailed("the file could not be read")
    return out
