"""A real `qa serve` in a subprocess, for the tests and the soak benchmark (benchmarks/run.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(corpus: Path, index: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """A real `qa serve` on a free port, returned once gradio_client can connect to it."""
    from gradio_client import Client

    port = free_port()
    full_env = {**os.environ, "QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index), **env}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], cwd=ROOT,
                            env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = proc.stdout.readline()
    assert f"http://127.0.0.1:{port}" in first, first  # localhost unless told otherwise
    # keep reading what it prints, so a long run cannot stall the server on a full pipe
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while True:
        try:
            Client(url, verbose=False)
            return proc, url
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.5)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
