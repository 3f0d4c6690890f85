"""A network sandbox for the code that runs SPARQL: a seccomp filter that refuses network sockets.

Oxigraph (pyoxigraph 0.5) has no switch to turn off ``SERVICE`` or ``LOAD``: asked to run one, it
opens a TCP connection and sends an HTTP request. :mod:`kg.sparql` refuses both by the structure
of the parsed query, but a second line holds even if that one is ever wrong: the threads and
processes that evaluate queries and updates on the embedded store run under a Linux seccomp
filter that makes ``socket(2)`` fail with ``EACCES`` for every address family except ``AF_UNIX``
(pipes and socket pairs to the parent keep working) and ``io_uring_setup(2)`` fail with ``EPERM``
(io_uring can open sockets without calling ``socket``). A socket inherited from before the filter
is not touched; the engine only ever makes new ones.

- ``install(whole_process=True)`` is for a query worker or a forked child: the filter goes on
  every thread of the process (``SECCOMP_FILTER_FLAG_TSYNC``) and on every thread and process
  they start later. It cannot be taken off.
- :func:`run_sandboxed` runs one call on a fresh thread that installs the filter on itself first,
  for the evaluation kg does inside its own process (updates, the in-memory store): the filter
  holds for that thread and whatever it starts, and ends with it.

The filter is a twelve-instruction classic BPF program written here with ctypes rather than a
binding to libseccomp: ``pyseccomp`` (the maintained-looking one) was last released in 2021 and
needs ``libseccomp.so`` at run time, which slim containers often lack, while the program is small
enough to read in full below. It knows x86-64 and AArch64; on another architecture, another OS, or
a kernel that refuses seccomp, :func:`install` returns False and kg says so (see
:func:`available`): then only the structural refusal stands.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

AF_UNIX = 1
EACCES, EPERM = 13, 1
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC = 1, 1
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
X32_SYSCALL_BIT = 0x40000000
TSYNC_TRIES = 200
UNAVAILABLE = "the network sandbox is not available here ({}); only the structural refusal of SERVICE/LOAD holds"


@dataclass(frozen=True)
class Arch:
    audit: int  # AUDIT_ARCH_* as seccomp_data.arch gives it
    seccomp: int  # syscall numbers
    socket: int
    io_uring_setup: int


ARCHES = {
    "x86_64": Arch(0xC000003E, 317, 41, 425),
    "aarch64": Arch(0xC00000B7, 277, 198, 425),
}

# classic BPF: struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }; seccomp_data offsets
LD_W_ABS, JEQ_K, JGE_K, RET_K = 0x20, 0x15, 0x35, 0x06
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16


def _program(arch: Arch) -> list[tuple[int, int, int, int]]:
    """The filter: other architectures are killed, x32 calls refused, socket() allowed only for
    AF_UNIX, io_uring_setup() refused, everything else allowed."""
    refuse_socket, refuse = SECCOMP_RET_ERRNO | EACCES, SECCOMP_RET_ERRNO | EPERM
    return [
        (LD_W_ABS, 0, 0, OFFSET_ARCH),
        (JEQ_K, 1, 0, arch.audit),
        (RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        (LD_W_ABS, 0, 0, OFFSET_NR),
        (JGE_K, 0, 1, X32_SYSCALL_BIT),
        (RET_K, 0, 0, refuse),
        (JEQ_K, 0, 1, arch.io_uring_setup),
        (RET_K, 0, 0, refuse),
        (JEQ_K, 0, 3, arch.socket),
        (LD_W_ABS, 0, 0, OFFSET_ARG0),  # the low 32 bits of the domain (an int)
        (JEQ_K, 1, 0, AF_UNIX),
        (RET_K, 0, 0, refuse_socket),
        (RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]


def install(*, whole_process: bool) -> str | None:
    """Put the filter on this thread (and, with ``whole_process``, every thread of this process).

    Returns None once it holds, or why it could not be installed.
    """
    arch = ARCHES.get(platform.machine())
    if not sys.platform.startswith("linux") or arch is None:
        return f"{sys.platform} on {platform.machine()}"
    program = _program(arch)
    raw = b"".join(struct.pack("=HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("=HxxxxxxQ", len(program), ctypes.addressof(buffer))  # struct sock_fprog
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        return f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}"
    flags = SECCOMP_FILTER_FLAG_TSYNC if whole_process else 0
    for _ in range(TSYNC_TRIES):
        result = libc.syscall(
            ctypes.c_long(arch.seccomp),
            ctypes.c_long(SECCOMP_SET_MODE_FILTER),
            ctypes.c_long(flags),
            ctypes.c_void_p(ctypes.addressof(fprog_buffer)),
        )
        if result <= 0:
            break
        # TSYNC names a thread it cannot join: one that put a filter on itself (run_sandboxed,
        # available) and is still exiting after Python saw it finish. It is gone in a moment.
        time.sleep(0.01)
    if result != 0:
        return f"seccomp() failed: {os.strerror(ctypes.get_errno()) if result < 0 else f'thread {result} differs'}"
    return None


class _SandboxedThread(threading.Thread):
    """A thread that put the filter on itself first (its own threads inherit it)."""


def run_sandboxed(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on a new thread that cannot open network sockets; its result or its
    exception comes back here. Where the filter cannot be installed the call runs all the same
    (:func:`available` tells, once, that it is so). Called on such a thread already (a write's
    derivation runs its queries there), the call runs right there: the filter holds, and a
    thread hand-off per query costs milliseconds on a loaded machine."""
    if isinstance(threading.current_thread(), _SandboxedThread):
        return function(*args)
    outcome: list[Any] = []

    def body() -> None:
        install(whole_process=False)
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:
            _forget_frames(exc)  # their locals (lazy engine results) must die on this thread
            outcome.append((False, exc))

    thread = _SandboxedThread(target=body, name="kg-sandboxed", daemon=True)
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def _forget_frames(exc: BaseException | None) -> None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__context__ or exc.__cause__


@functools.cache
def available() -> str | None:
    """None if the filter can be installed here, or why not (tried once per process, on a
    throwaway thread: the answer cannot change while the process runs)."""
    reason: list[str | None] = []
    thread = threading.Thread(target=lambda: reason.append(install(whole_process=False)), daemon=True)
    thread.start()
    thread.join()
    return reason[0]
