"""The kazoo peer of bench/queue-vs-peers.mjs: kazoo.recipe.queue's Queue (at most once) and
LockingQueue (at least once), one measure per run, the same arguments and JSON line as
bench/java/CuratorQueueBench.java (see there):

  /usr/bin/python3 kazoo_queue_bench.py <connect> put <path> <producers> <count> <kind>
  /usr/bin/python3 kazoo_queue_bench.py <connect> drain <path> <delivery> <consumers> <count>
  /usr/bin/python3 kazoo_queue_bench.py <connect> latency <path> <samples> <kind>

kind: queue | locking. put: <producers> threads on one client. drain: <consumers> threads, each
with its own client. LockingQueue: get() takes an item, consume() acknowledges it.
"""

import json
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.recipe.queue import LockingQueue, Queue


def now_us():
    return time.monotonic_ns() // 1000


def client(connect):
    c = KazooClient(hosts=connect, timeout=30.0)
    c.start(timeout=30)
    return c


def make(c, path, kind):
    return LockingQueue(c, path) if kind == "locking" else Queue(c, path)


def main():
    connect, measure, path = sys.argv[1:4]
    if measure == "put":
        producers, count, kind = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        c = client(connect)
        q = make(c, path, kind)
        lock = threading.Lock()
        state = {"next": 0}

        def lane():
            while True:
                with lock:
                    n = state["next"]
                    state["next"] += 1
                if n >= count:
                    return
                q.put(b"item-%d" % n)

        t0 = now_us()
        threads = [threading.Thread(target=lane) for _ in range(producers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(json.dumps({"us": now_us() - t0}), flush=True)
        c.stop()
    elif measure == "drain":
        delivery, consumers, count = sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
        kind = "locking" if delivery == "at-least-once" else "queue"
        clients = [client(connect) for _ in range(consumers)]
        lock = threading.Lock()
        state = {"left": count}

        def lane(c):
            q = make(c, path, kind)
            while True:
                with lock:
                    if state["left"] <= 0:
                        return
                if kind == "locking":
                    item = q.get(timeout=0.5)
                    if item is None:
                        continue
                    q.consume()
                else:
                    item = q.get()
                    if item is None:
                        time.sleep(0.001)
                        continue
                with lock:
                    state["left"] -= 1

        t0 = now_us()
        threads = [threading.Thread(target=lane, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(json.dumps({"us": now_us() - t0}), flush=True)
        for c in clients:
            c.stop()
    else:
        samples, kind = int(sys.argv[4]), sys.argv[5]
        cc, pc = client(connect), client(connect)
        consumer, producer = make(cc, path, kind), make(pc, path, kind)
        arrived = []
        ready = threading.Event()
        done = threading.Event()

        def consume():
            while not done.is_set():
                if kind == "locking":
                    item = consumer.get(timeout=0.5)
                    if item is None:
                        continue
                    arrived.append(now_us())
                    consumer.consume()
                else:
                    # kazoo's Queue has no blocking get: poll, as its users do.
                    item = consumer.get()
                    if item is None:
                        time.sleep(0.001)
                        continue
                    arrived.append(now_us())
                ready.set()

        t = threading.Thread(target=consume)
        t.start()
        lat = []
        for _ in range(samples):
            time.sleep(0.005)
            ready.clear()
            t0 = now_us()
            producer.put(b"x")
            ready.wait()
            lat.append(arrived[-1] - t0)
        done.set()
        t.join()
        lat.sort()
        print(json.dumps({"latUs": lat}), flush=True)
        cc.stop()
        pc.stop()


main()
