// Curator's SharedCount for bench/shared-count-vs-curator.mjs (the Node side is
// bench/shared-count-node-worker.mjs, same protocol). Commands on stdin, one answer line each:
//   follow <path>   -> following (a started SharedCount on <path>; its changes are timed)
//   stats           -> lat <us,us,...> (write -> seen latencies since follow, then cleared)
//   stop            -> stopped (the SharedCount closed)
// A written count is the writer's wall clock in microseconds modulo 2^31; the listener subtracts
// it from its own wall clock modulo 2^31 (same machine).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.SharedCountListener;
import org.apache.curator.framework.recipes.shared.SharedCountReader;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorSharedCountBench {
  private static final long WRAP = 1L << 31;
  private static final List<Long> latencies = new ArrayList<>();

  private static long nowUs() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
  }

  public static void main(String[] args) throws Exception {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(args[0], 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    System.out.flush();
    SharedCount count = null;
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.split(" ");
      if (p[0].equals("quit")) break;
      switch (p[0]) {
        case "follow":
          count = new SharedCount(client, p[1], 0);
          count.addListener(
              new SharedCountListener() {
                @Override
                public void countHasChanged(SharedCountReader reader, int value) {
                  long lat = (((nowUs() % WRAP) - value) % WRAP + WRAP) % WRAP;
                  synchronized (latencies) {
                    latencies.add(lat);
                  }
                }

                @Override
                public void stateChanged(CuratorFramework c, ConnectionState s) {}
              });
          count.start();
          System.out.println("following");
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
        case "stop":
          if (count != null) count.close();
          count = null;
          System.out.println("stopped");
          break;
        default:
          System.out.println("unknown");
      }
      System.out.flush();
    }
    client.close();
    System.exit(0);
  }
}
