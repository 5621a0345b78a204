// A Curator peer for the cross-language tests of the shared-state recipes (atomic counters,
// barriers): each mode does one thing on one path and reports on stdout, line by line.
//   atomic-long <path> <n>        n increments of a DistributedAtomicLong, then "done <value>"
//   atomic-int <path> <n>         the same with a DistributedAtomicInteger
//   barrier-set <path>            setBarrier, "set", then waits for a line on stdin, removeBarrier, "removed"
//   barrier-wait <path> <ms>      waitOnBarrier(ms): "passed" or "timeout"
//   persistent-node <path> <data>  an EPHEMERAL PersistentNode: "created" once placed, then a line
//                                 on stdin closes it: "closed"
//   ttl-node <path> <ttlMs> <data>  a PersistentTtlNode: "started" once its container is placed,
//                                 "touched" once path/touch exists, then a line on stdin closes it: "closed"
//   group-member <path> <id> <payload>  a GroupMember: "members id=payload,..." (sorted) at start and
//                                 whenever getCurrentMembers changes, until a line on stdin closes it: "closed"
//   count-set <path> <n>          SharedCount(seed 0).setCount(n): "set"
//   count-wait <path> <n>         SharedCount(seed 0): "seen <n>" once getCount() is n (20 s at most)
//   double <path> <n> <ms>        DistributedDoubleBarrier(n): "entered"/"enter-timeout", then a line on
//                                 stdin, leave(ms): "left"/"leave-timeout"
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicInteger;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.nodes.GroupMember;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.recipes.nodes.PersistentTtlNode;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.zookeeper.CreateMode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;

public class CuratorSharedWorker {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String connect = args[1];
    String path = args[2];
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    switch (mode) {
      case "atomic-long": {
        DistributedAtomicLong n = new DistributedAtomicLong(client, path, new RetryNTimes(1000, 1));
        int rounds = Integer.parseInt(args[3]);
        for (int i = 0; i < rounds; i++) {
          // succeeded() == false means nothing was written: try again until it counts.
          AtomicValue<Long> v;
          do {
            v = n.increment();
          } while (!v.succeeded());
        }
        System.out.println("done " + n.get().postValue());
        break;
      }
      case "atomic-int": {
        DistributedAtomicInteger n = new DistributedAtomicInteger(client, path, new RetryNTimes(1000, 1));
        int rounds = Integer.parseInt(args[3]);
        for (int i = 0; i < rounds; i++) {
          AtomicValue<Integer> v;
          do {
            v = n.increment();
          } while (!v.succeeded());
        }
        System.out.println("done " + n.get().postValue());
        break;
      }
      case "barrier-set": {
        DistributedBarrier b = new DistributedBarrier(client, path);
        b.setBarrier();
        System.out.println("set");
        in.readLine();
        b.removeBarrier();
        System.out.println("removed");
        break;
      }
      case "barrier-wait": {
        DistributedBarrier b = new DistributedBarrier(client, path);
        boolean passed = b.waitOnBarrier(Long.parseLong(args[3]), TimeUnit.MILLISECONDS);
        System.out.println(passed ? "passed" : "timeout");
        break;
      }
      case "double": {
        DistributedDoubleBarrier b = new DistributedDoubleBarrier(client, path, Integer.parseInt(args[3]));
        long ms = Long.parseLong(args[4]);
        System.out.println(b.enter(ms, TimeUnit.MILLISECONDS) ? "entered" : "enter-timeout");
        in.readLine();
        System.out.println(b.leave(ms, TimeUnit.MILLISECONDS) ? "left" : "leave-timeout");
        break;
      }
      case "count-set": {
        SharedCount c = new SharedCount(client, path, 0);
        c.start();
        c.setCount(Integer.parseInt(args[3]));
        System.out.println("set");
        c.close();
        break;
      }
      case "count-wait": {
        SharedCount c = new SharedCount(client, path, 0);
        c.start();
        int want = Integer.parseInt(args[3]);
        long end = System.currentTimeMillis() + 20000;
        while (c.getCount() != want && System.currentTimeMillis() < end) Thread.sleep(10);
        System.out.println(c.getCount() == want ? "seen " + want : "timeout " + c.getCount());
        c.close();
        break;
      }
      case "persistent-node": {
        PersistentNode node =
            new PersistentNode(client, CreateMode.EPHEMERAL, false, path, args[3].getBytes("UTF-8"));
        node.start();
        System.out.println(node.waitForInitialCreate(20, TimeUnit.SECONDS) ? "created" : "timeout");
        System.out.flush();
        in.readLine();
        node.close();
        System.out.println("closed");
        break;
      }
      case "ttl-node": {
        PersistentTtlNode node =
            new PersistentTtlNode(client, path, Long.parseLong(args[3]), args[4].getBytes("UTF-8"));
        node.start();
        System.out.println(node.waitForInitialCreate(20, TimeUnit.SECONDS) ? "started" : "timeout");
        System.out.flush();
        long end = System.currentTimeMillis() + 20_000;
        while (client.checkExists().forPath(path + "/touch") == null && System.currentTimeMillis() < end) {
          Thread.sleep(10);
        }
        System.out.println(client.checkExists().forPath(path + "/touch") != null ? "touched" : "timeout");
        System.out.flush();
        in.readLine();
        node.close();
        System.out.println("closed");
        break;
      }
      case "group-member": {
        GroupMember member = new GroupMember(client, path, args[3], args[4].getBytes("UTF-8"));
        member.start();
        Thread closer = new Thread(() -> {
          try {
            in.readLine();
          } catch (Exception e) {
            // stdin gone: close as well
          }
        });
        closer.start();
        String last = null;
        while (closer.isAlive()) {
          StringBuilder b = new StringBuilder();
          for (java.util.Map.Entry<String, byte[]> e : new java.util.TreeMap<>(member.getCurrentMembers()).entrySet()) {
            if (b.length() > 0) b.append(',');
            b.append(e.getKey()).append('=').append(new String(e.getValue(), "UTF-8"));
          }
          String now = b.toString();
          if (!now.equals(last)) {
            System.out.println("members " + now);
            System.out.flush();
            last = now;
          }
          Thread.sleep(20);
        }
        member.close();
        System.out.println("closed");
        break;
      }
      default:
        throw new IllegalArgumentException(mode);
    }
    System.out.flush();
    client.close();
  }
}
