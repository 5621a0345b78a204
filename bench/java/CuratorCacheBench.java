// Curator's CuratorCache for bench/cache-vs-curator.mjs (the Node side is
// bench/cache-node-worker.mjs, same protocol). Commands on stdin, one answer line each:
//   load <path>     -> loaded <ms> <heap bytes held by the cache, after GC>
//   watch <path>    -> watching (the loaded cache times every change of <path> from then on)
//   stats           -> lat <us,us,...> (change -> listener latencies since watch, then cleared)
//   close           -> closed, then exit
// A change's data is the writer's wall clock in microseconds; the listener subtracts it from its
// own wall clock (same machine).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorCacheBench {
  private static final List<Long> latencies = new ArrayList<>();
  private static volatile String watched = null;

  private static long nowUs() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) System.gc();
    return r.totalMemory() - r.freeMemory();
  }

  public static void main(String[] args) throws Exception {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(args[0], 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    CuratorCache cache = null;
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.split(" ");
      switch (p[0]) {
        case "load": {
          long before = usedHeap();
          CountDownLatch done = new CountDownLatch(1);
          long t0 = System.nanoTime();
          cache = CuratorCache.build(client, p[1]);
          cache.listenable().addListener(
              CuratorCacheListener.builder()
                  .forInitialized(done::countDown)
                  .forChanges((oldNode, node) -> {
                    if (node.getPath().equals(watched)) {
                      long sent = Long.parseLong(new String(node.getData(), StandardCharsets.UTF_8));
                      synchronized (latencies) {
                        latencies.add(nowUs() - sent);
                      }
                    }
                  })
                  .build());
          cache.start();
          done.await();
          long ms = (System.nanoTime() - t0) / 1_000_000;
          System.out.println("loaded " + ms + " " + (usedHeap() - before));
          break;
        }
        case "watch":
          watched = p[1];
          System.out.println("watching");
          break;
        case "stats": {
          StringBuilder sb = new StringBuilder("lat ");
          synchronized (latencies) {
            for (int i = 0; i < latencies.size(); i++) sb.append(i == 0 ? "" : ",").append(latencies.get(i));
            latencies.clear();
          }
          System.out.println(sb);
          break;
        }
        case "close":
          if (cache != null) cache.close();
          client.close();
          System.out.println("closed");
          System.out.flush();
          System.exit(0);
          break;
        default:
          System.out.println("unknown");
      }
      System.out.flush();
    }
  }
}
