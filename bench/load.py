"""A small concurrent load generator on loopback: processes, each with one keep-alive
HTTP/1.1 connection, requesting a URL as fast as the server answers.

Processes, not threads, so the client does not share a GIL and cap what it measures.
"""

import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit


def _client(url: str, cookie: str, seconds: float, queue) -> None:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Cookie": cookie, "Connection": "keep-alive", "Host": parts.hostname}
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                # A failed request is an error, not a fast answer: it adds no latency.
                errors += 1
                continue
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
    connection.close()
    queue.put((latencies, errors))


def hammer(url: str, cookie: str, *, seconds: float, clients: int) -> dict:
    """Requests per second and latency percentiles for ``clients`` concurrent connections."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [
        context.Process(target=_client, args=(url, cookie, seconds, queue)) for _ in range(clients)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(latency for batch, _errors in outcomes for latency in batch)
    errors = sum(errors for _batch, errors in outcomes)
    if not latencies:
        return {"requests": 0, "errors": errors, "rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0}
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / min(elapsed, seconds) if elapsed else 0.0,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, **env},
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")
