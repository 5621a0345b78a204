"""Deletions and their notifications in a packet capture of ZooKeeper traffic (issue 20).

    tcpdump -i lo -s 0 -w run.pcap tcp &   # around a benchmark run, then
    python3 bench/pcap-deletions.py run.pcap

Reassembles each TCP stream into ZooKeeper frames (a whole snapshot length is needed: a cut
packet loses the frames after it), finds every delete request (opcode 2) and the NodeDeleted
notifications for its path that follow it, and prints, per kind of path (the parent's name, or
`floor` for leader-failover's floor node): the deletions, the time from the delete on the wire to
the successor's notification on the wire (the successor: the connection that sends the next
delete of that kind, as in a failover benchmark where each leader closes in turn; where one
connection sends every delete, as the floor's, any other connection notified), the
notifications per deletion, and how many went to the deleting connection itself.
"""
import collections
import statistics
import struct
import sys


def frames(path):
    """Yields (time, (src port, dst port), frame bytes) in capture order."""
    with open(path, 'rb') as f:
        head = f.read(24)
        nano = struct.unpack('<I', head[:4])[0] == 0xA1B23C4D
        link = struct.unpack('<I', head[20:24])[0]
        link_bytes = {1: 14, 113: 16, 0: 4}.get(link, 0)
        pending = collections.defaultdict(bytes)
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, incl, _ = struct.unpack('<IIII', h)
            pkt = f.read(incl)
            t = sec + frac / (1e9 if nano else 1e6)
            ip = pkt[link_bytes:]
            if not ip:
                continue
            if ip[0] >> 4 == 4:
                ip_len, proto = (ip[0] & 15) * 4, ip[9]
            else:
                ip_len, proto = 40, ip[6]
            if proto != 6:
                continue
            tcp = ip[ip_len:]
            key = struct.unpack('>HH', tcp[:4])
            payload = tcp[(tcp[12] >> 4) * 4:]
            if not payload:
                continue
            buf, o = pending[key] + payload, 0
            while len(buf) - o >= 4:
                n = struct.unpack('>i', buf[o:o + 4])[0]
                if n < 0 or len(buf) - o - 4 < n:
                    break
                yield t, key, buf[o + 4:o + 4 + n]
                o += 4 + n
            pending[key] = buf[o:]


def main(path):
    every = list(frames(path))
    server = collections.Counter(k[1] for _, k, _ in every).most_common(1)[0][0]
    deletes, notes = [], []  # (time, connection, path)
    for t, (src, dst), fr in every:
        if dst == server and len(fr) >= 12:
            xid, op, n = struct.unpack('>iii', fr[:12])
            if op == 2 and xid > 0 and 0 < n <= len(fr) - 12:
                deletes.append((t, src, fr[12:12 + n].decode('utf8', 'replace')))
        elif src == server and len(fr) >= 28 and struct.unpack('>i', fr[:4])[0] == -1:
            kind, _, n = struct.unpack('>iii', fr[16:28])
            if kind == 2:
                notes.append((t, dst, fr[28:28 + n].decode('utf8', 'replace')))
    by_kind = collections.defaultdict(list)
    for d in deletes:
        parts = d[2].rsplit('/', 2)
        by_kind['floor' if parts[-1] == 'floor' else parts[-2].split('-')[0]].append(d)
    for kind, ds in by_kind.items():
        lat, counts, own, own_first = [], [], 0, 0
        for i, (t, closer, p) in enumerate(ds):
            end = ds[i + 1][0] if i + 1 < len(ds) else float('inf')
            mine = [(tn, c) for tn, c, pn in notes if pn == p and t <= tn < end]
            counts.append(len(mine))
            succ = ds[i + 1][1] if i + 1 < len(ds) else None
            # The same connection deleting every time (the floor): the first other one notified.
            s = [tn for tn, c in mine if c != closer and (c == succ or succ in (None, closer))]
            o = [tn for tn, c in mine if c == closer]
            own += 1 if o else 0
            if s:
                lat.append((s[0] - t) * 1000)
                own_first += 1 if o and o[0] < s[0] else 0
        line = f'{kind}: {len(ds)} deletions, notifications per deletion {statistics.median(counts)}'
        line += f', to the deleting connection {own}'
        if lat:
            lat.sort()
            line += f'; delete -> successor notification p50 {statistics.median(lat):.3f} ms'
            line += f', p90 {lat[int(len(lat) * 0.9)]:.3f} ms ({len(lat)} with a successor)'
            line += f'; the deleter\'s own before the successor\'s {own_first}'
        print(line)


if __name__ == '__main__':
    main(sys.argv[1])
