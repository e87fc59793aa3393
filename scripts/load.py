"""A bounded HTTP load run on loopback: requests per second, p50, p99 and errors.

Used by scripts/benchmark.py (`--service`, `--servers`). A small asyncio client on the
standard library rather than a load tool: it keeps HTTP/1.1 connections alive, sends one
request at a time on each, and costs little CPU of its own, which matters on a two-core
machine where the client and the server share the cores. Every request is bounded: a fixed
count, a fixed concurrency, a timeout per request.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

TIMEOUT = 10.0


@dataclass(frozen=True)
class LoadResult:
    """What one run measured; latencies in milliseconds."""

    requests: int
    concurrency: int
    seconds: float
    errors: int
    p50: float
    p99: float

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length or chunked body); return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _run(host: str, port: int, path: str, requests: int, concurrency: int) -> LoadResult:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    tickets: Iterator[int] = iter(range(requests))
    latencies: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for _ in tickets:
                started = time.perf_counter()
                try:
                    writer.write(request)
                    status = await asyncio.wait_for(_read_response(reader), TIMEOUT)
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                if not 200 <= status < 300:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    centiles = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
    return LoadResult(requests, concurrency, seconds, errors, centiles[49], centiles[98])


def load(
    port: int, path: str, *, requests: int = 4000, concurrency: int = 32, warm_up: int = 200
) -> LoadResult:
    """`requests` GETs of `path` on 127.0.0.1:`port` over `concurrency` kept-alive
    connections, after `warm_up` unmeasured ones (imports, caches, JIT-free but lazy code)."""
    if warm_up:
        asyncio.run(_run("127.0.0.1", port, path, warm_up, min(concurrency, warm_up)))
    return asyncio.run(_run("127.0.0.1", port, path, requests, concurrency))


def row(label: str, result: LoadResult, floor: LoadResult | None = None) -> str:
    """One line of the table `header()` heads."""
    ratio = f"{floor.rps / result.rps:>9.2f}x" if floor and result.rps else f"{'':>10}"
    return (
        f"{label:<44}{result.rps:>9.0f}{result.p50:>9.2f}{result.p99:>9.2f}"
        f"{result.errors:>8}{ratio}"
    )


def header(first: str) -> str:
    return f"{first:<44}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'cost':>10}"
