// The Curator peer of bench/lock-vs-peers.mjs: Apache Curator's InterProcessMutex, driven by
// the same line commands as bench/lock-node-worker.mjs (see there), answered with one JSON
// line each. Usage: java -cp <classes and Curator jars> CuratorLockBench <connect>.
// Times are System.nanoTime() in microseconds: CLOCK_MONOTONIC on Linux, the clock the Node and
// Python workers read, so the parent can merge the events of every process.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorLockBench {
  private static CuratorFramework client;
  private static final Map<String, InterProcessMutex> mutexes = new HashMap<>();

  private static long nowUs() {
    return System.nanoTime() / 1000;
  }

  /** This JVM's CPU time (every thread: the client's, the JIT's, the collector's). */
  private static long cpuUs() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1000;
  }

  private static InterProcessMutex mutex(String path) {
    return mutexes.computeIfAbsent(path, p -> new InterProcessMutex(client, p));
  }

  /** A growable array of longs, one per thread, so recording costs no boxing or locking. */
  private static final class Events {
    long[] v = new long[1024];
    int n;

    void add(long a) {
      if (n + 1 > v.length) v = java.util.Arrays.copyOf(v, v.length * 2);
      v[n++] = a;
    }

    void add(long a, long b) {
      if (n + 2 > v.length) v = java.util.Arrays.copyOf(v, v.length * 2);
      v[n++] = a;
      v[n++] = b;
    }
  }

  private static String cycles(String path, int count) throws Exception {
    InterProcessMutex m = mutex(path);
    StringBuilder out = new StringBuilder("{\"lat\":[");
    long cpu0 = cpuUs();
    long t0 = nowUs();
    for (int i = 0; i < count; i++) {
      long s = nowUs();
      m.acquire();
      m.release();
      if (i > 0) out.append(',');
      out.append(nowUs() - s);
    }
    long us = nowUs() - t0;
    long cpu = cpuUs() - cpu0;
    out.append("],\"us\":").append(us).append(",\"cpuUs\":").append(cpu);
    return out.append('}').toString();
  }

  /**
   * `threads` threads on one client, sharing one InterProcessMutex (it keeps per-thread state
   * for that), or with one InterProcessMutex each when `perThread`.
   */
  private static String loop(
      String path, int threads, boolean perThread, long startUs, long endUs, long workUs)
      throws Exception {
    InterProcessMutex shared = mutex(path);
    List<Thread> all = new ArrayList<>();
    List<Events> evs = new ArrayList<>();
    List<Events> rels = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Events ev = new Events();
      evs.add(ev);
      Events rel = new Events();
      rels.add(rel);
      InterProcessMutex m = perThread ? new InterProcessMutex(client, path) : shared;
      Thread th =
          new Thread(
              () -> {
                try {
                  long wait = startUs - nowUs();
                  if (wait > 0) Thread.sleep(wait / 1000, (int) (wait % 1000) * 1000);
                  while (nowUs() < endUs) {
                    m.acquire();
                    long acquired = nowUs();
                    ev.add(acquired, nowUs());
                    m.release();
                    rel.add(nowUs());
                    if (workUs > 0) LockSupport.parkNanos(workUs * 1000);
                  }
                } catch (Exception e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              });
      all.add(th);
      th.start();
    }
    long cpu0 = cpuUs();
    for (Thread th : all) th.join();
    long cpu = cpuUs() - cpu0;
    if (!failures.isEmpty()) throw failures.get(0);
    StringBuilder out = new StringBuilder("{\"cpuUs\":" + cpu + ",\"ev\":[");
    boolean first = true;
    for (Events ev : evs) {
      for (int i = 0; i < ev.n; i++) {
        if (!first) out.append(',');
        first = false;
        out.append(ev.v[i]);
      }
    }
    out.append("],\"rel\":[");
    first = true;
    for (Events rel : rels) {
      for (int i = 0; i < rel.n; i++) {
        if (!first) out.append(',');
        first = false;
        out.append(rel.v[i]);
      }
    }
    return out.append("]}").toString();
  }

  private static String run(String[] a) throws Exception {
    switch (a[0]) {
      case "cycles":
        return cycles(a[1], Integer.parseInt(a[2]));
      case "contend":
        long workUs = a.length > 4 ? Long.parseLong(a[4]) : 0;
        return loop(a[1], 1, false, Long.parseLong(a[2]), Long.parseLong(a[3]), workUs);
      case "inproc":
        boolean perThread = a.length > 5 && a[5].equals("per-thread");
        int n = Integer.parseInt(a[2]);
        return loop(a[1], n, perThread, Long.parseLong(a[3]), Long.parseLong(a[4]), 0);
      default:
        throw new IllegalArgumentException("unknown command " + a[0]);
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, "UTF-8");
    // A reader thread, so that end of input (the parent gone, however it went) ends this JVM
    // even while a command is still waiting for a lock.
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
                for (String line; (line = in.readLine()) != null; ) commands.add(line);
              } catch (Exception e) {
                // treated as end of input
              }
              Runtime.getRuntime().halt(0);
            });
    reader.setDaemon(true);
    reader.start();
    client =
        CuratorFrameworkFactory.newClient(
            args[0], 30000, 15000, new ExponentialBackoffRetry(100, 3));
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) throw new Exception("no connection");
    out.println("{\"ready\":true}");
    out.flush();
    for (; ; ) {
      String line = commands.take().trim();
      String answer;
      try {
        answer = run(line.split("\\s+"));
      } catch (Exception e) {
        answer = "{\"error\":" + quote(e.toString()) + "}";
      }
      out.println(answer);
      out.flush();
    }
  }
}
