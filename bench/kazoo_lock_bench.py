"""The kazoo peer of bench/lock-vs-peers.mjs: kazoo.recipe.lock.Lock, driven by the same line
commands as bench/lock-node-worker.mjs (see there), answered with one JSON line each.

Usage: /usr/bin/python3 kazoo_lock_bench.py <connect>  (Debian's python3-kazoo; bench/setup.sh)

Times are time.monotonic_ns() in microseconds: CLOCK_MONOTONIC, the clock the Node and Java
workers read, so the parent can merge the events of every process. A Lock object is reused from
one acquire to the next, as `with lock:` in a loop does; threads each take their own Lock on
the shared client, since one kazoo Lock serves one holder at a time.
"""

import json
import os
import queue
import signal
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.recipe.lock import Lock


def now_us():
    return time.monotonic_ns() // 1000


def sleep_until(us):
    wait = us - now_us()
    if wait > 0:
        time.sleep(wait / 1e6)


class Worker:
    def __init__(self, connect):
        self.client = KazooClient(hosts=connect, timeout=30.0)
        self.client.start(timeout=30)
        self.locks = {}

    def lock(self, path):
        if path not in self.locks:
            self.locks[path] = Lock(self.client, path)
        return self.locks[path]

    def cycles(self, path, count):
        lock = self.lock(path)
        lat = []
        cpu0 = time.process_time_ns()
        t0 = now_us()
        for _ in range(int(count)):
            s = now_us()
            lock.acquire()
            lock.release()
            lat.append(now_us() - s)
        us = now_us() - t0
        return {"lat": lat, "us": us, "cpuUs": (time.process_time_ns() - cpu0) // 1000}

    def contend(self, path, start_us, end_us, work_us="0"):
        return self._loop([self.lock(path)], int(start_us), int(end_us), int(work_us))

    def inproc(self, path, n, start_us, end_us):
        locks = [Lock(self.client, path) for _ in range(int(n))]
        return self._loop(locks, int(start_us), int(end_us))

    def _loop(self, locks, start_us, end_us, work_us=0):
        evs = [[] for _ in locks]
        rels = [[] for _ in locks]
        failures = []

        def run(lock, ev, rel):
            try:
                sleep_until(start_us)
                while now_us() < end_us:
                    lock.acquire()
                    acquired = now_us()
                    ev.extend((acquired, now_us()))
                    lock.release()
                    rel.append(now_us())
                    if work_us > 0:
                        time.sleep(work_us / 1e6)
            except Exception as e:  # reported to the parent below
                failures.append(e)

        threads = [
            threading.Thread(target=run, args=(lock, ev, rel), daemon=True)
            for lock, ev, rel in zip(locks, evs, rels)
        ]
        cpu0 = time.process_time_ns()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cpu_us = (time.process_time_ns() - cpu0) // 1000
        if failures:
            raise failures[0]
        return {
            "cpuUs": cpu_us,
            "ev": [x for ev in evs for x in ev],
            "rel": [x for rel in rels for x in rel],
        }


def main():
    # Ctrl-C or the parent's end: leave at once, whatever threads are waiting for a lock.
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    commands = queue.Queue()

    def serve(worker):
        while True:
            op, *args = commands.get().split()
            try:
                if op not in ("cycles", "contend", "inproc"):
                    raise ValueError("unknown command " + op)
                answer = getattr(worker, op)(*args)
            except Exception as e:
                answer = {"error": repr(e)}
            sys.stdout.write(json.dumps(answer, separators=(",", ":")) + "\n")
            sys.stdout.flush()

    worker = Worker(sys.argv[1])
    threading.Thread(target=serve, args=(worker,), daemon=True).start()
    sys.stdout.write('{"ready":true}\n')
    sys.stdout.flush()
    # The main thread reads; end of input (the parent gone, however it went) ends the process
    # even while a command is still waiting for a lock.
    for line in sys.stdin:
        if line.strip():
            commands.put(line)
    os._exit(0)


if __name__ == "__main__":
    main()
