// One Curator LeaderLatch participant in its own JVM, for bench/leader-failover.mjs --processes
// (the twin of bench/leader-worker.mjs). Args: connect string, election path. Commands on
// stdin, one a line; lines on stdout (times are System.nanoTime() in µs: CLOCK_MONOTONIC, the
// clock Node's process.hrtime reads, so the parent compares times across processes):
//   (at start)   `ready` once the client is connected
//   join <id>    a new LeaderLatch with that id starts on this process's client; `joined`
//   close        `closing <µs>` (read just before close()), then `closed`
//   (any time)   `leader <µs>` when a latch of this process becomes leader (in isLeader())
// Exits when stdin closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorLeaderWorker {
  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(args[0], 30000, 5000, new ExponentialBackoffRetry(100, 3));
    client.start();
    client.blockUntilConnected();
    String path = args[1];
    LeaderLatch latch = null;
    say("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split(" ");
      if (w[0].equals("join")) {
        latch = new LeaderLatch(client, path, w[1]);
        latch.addListener(
            new LeaderLatchListener() {
              @Override
              public void isLeader() {
                say("leader " + System.nanoTime() / 1000);
              }

              @Override
              public void notLeader() {}
            });
        latch.start();
        say("joined");
      } else if (w[0].equals("close")) {
        long t0 = System.nanoTime();
        latch.close();
        say("closing " + t0 / 1000);
        latch = null;
        say("closed");
      }
    }
    if (latch != null) latch.close();
    client.close();
    System.exit(0);
  }
}
