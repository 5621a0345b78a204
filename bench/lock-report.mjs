// Quantiles, the merge of acquire/release events from several workers into hand-offs, and the
// tables bench/lock-vs-peers.mjs prints.

export function quantile(xs, f) {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(f * s.length))];
}
export function median(xs) {
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Merges the [acquired, releasing] pairs (CLOCK_MONOTONIC µs) of every holder on one lock.
 * Counts the grants inside [startUs, endUs] (the measured window) and, for each grant after
 * another, the hand-off latency: from the moment the previous holder began to release to the
 * moment the next one held. A grant before the previous holder began to release would be two
 * holders at once: counted as `overlaps` (it must stay 0).
 */
export function handoffs(evs, startUs, endUs) {
  const grants = [];
  for (const ev of evs) for (let i = 0; i + 1 < ev.length; i += 2) grants.push([ev[i], ev[i + 1]]);
  grants.sort((a, b) => a[0] - b[0]);
  const latencies = [];
  let overlaps = 0;
  let inWindow = 0;
  for (let i = 0; i < grants.length; i++) {
    const [acquired] = grants[i];
    if (acquired < startUs || acquired > endUs) continue;
    inWindow++;
    if (i === 0) continue;
    const gap = acquired - grants[i - 1][1];
    if (gap < 0) overlaps++;
    else latencies.push(gap / 1000);
  }
  return { perSecond: inWindow / ((endUs - startUs) / 1e6), latencies, overlaps };
}

/**
 * The returning create against the next holder's delete. For each hand-off W → X after H → W:
 * H's release returned (its next acquire's create left) before or after W began to release
 * (its delete left), and the W → X latency in each case. `evs[i]`, `rels[i]`: one worker's
 * [acquired, releasing] pairs and the times its releases returned, one per pair.
 */
export function returningCreates(evs, rels, startUs, endUs) {
  const g = [];
  evs.forEach((ev, w) => {
    for (let i = 0; i + 1 < ev.length; i += 2) {
      const released = rels[w]?.[i / 2];
      if (released !== undefined) g.push([ev[i], ev[i + 1], released]);
    }
  });
  g.sort((a, b) => a[0] - b[0]);
  const before = [];
  const after = [];
  for (let i = 2; i < g.length; i++) {
    const [h, w, x] = [g[i - 2], g[i - 1], g[i]];
    if (x[0] < startUs || x[0] > endUs) continue;
    const latency = (x[0] - w[1]) / 1000;
    (h[2] <= w[1] ? before : after).push(latency);
  }
  return { before, after };
}

/** Prints rows as a Markdown table, aligned, so it reads in a terminal and pastes as is. */
export function printTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(all[0]));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of all.slice(1)) console.log(line(r));
}

// The ratio must reach `goal`; every ratio is oriented so that higher is better for ours (rates
// ours/peer, cycle times peer/ours).
const TARGETS = {
  'cycles:raw': [1 / 1.1, '≥ 0.909 (within 1.1x)'],
  'cycles:raw-seq': [1 / 1.1, '≥ 0.909 (within 1.1x)'],
  'cycles:curator': [1, '> 1 (ahead)'],
  'cyclesP50:raw': [1 / 1.1, '≥ 0.909 (within 1.1x)'],
  'cyclesP50:raw-seq': [1 / 1.1, '≥ 0.909 (within 1.1x)'],
  'cyclesP50:curator': [1, '> 1 (ahead)'],
  'contended:curator': [1.2, '≥ 1.2'],
  'contended:kazoo': [1.1, '≥ 1.1'],
  'worked:curator': [1.2, '≥ 1.2'],
  'worked:kazoo': [1.1, '≥ 1.1'],
  'inproc:curator': [5, '≥ 5'],
  'inproc:curator-pt': [5, '≥ 5'],
};

/**
 * Prints the figures (median rate of the rounds, pooled p50/p99 latencies per peer) and the
 * paired ratios (median of the per-round ratios) with the targets.
 * figures[measure][peer] = { rates, lat, overlaps, cpu }; ratios[measure][peer] = [per round].
 */
export function report({ figures, ratios, columns, names, procs, acquirers, workMs = 0 }) {
  const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '');
  const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '');
  const p50p99 = (f) => `${f2(quantile(f.lat, 0.5))} / ${f2(quantile(f.lat, 0.99))}`;
  const rate = (f) => f0(median(f.rates));
  const labels = {
    cycles: 'uncontended acquire+release (cycles/s)',
    cyclesP50: 'uncontended cycle p50 (peer/ours)',
    contended: `${procs} processes: hand-offs/s`,
    worked: `${procs} processes, ${workMs} ms of work between: hand-offs/s`,
    inproc: `${acquirers} in one process: acquisitions/s`,
  };
  const floor = figures.floor.raw;
  const floorP50 = floor ? quantile(floor.lat, 0.5) : NaN;
  // Per round, medians of the server's figures per hand-off.
  const server = (k, digits) => (f) => {
    const xs = f.server.map((x) => x[k]).filter(Number.isFinite);
    return xs.length ? median(xs).toFixed(digits) : '';
  };
  const contendedRows = (measure, what) => [
    [labels[measure], measure, rate],
    [`${what}: release→next acquire p50 / p99 (ms)`, measure, p50p99],
    [`${what}: hand-off p50 / floor p50`, measure, (f) => f2(quantile(f.lat, 0.5) / floorP50)],
    [
      `${what}: fsyncs / writes per hand-off (server)`,
      measure,
      (f) => `${server('fsyncs', 2)(f)} / ${server('txns', 2)(f)}`,
    ],
    [
      `${what}: mean fsync / wait for the log (ms, server)`,
      measure,
      (f) => `${server('fsyncMs', 2)(f)} / ${server('queueMs', 2)(f)}`,
    ],
    [
      `${what}: CPU per hand-off, clients / server / machine (ms)`,
      measure,
      (f) =>
        `${server('clientCpuMs', 2)(f)} / ${server('serverCpuMs', 2)(f)} / ` +
        `${server('machineCpuMs', 2)(f)}`,
    ],
    [`${what}: machine busy (share of its CPUs)`, measure, server('busy', 2)],
    [
      `${what}: clients' wake-ups per hand-off (voluntary context switches, all threads)`,
      measure,
      server('wakeups', 1),
    ],
    [
      `${what}: hand-offs/s of each round`,
      measure,
      (f) => f.rates.map((r) => r.toFixed(0)).join(' / '),
    ],
    [
      `${what}: previous holder's create left before the next delete (share)`,
      measure,
      (f) => {
        const n = f.creates.before.length + f.creates.after.length;
        return n ? (f.creates.before.length / n).toFixed(2) : '';
      },
    ],
    [
      `${what}: hand-off p50 when it did / when it did not (ms)`,
      measure,
      (f) => `${f2(quantile(f.creates.before, 0.5))} / ${f2(quantile(f.creates.after, 0.5))}`,
    ],
  ];
  const rows = [
    ['floor: delete→notification p50 / p99 (ms)', 'floor', p50p99],
    ['floor: hand-offs/s at that p50', 'floor', rate],
    [labels.cycles, 'cycles', rate],
    ['uncontended cycle p50 / p99 (ms)', 'cycles', p50p99],
    [
      'uncontended: client CPU per cycle (µs, median of rounds)',
      'cycles',
      (f) => f0(median(f.cpu)),
    ],
    ...contendedRows('contended', `${procs} processes`),
    ...(figures.worked.ours ? contendedRows('worked', `with ${workMs} ms of work`) : []),
    [labels.inproc, 'inproc', rate],
    [`${acquirers} in one process: release→next acquire p50 / p99 (ms)`, 'inproc', p50p99],
  ];
  const cell = (measure, peer, fn) => (figures[measure][peer] ? fn(figures[measure][peer]) : '');
  printTable(
    ['measure (rates: median of rounds)', ...columns.map((p) => names[p])],
    rows.map(([label, measure, fn]) => [label, ...columns.map((p) => cell(measure, p, fn))]),
  );
  const verdicts = [];
  for (const measure of ['cycles', 'cyclesP50', 'contended', 'worked', 'inproc']) {
    for (const [peer, rs] of Object.entries(ratios[measure])) {
      const m = median(rs);
      const [goal, text] = TARGETS[`${measure}:${peer}`] ?? [undefined, ''];
      const pass = text.startsWith('>') ? m > goal : m >= goal;
      const verdict = goal === undefined ? '' : pass ? 'PASS' : 'MISS';
      const ratio = measure === 'cyclesP50' ? `${names[peer]}/ours` : `ours/${names[peer]}`;
      verdicts.push([labels[measure], ratio, m.toFixed(3), text, verdict]);
    }
  }
  console.log('');
  printTable(['measure', 'ratio', 'median of paired rounds', 'target', ''], verdicts);
  const overlaps = columns
    .filter((p) => figures.contended[p] || figures.worked[p] || figures.inproc[p])
    .map((p) => {
      const n = ['contended', 'worked', 'inproc'].reduce(
        (sum, m) => sum + (figures[m][p]?.overlaps ?? 0),
        0,
      );
      return `${names[p]} ${n}`;
    });
  console.log(`\nTwo holders at once (must be 0): ${overlaps.join(', ')}`);
}
