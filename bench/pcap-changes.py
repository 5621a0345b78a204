"""Where a change's time goes, per follower, in a packet capture of ZooKeeper traffic (issue 18).

    tcpdump -i lo -s 0 -w run.pcap tcp port <server port> &   # around a benchmark run, then
    python3 bench/pcap-changes.py run.pcap

For every setData request (opcode 5) it finds, on each connection notified of that path's
change (a NodeDataChanged notification), the notification, the follower's next getData request
(opcode 4) of the path and that request's reply, all on the wire, and prints per path (each
follower of bench/shared-count-vs-curator.mjs has a node of its own) the medians of:
write -> notification (the server), notification -> getData sent (the follower's reaction:
reading the notification, dispatching it and writing the request), getData -> reply (the
server), write -> reply, and from the writer's clock reading (the value written) to the reply.
What the follower does after the reply is not on the wire: it is about the benchmark's seen
latency less the last.
"""
import collections
import importlib.util
import os
import statistics
import struct
import sys

_spec = importlib.util.spec_from_file_location(
    'pcap_deletions', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pcap-deletions.py'))
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
frames = _mod.frames


def main(path):
    every = list(frames(path))
    server = collections.Counter(k[1] for _, k, _ in every).most_common(1)[0][0]
    writes = collections.defaultdict(list)  # path -> [time]
    notes = collections.defaultdict(list)  # (conn, path) -> [time]
    gets = collections.defaultdict(list)  # (conn, path) -> [(time, xid)]
    replies = {}  # (conn, xid) -> time
    for t, (src, dst), fr in every:
        if dst == server and len(fr) >= 12:
            xid, op, n = struct.unpack('>iii', fr[:12])
            if xid > 0 and 0 < n <= len(fr) - 12 and op in (4, 5):
                p = fr[12:12 + n].decode('utf8', 'replace')
                if op == 4:
                    gets[(src, p)].append((t, xid))
                elif len(fr) >= 20 + n:
                    # The benchmark writes its clock (µs modulo 2^31) as an int32: kept to
                    # tell how long after its own clock reading the reply reached the follower.
                    dl = struct.unpack('>i', fr[12 + n:16 + n])[0]
                    v = struct.unpack('>i', fr[16 + n:20 + n])[0] if dl == 4 else None
                    writes[p].append((t, v))
        elif src == server and len(fr) >= 16:
            xid = struct.unpack('>i', fr[:4])[0]
            if xid == -1 and len(fr) >= 28:
                kind, _, n = struct.unpack('>iii', fr[16:28])
                if kind == 3:
                    notes[(dst, fr[28:28 + n].decode('utf8', 'replace'))].append(t)
            elif xid > 0:
                replies[(dst, xid)] = t
    for (conn, p), ns in sorted(notes.items(), key=lambda x: x[0][1]):
        ws, gs = writes.get(p, []), gets.get((conn, p), [])
        srv, react, read, total, clock = [], [], [], [], []
        wi = gi = 0
        for tn in ns:
            while wi + 1 < len(ws) and ws[wi + 1][0] <= tn:
                wi += 1
            while gi < len(gs) and gs[gi][0] < tn:
                gi += 1
            if not ws or ws[wi][0] > tn or gi >= len(gs):
                continue
            tg, xid = gs[gi]
            tr = replies.get((conn, xid))
            if tr is None:
                continue
            tw, v = ws[wi]
            srv.append((tn - tw) * 1e6)
            react.append((tg - tn) * 1e6)
            read.append((tr - tg) * 1e6)
            total.append((tr - tw) * 1e6)
            if v is not None:
                clock.append((round(tr * 1e6) - v) % 2**31)
        if not total:
            continue
        med = lambda xs: f'{statistics.median(xs):.0f}'
        print(f'{p} (port {conn}): {len(total)} changes; medians in µs: write -> notification '
              f'{med(srv)}, notification -> getData {med(react)}, getData -> reply {med(read)}, '
              f'write -> reply {med(total)}' + (f', value\'s clock -> reply {med(clock)}' if clock else ''))


if __name__ == '__main__':
    main(sys.argv[1])
