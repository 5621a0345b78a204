// A Curator election participant for the cross-language leader tests (driven by
// test/src/support/leader-workers.ts): a LeaderLatch or a LeaderSelector with an id, on its own
// client. It reports on stdout each change of leadership and answers commands on stdin, one
// line each:
//   out: ready (the JVM is up and connected) | leader <czxid of our node> | notleader
//   in:  start        -> started (the recipe joins the election)
//        participants -> participants <id>:<true|false> ... (getParticipants() order)
//        has          -> has <true|false> (hasLeadership())
//        release      -> released (selector: takeLeadership returns; no requeue)
//        close        -> closed (the recipe and the client closed), then the process exits
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.recipes.locks.LockInternals;
import org.apache.curator.framework.recipes.locks.StandardLockInternalsDriver;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorLeaderWorker {
  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    String mode = args[2];
    String id = args[3];
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    // Listeners run here, not on ZooKeeper's event thread, so they may read from the server.
    ExecutorService events = Executors.newSingleThreadExecutor();
    Semaphore release = new Semaphore(0);
    LeaderLatch latch = null;
    LeaderSelector selector = null;
    if (mode.equals("latch")) {
      LeaderLatch l = new LeaderLatch(client, path, id);
      l.addListener(
          new LeaderLatchListener() {
            @Override
            public void isLeader() {
              long czxid = 0;
              try {
                czxid = client.checkExists().forPath(l.getOurPath()).getCzxid();
              } catch (Exception e) {
                // The node went before we read it: leadership is ending anyway.
              }
              say("leader " + czxid);
            }

            @Override
            public void notLeader() {
              say("notleader");
            }
          },
          events);
      latch = l;
    } else {
      selector =
          new LeaderSelector(
              client,
              path,
              new LeaderSelectorListenerAdapter() {
                @Override
                public void takeLeadership(CuratorFramework c) throws Exception {
                  // While we hold the mutex our node sorts first among the participants.
                  String ours =
                      LockInternals.getParticipantNodes(
                              c, path, "lock-", new StandardLockInternalsDriver())
                          .iterator()
                          .next();
                  say("leader " + c.checkExists().forPath(ours).getCzxid());
                  try {
                    release.acquire(); // until `release`, or interrupted by close()
                  } finally {
                    say("notleader");
                  }
                }
              });
      selector.setId(id);
    }
    say("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      switch (line.trim()) {
        case "start":
          if (latch != null) latch.start();
          else selector.start();
          say("started");
          break;
        case "participants":
          StringBuilder out = new StringBuilder("participants");
          for (Participant p :
              latch != null ? latch.getParticipants() : selector.getParticipants()) {
            out.append(' ').append(p.getId()).append(':').append(p.isLeader());
          }
          say(out.toString());
          break;
        case "has":
          say("has " + (latch != null ? latch.hasLeadership() : selector.hasLeadership()));
          break;
        case "release":
          release.release();
          say("released");
          break;
        case "close":
          if (latch != null) latch.close();
          else selector.close();
          client.close();
          events.shutdown();
          say("closed");
          System.exit(0);
          break;
        default:
          say("unknown " + line);
      }
    }
    // stdin closed (the parent is gone): leave the election with the session.
    client.close();
    System.exit(0);
  }
}
