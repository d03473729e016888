"""Render charts off the event loop.

Measured with bench/bench_charts.py (figures in docs/BENCHMARKS.md): rendering 20 charts inside
the event loop froze it for ~1.7 s; ``asyncio.to_thread`` still stalled it tens of milliseconds
because Agg and text layout hold the GIL; a small process pool kept the worst stall under 10 ms.
A cold worker's first chart costs ~400 ms (imports, fonts, first draw), and its first charts of
each layout fill the radar's caches (charts/radar.py), hence the warm-up initializer and the
explicit :meth:`ChartRenderer.start`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import multiprocessing.queues
import os
import queue
import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from types import TracebackType
from typing import Any, Literal, ParamSpec, Protocol, Self, TypeVar, runtime_checkable

from charts.spec import ImageFormat, RadarSpec, example_spec

StartMethod = Literal["spawn", "forkserver"]
_P = ParamSpec("_P")
_R = TypeVar("_R")

_log = logging.getLogger(__name__)

# Never fork: the bot process has threads (aiosqlite, PTB, executor manager) and an event loop,
# and a forked child inherits their locks in whatever state they were. spawn starts a fresh
# interpreter that inherits nothing and behaves the same on Linux, macOS and Windows.
# forkserver is also safe, but measured no faster here (bench/bench_charts.py, 2 cores: a warm
# start of 2 workers took ~0.5 s either way, even with matplotlib preloaded in the server via the
# process-global set_forkserver_preload), and it is POSIX-only. Start-up is paid once per bot
# run, in post_init, so spawn's simplicity wins.
DEFAULT_START_METHOD: StartMethod = "spawn"


@runtime_checkable
class Renderer(Protocol):
    """What the bot needs from a chart renderer; both implementations below satisfy it."""

    async def start(self) -> float: ...

    async def render_radar(
        self,
        spec: RadarSpec,
        *,
        dpi: int = 150,
        size_inches: tuple[float, float] = (5.8, 5.8),
        image_format: ImageFormat = "png",
    ) -> bytes: ...

    async def render_bars(
        self,
        title: str,
        categories: Sequence[str],
        series: Sequence[tuple[str, Sequence[float]]],
        *,
        unit: str = "%",
        decimals: int = 1,
        dpi: int = 150,
    ) -> bytes: ...

    async def run(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Any top-level function of picklable arguments, where the charts are drawn (a
        summary's bars, a document with its charts)."""
        ...

    def close(self) -> None: ...

    async def aclose(self) -> None: ...


# --------------------------------------------------------------------------- worker side


# The drawing module (matplotlib) is imported where charts are drawn, in the workers or the
# inline renderer's thread, so a process that only describes charts never pays for it.
# Keyword arguments are passed through as they are: see the drawing functions for theirs.
def render_radar(spec: RadarSpec, **kwargs: Any) -> bytes:
    from charts.radar import render_radar

    return render_radar(spec, **kwargs)


def render_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    **kwargs: Any,
) -> bytes:
    from charts.bars import render_bars

    return render_bars(title, categories, series, **kwargs)


def _warm_up() -> None:
    """Imports, fonts, the first Agg draw, and the radar's caches for two common layouts."""
    render_radar(example_spec(overlays=True))
    render_radar(example_spec(overlays=False))
    render_bars("x", ["a", "b"], [("s", [1.0, 2.0])])


PARENT_POLL = 0.5  # seconds between a worker's looks at whether the bot is still its parent


def _exit_with_parent(parent: int, every: float = PARENT_POLL) -> None:
    """End this worker as soon as the process that started it is gone.

    A SIGKILLed bot runs no clean-up, so without this its workers would live on (orphans) and
    pile up with every restart. The worker's parent is the bot itself (spawn starts workers as
    its direct children); once the bot dies the worker is re-parented, so ``getppid()`` changes.
    Polled from a daemon thread, which works on every POSIX system. Not Linux's
    ``PR_SET_PDEATHSIG``: it is Linux-only, and it fires when the *thread* that started the
    worker ends, not the process — the pool may start a worker from any thread (a ``to_thread``
    helper, the executor's manager), so it would kill healthy workers.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)  # no clean-up to do: a worker holds nothing but its current drawing

    threading.Thread(target=watch, name="chart-worker-parent-watch", daemon=True).start()


def _init_worker(
    ready: multiprocessing.queues.Queue[int] | None,
    warm: bool | Literal["imports"],
    nice: int,
    parent: int = 0,
) -> None:
    """Pool initializer: runs once in each worker before it takes any job."""
    if parent:
        _exit_with_parent(parent)
    # Rendering is background work: when workers occupy every core, a lower priority lets the
    # kernel run the bot's event loop as soon as it wakes instead of after a worker's timeslice.
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    # Ctrl+C goes to the whole process group; the parent decides when workers stop, so they must
    # not die mid-job printing KeyboardInterrupt tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A fresh interpreter has no logging config, so matplotlib's font-cache notices would reach
    # stderr once per worker through logging's last-resort handler.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    if warm == "imports":
        # A short-lived pool (the CLI's documents): the drawing modules only, no dummy charts.
        import charts.bars
        import charts.radar  # noqa: F401
    elif warm:
        # Imports, font loading, the radar's caches and the first Agg draw are all paid here, not
        # by the first managers who finish the questionnaire.
        _warm_up()
    if ready is not None:
        ready.put(os.getpid())


# --------------------------------------------------------------------------- shared lifecycle


class _RendererLifecycle(ABC):
    """What both renderers share: ``closed`` and the context-manager protocols.

    ``with`` closes on exit; ``async with`` starts (warms up) on entry and closes without
    blocking the loop on exit. Subclasses keep ``self._closed`` and implement the rest.
    """

    _closed: bool

    @abstractmethod
    async def start(self) -> float: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    async def aclose(self) -> None: ...

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


# --------------------------------------------------------------------------- process pool


class ChartRenderer(_RendererLifecycle):
    """Renders charts in a small process pool so the event loop never stalls.

    With 20 charts asked for at once (bench/bench_charts.py, 2 cores): rendering in the loop froze
    it ~1.7 s, ``to_thread`` stalled it 30–65 ms through the GIL, this pool 4–9 ms. Workers start
    on :meth:`start` (or on the first render) and run a warm-up initializer that imports
    matplotlib and renders dummy charts: a cold worker's first chart costs ~400 ms, a warm one's
    ~22 ms as JPEG, ~35 ms as PNG (35–55 ms for the first of a new layout). Workers run at a lower
    CPU priority (``nice``) so the loop wins the CPU.

    Not tied to an event loop: one instance can serve several loops and sync code
    (:meth:`start_sync`, :meth:`close`).
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        start_method: StartMethod = DEFAULT_START_METHOD,
        warm: bool | Literal["imports"] = True,
        nice: int = 10,
        start_timeout: float = 120.0,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.start_method = start_method
        self.warm = warm
        self.nice = nice
        self.start_timeout = start_timeout
        self._ctx = multiprocessing.get_context(start_method)
        self._lock = threading.Lock()  # not asyncio.Lock: usable from any loop and from sync code
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._ready: concurrent.futures.Future[float] | None = None
        self._queue: multiprocessing.queues.Queue[int] | None = None
        self._closed = False

    # ---- lifecycle

    def _ensure_executor(
        self,
    ) -> tuple[concurrent.futures.ProcessPoolExecutor, concurrent.futures.Future[float]]:
        with self._lock:
            if self._closed:
                raise RuntimeError("ChartRenderer is closed")
            if self._executor is not None and self._ready is not None:
                return self._executor, self._ready
            t0 = time.perf_counter()
            q: multiprocessing.queues.Queue[int] = self._ctx.Queue()
            executor = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._ctx,
                initializer=_init_worker,
                initargs=(q, self.warm, self.nice, os.getpid()),
            )
            # With spawn/forkserver the executor starts a worker per submit while none is idle,
            # so `workers` probes submitted back to back start every worker now, not lazily.
            probes = [executor.submit(os.getpid) for _ in range(self.workers)]
            ready: concurrent.futures.Future[float] = concurrent.futures.Future()
            threading.Thread(
                target=self._wait_ready,
                args=(q, probes, ready, t0),
                name="chart-pool-warmup",
                daemon=True,
            ).start()
            self._executor, self._ready, self._queue = executor, ready, q
            return executor, ready

    def _wait_ready(
        self,
        q: multiprocessing.queues.Queue[int],
        probes: list[concurrent.futures.Future[int]],
        ready: concurrent.futures.Future[float],
        t0: float,
    ) -> None:
        # Every worker announces itself after its initializer; the probes alone would not prove
        # that, since one fast worker could answer all of them while another is still warming.
        deadline = t0 + self.start_timeout
        seen: set[int] = set()
        try:
            while len(seen) < self.workers:
                broken = next(
                    (e for p in probes if p.done() and (e := p.exception()) is not None), None
                )
                if broken is not None:
                    raise broken
                if self._closed:
                    raise RuntimeError("ChartRenderer closed during start-up")
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TimeoutError(
                        f"chart workers not ready after {self.start_timeout:.0f} s "
                        f"({len(seen)}/{self.workers})"
                    )
                try:
                    seen.add(q.get(timeout=min(0.2, remaining)))
                except queue.Empty:
                    continue
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            return
        if not ready.done():
            ready.set_result(time.perf_counter() - t0)

    async def start(self) -> float:
        """Start every worker and wait until each has finished its warm-up.

        Returns the seconds the start-up took. Safe to call many times and from several tasks.
        """
        _, ready = self._ensure_executor()
        # Shielded: a cancelled waiter must not cancel the shared start-up future under the
        # others (wrap_future propagates cancellation to the concurrent future it wraps).
        return await asyncio.shield(asyncio.wrap_future(ready))

    warm_up = start

    def start_sync(self, timeout: float | None = None) -> float:
        """Blocking :meth:`start`, for code outside an event loop (fixtures, scripts)."""
        _, ready = self._ensure_executor()
        return ready.result(timeout=timeout)

    def close(self) -> None:
        """Stop the workers. Idempotent; blocks briefly while idle workers exit."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            executor, q = self._executor, self._queue
            self._executor = self._ready = self._queue = None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if q is not None:
            q.close()
            q.join_thread()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)

    # ---- rendering

    async def run(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await self._run(partial(fn, *args, **kwargs))

    async def _run(self, fn: partial[_R]) -> _R:
        for attempt in (1, 2):
            executor, _ = self._ensure_executor()
            try:
                return await asyncio.wrap_future(executor.submit(fn))
            except BrokenProcessPool:
                # A worker died (e.g. killed by the OOM killer): the executor is unusable from
                # then on. Replace it once so a long-running bot recovers without a restart.
                if attempt == 2:
                    raise
                _log.warning("chart pool broken; restarting workers")
                self._reset(executor)
        raise AssertionError("unreachable")

    def _reset(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is not broken:
                return  # another task already replaced it
            q = self._queue
            self._executor = self._ready = self._queue = None
        broken.shutdown(wait=False, cancel_futures=True)
        if q is not None:
            q.close()

    async def render_radar(
        self,
        spec: RadarSpec,
        *,
        dpi: int = 150,
        size_inches: tuple[float, float] = (5.8, 5.8),
        image_format: ImageFormat = "png",
    ) -> bytes:
        return await self._run(
            partial(render_radar, spec, dpi=dpi, size_inches=size_inches, image_format=image_format)
        )

    async def render_bars(
        self,
        title: str,
        categories: Sequence[str],
        series: Sequence[tuple[str, Sequence[float]]],
        *,
        unit: str = "%",
        decimals: int = 1,
        dpi: int = 150,
    ) -> bytes:
        # Plain lists/tuples pickle cheaply and cannot drag along unpicklable views or iterators.
        cats = [str(c) for c in categories]
        rows = [(str(name), [float(v) for v in values]) for name, values in series]
        return await self._run(
            partial(render_bars, title, cats, rows, unit=unit, decimals=decimals, dpi=dpi)
        )


# --------------------------------------------------------------------------- in-process


class InlineChartRenderer(_RendererLifecycle):
    """Same interface, rendering in a thread of this process.

    For tests and tiny deployments where extra processes are unwelcome. It keeps the loop
    responsive for occasional charts but, under load, stalls it more than the process pool.
    """

    def __init__(self, *, warm: bool = False) -> None:
        self.warm = warm
        self._closed = False
        self._started = False

    async def start(self) -> float:
        t0 = time.perf_counter()
        if self.warm and not self._started:
            await asyncio.to_thread(_warm_up)
        self._started = True
        return time.perf_counter() - t0

    warm_up = start

    def _check(self) -> None:
        if self._closed:
            raise RuntimeError("InlineChartRenderer is closed")

    async def render_radar(
        self,
        spec: RadarSpec,
        *,
        dpi: int = 150,
        size_inches: tuple[float, float] = (5.8, 5.8),
        image_format: ImageFormat = "png",
    ) -> bytes:
        self._check()
        return await asyncio.to_thread(
            render_radar, spec, dpi=dpi, size_inches=size_inches, image_format=image_format
        )

    async def render_bars(
        self,
        title: str,
        categories: Sequence[str],
        series: Sequence[tuple[str, Sequence[float]]],
        *,
        unit: str = "%",
        decimals: int = 1,
        dpi: int = 150,
    ) -> bytes:
        self._check()
        return await asyncio.to_thread(
            render_bars, title, categories, series, unit=unit, decimals=decimals, dpi=dpi
        )

    async def run(self, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        self._check()
        return await asyncio.to_thread(fn, *args, **kwargs)

    def close(self) -> None:
        self._closed = True

    async def aclose(self) -> None:
        self.close()
