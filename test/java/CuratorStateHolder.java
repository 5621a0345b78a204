// Curator recipes holding state for the CLI's inspection tests (driven by
// test/src/support/curator-holder.ts): one Curator client whose session holds whatever it is
// told to, so `zk-recipes inspect` is tested on nodes that real Curator wrote. One command per
// line on stdin, answered by one line on stdout:
//   out: ready <session id in hex>
//   mutex <path>                 -> ok (holds an InterProcessMutex)
//   mutex-wait <path>            -> ok (a second InterProcessMutex waiting on another thread)
//   read <path> | write <path>   -> ok (InterProcessReadWriteLock's read or write lock, held)
//   write-wait <path>            -> ok (a write lock waiting on another thread)
//   semaphore <path> <max>       -> ok (one InterProcessSemaphoreV2 lease, held)
//   latch <path> <id>            -> ok (a LeaderLatch started; answers once it has its node)
//   selector <path> <id>         -> ok (a LeaderSelector started; it leads until close)
//   queue-put <path> <item>...   -> ok (DistributedQueue<String>: one put per item, flushed)
//   queue-put-multi <path> <item>... -> ok (one putMulti: one node with every item)
//   priority-put <path> <priority> <item> -> ok (DistributedPriorityQueue)
//   id-put <path> <id> <item>    -> ok (DistributedIdQueue)
//   delay-put <path> <delay ms> <item> -> ok (DistributedDelayQueue<String>, due after the delay)
//   simple-put <path> <item>...  -> ok (SimpleDistributedQueue offers, raw bytes)
//   queue-hold <path> <lockPath> -> holding <item> (a lock-safe consumer processing one item until close)
//   register <base> <name> <id> <port> [type] -> ok (curator-x-discovery, DYNAMIC or the type, a map payload, a uriSpec)
//   shared-count <path> <n>      -> ok (SharedCount set to n)
//   atomic-long <path> <n>       -> ok (DistributedAtomicLong set to n)
//   config <path> <json>         -> ok (the JSON written with create/setData, as a publisher does)
//   close                        -> closed, then the process exits
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.queue.DistributedDelayQueue;
import org.apache.curator.framework.recipes.queue.DistributedIdQueue;
import org.apache.curator.framework.recipes.queue.DistributedPriorityQueue;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.queue.SimpleDistributedQueue;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;

public class CuratorStateHolder {
  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static final QueueSerializer<String> STRINGS =
      new QueueSerializer<String>() {
        public byte[] serialize(String item) {
          return item.getBytes(StandardCharsets.UTF_8);
        }

        public String deserialize(byte[] bytes) {
          return new String(bytes, StandardCharsets.UTF_8);
        }
      };

  public static void main(String[] args) throws Exception {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(args[0], 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    List<AutoCloseable> held = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    say("ready 0x" + Long.toHexString(client.getZookeeperClient().getZooKeeper().getSessionId()));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split(" ", -1);
      String path = w.length > 1 ? w[1] : "";
      switch (w[0]) {
        case "mutex": {
          InterProcessMutex m = new InterProcessMutex(client, path);
          m.acquire();
          say("ok");
          break;
        }
        case "mutex-wait": {
          InterProcessMutex m = new InterProcessMutex(client, path);
          Thread t = new Thread(() -> {
            try {
              m.acquire();
            } catch (Exception e) {
              // interrupted by close: the process is ending
            }
          });
          t.setDaemon(true);
          t.start();
          // Answer once the waiter's node is there (two nodes of ours on the path).
          while (client.getChildren().forPath(path).size() < 2) Thread.sleep(20);
          say("ok");
          break;
        }
        case "write-wait": {
          InterProcessReadWriteLock rw = new InterProcessReadWriteLock(client, path);
          int before = client.getChildren().forPath(path).size();
          Thread t = new Thread(() -> {
            try {
              rw.writeLock().acquire();
            } catch (Exception e) {
              // interrupted by close: the process is ending
            }
          });
          t.setDaemon(true);
          t.start();
          while (client.getChildren().forPath(path).size() <= before) Thread.sleep(20);
          say("ok");
          break;
        }
        case "read":
        case "write": {
          InterProcessReadWriteLock rw = new InterProcessReadWriteLock(client, path);
          if (w[0].equals("read")) rw.readLock().acquire();
          else rw.writeLock().acquire();
          say("ok");
          break;
        }
        case "semaphore": {
          InterProcessSemaphoreV2 s = new InterProcessSemaphoreV2(client, path, Integer.parseInt(w[2]));
          s.acquire();
          say("ok");
          break;
        }
        case "latch": {
          LeaderLatch l = new LeaderLatch(client, path, w[2]);
          l.start();
          while (l.getParticipants().stream().noneMatch(p -> p.getId().equals(w[2]))) Thread.sleep(20);
          held.add(l);
          say("ok");
          break;
        }
        case "selector": {
          LeaderSelector s = new LeaderSelector(client, path, new LeaderSelectorListenerAdapter() {
            public void takeLeadership(CuratorFramework c) throws Exception {
              done.await();
            }
          });
          s.setId(w[2]);
          s.start();
          while (s.getParticipants().stream().noneMatch(p -> p.getId().equals(w[2]))) Thread.sleep(20);
          held.add(s);
          say("ok");
          break;
        }
        case "queue-put":
        case "queue-put-multi": {
          // No consumer: this queue only puts (a consumer would take the items).
          DistributedQueue<String> q = QueueBuilder.builder(client, null, STRINGS, path).buildQueue();
          q.start();
          List<String> items = Arrays.asList(w).subList(2, w.length);
          if (w[0].equals("queue-put")) {
            for (String item : items) q.put(item);
          } else {
            org.apache.curator.framework.recipes.queue.MultiItem<String> multi =
                new org.apache.curator.framework.recipes.queue.MultiItem<String>() {
                  int i = 0;

                  public String nextItem() {
                    return i < items.size() ? items.get(i++) : null;
                  }
                };
            q.putMulti(multi);
          }
          q.flushPuts(5, TimeUnit.SECONDS);
          q.close();
          say("ok");
          break;
        }
        case "priority-put": {
          DistributedPriorityQueue<String> q =
              QueueBuilder.builder(client, null, STRINGS, path).buildPriorityQueue(0);
          q.start();
          q.put(w[3], Integer.parseInt(w[2]));
          q.flushPuts(5, TimeUnit.SECONDS);
          q.close();
          say("ok");
          break;
        }
        case "id-put": {
          DistributedIdQueue<String> q = QueueBuilder.builder(client, null, STRINGS, path).buildIdQueue();
          q.start();
          q.put(w[3], w[2]);
          q.flushPuts(5, TimeUnit.SECONDS);
          q.close();
          say("ok");
          break;
        }
        case "delay-put": {
          // delay-put <path> <delay ms> <item>: due that long from now (the name carries it).
          DistributedDelayQueue<String> q =
              QueueBuilder.builder(client, null, STRINGS, path).buildDelayQueue();
          q.start();
          q.put(w[3], System.currentTimeMillis() + Long.parseLong(w[2]));
          q.flushPuts(5, TimeUnit.SECONDS);
          q.close();
          say("ok");
          break;
        }
        case "simple-put": {
          for (int i = 2; i < w.length; i++) {
            new SimpleDistributedQueue(client, path).offer(w[i].getBytes(StandardCharsets.UTF_8));
          }
          say("ok");
          break;
        }
        case "queue-hold": {
          CountDownLatch got = new CountDownLatch(1);
          String[] item = new String[1];
          QueueConsumer<String> holder = new QueueConsumer<String>() {
            public void consumeMessage(String message) throws Exception {
              item[0] = message;
              got.countDown();
              done.await(); // in flight until close
            }

            public void stateChanged(CuratorFramework c, ConnectionState s) {}
          };
          DistributedQueue<String> q =
              QueueBuilder.builder(client, holder, STRINGS, path).lockPath(w[2]).buildQueue();
          q.start();
          got.await();
          held.add(q);
          say("holding " + item[0]);
          break;
        }
        case "register": {
          Map<String, Object> payload = new LinkedHashMap<>();
          payload.put("zone", "a");
          ServiceInstance<Object> instance = ServiceInstance.<Object>builder()
              .name(w[2]).id(w[3]).address("10.0.0.7").port(Integer.parseInt(w[4]))
              .serviceType(w.length > 5 ? ServiceType.valueOf(w[5]) : ServiceType.DYNAMIC)
              .payload(payload).uriSpec(new UriSpec("{scheme}://{address}:{port}/v1")).build();
          ServiceDiscovery<Object> d = ServiceDiscoveryBuilder.builder(Object.class)
              .client(client).basePath(path).thisInstance(instance).build();
          d.start();
          held.add(d);
          say("ok");
          break;
        }
        case "shared-count": {
          SharedCount c = new SharedCount(client, path, 0);
          c.start();
          c.setCount(Integer.parseInt(w[2]));
          c.close();
          say("ok");
          break;
        }
        case "atomic-long": {
          DistributedAtomicLong a = new DistributedAtomicLong(client, path, new RetryNTimes(10, 10));
          if (!a.trySet(Long.parseLong(w[2])).succeeded()) throw new IllegalStateException("trySet failed");
          say("ok");
          break;
        }
        case "config": {
          byte[] json = line.substring(line.indexOf(' ', line.indexOf(' ') + 1) + 1).getBytes(StandardCharsets.UTF_8);
          if (client.checkExists().forPath(path) == null) client.create().creatingParentsIfNeeded().forPath(path, json);
          else client.setData().forPath(path, json);
          say("ok");
          break;
        }
        case "close":
          done.countDown();
          for (int i = held.size() - 1; i >= 0; i--) {
            try {
              held.get(i).close();
            } catch (Exception e) {
              // the server may be gone already: the session's end removes what is left
            }
          }
          client.close();
          say("closed");
          System.exit(0);
          break;
        default:
          say("unknown " + line);
      }
    }
    client.close(); // stdin closed: the parent is gone
    System.exit(0);
  }
}
