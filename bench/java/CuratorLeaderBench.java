// Curator's side of bench/leader-failover.mjs: LeaderLatch failover in one JVM. `participants`
// latches, each on its own client (its own session), contend at `path`; args: connect string,
// path, participants, the pause in ms after each join. Commands on stdin, one
// a line; answers on stdout:
//   rounds <n>   n rounds: the leader closes; the time from just before its close() to the next
//                participant's isLeader() is printed as `sample <nanoseconds>`; a new latch
//                joins at the back on the freed client; then `done`
//   crowd <path> 100 latches on one client join `<path>`; `crowd ready` once all are in line
//   uncrowd      closes them; `uncrowd done`
//   quit         closes everything and exits
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;

public class CuratorLeaderBench {
  private static final AtomicReference<CountDownLatch> elected = new AtomicReference<>();
  private static final AtomicLong electedAt = new AtomicLong();

  private static CuratorFramework client(String connect) throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.newClient(connect, 30000, 5000, new ExponentialBackoffRetry(100, 3));
    c.start();
    c.blockUntilConnected();
    return c;
  }

  /** A latch whose isLeader() records the time (on ZooKeeper's event thread, where it runs). */
  private static LeaderLatch join(CuratorFramework c, String path, int id) throws Exception {
    LeaderLatch latch = new LeaderLatch(c, path, "p" + id);
    latch.addListener(
        new LeaderLatchListener() {
          @Override
          public void isLeader() {
            electedAt.set(System.nanoTime());
            CountDownLatch l = elected.get();
            if (l != null) l.countDown();
          }

          @Override
          public void notLeader() {}
        });
    latch.start();
    return latch;
  }

  private static int count(CuratorFramework c, String path) throws Exception {
    try {
      return c.getChildren().forPath(path).size();
    } catch (KeeperException.NoNodeException e) {
      return 0; // the first latch has not created the path yet
    }
  }

  private static void waitInLine(CuratorFramework c, String path, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (count(c, path) != n) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("not " + n + " in line");
      Thread.sleep(1);
    }
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    int participants = Integer.parseInt(args[2]);
    long settleMs = Long.parseLong(args[3]);
    List<CuratorFramework> clients = new ArrayList<>();
    List<LeaderLatch> latches = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < participants; i++) {
      clients.add(client(connect));
      latches.add(join(clients.get(i), path, next++));
      waitInLine(clients.get(0), path, i + 1);
    }
    if (!latches.get(0).await(30, TimeUnit.SECONDS)) throw new IllegalStateException("no leader");
    CuratorFramework crowdClient = null;
    List<LeaderLatch> crowd = new ArrayList<>();
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split(" ");
      if (w[0].equals("rounds")) {
        int n = Integer.parseInt(w[1]);
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < n; r++) {
          int leader = -1;
          for (int i = 0; i < latches.size(); i++) if (latches.get(i).hasLeadership()) leader = i;
          if (leader < 0) throw new IllegalStateException("no leader before the round");
          CountDownLatch l = new CountDownLatch(1);
          elected.set(l);
          long t0 = System.nanoTime();
          latches.get(leader).close();
          if (!l.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("no failover");
          out.append("sample ").append(electedAt.get() - t0).append('\n');
          elected.set(null);
          // The freed client joins again at the back; the next round starts once it is in line.
          latches.set(leader, join(clients.get(leader), path, next++));
          waitInLine(clients.get(leader), path, participants);
          Thread.sleep(settleMs); // as the Node side: the joiner's watch is set before the next round
        }
        System.out.print(out);
        System.out.println("done");
      } else if (w[0].equals("crowd")) {
        crowdClient = client(connect);
        for (int i = 0; i < 100; i++) crowd.add(join(crowdClient, w[1], 1000 + i));
        waitInLine(crowdClient, w[1], 100);
        // Curator's start() creates the node on another thread: any of them may lead.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (crowd.stream().noneMatch(LeaderLatch::hasLeadership)) {
          if (System.nanoTime() > deadline) throw new IllegalStateException("no crowd leader");
          Thread.sleep(1);
        }
        System.out.println("crowd ready");
      } else if (w[0].equals("uncrowd")) {
        for (LeaderLatch l : crowd) l.close();
        crowd.clear();
        crowdClient.close();
        System.out.println("uncrowd done");
      } else if (w[0].equals("quit")) {
        break;
      }
      System.out.flush();
    }
    for (LeaderLatch l : latches) l.close();
    for (CuratorFramework c : clients) c.close();
    System.exit(0);
  }
}
