"""Prefect's temporary server, started so that it never outlives the musclebalance process.

Without PREFECT_API_URL, Prefect starts a temporary API server as a subprocess
(`python -m uvicorn ... prefect.server.api.server:create_app`, SubprocessASGIServer in
prefect/server/api/server.py) and stops it at exit. A process killed by SIGKILL never
reaches its exit, and the server (about 200 MB) would run on for good. `guard()` makes
Prefect start the same command through this module instead:

- in its own session, so a Ctrl-C in a terminal (SIGINT to the whole process group) does
  not stop the server while the run still reports to it; the run stops it itself;
- with a thread that stops the server once its parent is gone (`watch_parent`: SIGTERM to
  itself, uvicorn's graceful stop, then exit), however the parent ended.
"""

from __future__ import annotations

import os
import subprocess
import sys

MODULE = "flows.prefect_server"


class _SubprocessForServer:
    """`subprocess` as Prefect's server module sees it: Popen of the uvicorn command goes
    through this module, in a new session; everything else is `subprocess` itself."""

    def __getattr__(self, name: str):
        return getattr(subprocess, name)

    @staticmethod
    def Popen(args, **kwargs):  # noqa: N802  (the name Prefect calls)
        from flows.stopping import PARENT_ENV

        command = list(args)
        if command[1:3] == ["-m", "uvicorn"]:
            command[1:3] = ["-m", MODULE]
            kwargs["start_new_session"] = True
            kwargs["env"] = {**(kwargs.get("env") or os.environ), PARENT_ENV: str(os.getpid())}
        return subprocess.Popen(command, **kwargs)


def guard() -> None:
    """Have Prefect start its temporary server through this module (see above); nothing
    when a Prefect API is configured (no temporary server then)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    from prefect.server.api import server

    if not isinstance(server.subprocess, _SubprocessForServer):
        server.subprocess = _SubprocessForServer()


def main() -> None:
    """Run uvicorn with the arguments given, stopping when the parent process is gone."""
    import runpy

    from flows.stopping import PARENT_ENV, watch_parent

    parent = os.environ.pop(PARENT_ENV, "")
    watch_parent(int(parent) if parent.isdigit() else os.getppid())
    sys.argv[0] = "uvicorn"
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
