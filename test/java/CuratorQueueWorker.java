// A Curator queue peer for the cross-language queue tests (test/src/queue/curator-interop.test.ts):
// one client, driven by commands on stdin, one per line, with UTF-8 string items:
//   produce <kind> <path> <lockPath|-> <items...>   -> put (everything written and flushed)
//   consume <kind> <path> <lockPath|-> <holdMs>     -> ready; then "got <value>" when a message
//                                                      starts, "done <value>" when it returns
//   stop                                            -> stopped (the consumer closed)
//   exit                                            (the client closes, the JVM exits)
// kind: plain | multi (putMulti: all items in one node) | priority | delay | id | simple.
// produce items: plain/multi/simple: <value>; priority: <value>@<priority>; delay:
// <value>@<epoch ms>; id: <value>@<id>. A simple consumer takes until stopped.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.queue.DistributedDelayQueue;
import org.apache.curator.framework.recipes.queue.DistributedIdQueue;
import org.apache.curator.framework.recipes.queue.DistributedPriorityQueue;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.MultiItem;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.queue.SimpleDistributedQueue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorQueueWorker {
  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  static final QueueSerializer<String> STRINGS =
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
        CuratorFrameworkFactory.newClient(
            args[0], 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    java.io.Closeable consumer = null;
    for (String line; (line = in.readLine()) != null; ) {
      String[] w = line.trim().split(" ");
      if (w[0].equals("exit")) break;
      if (w[0].equals("stop")) {
        if (consumer != null) consumer.close();
        consumer = null;
        say("stopped");
        continue;
      }
      String kind = w[1];
      String path = w[2];
      String lockPath = w[3].equals("-") ? null : w[3];
      if (w[0].equals("produce")) {
        List<String> items = new ArrayList<>();
        for (int i = 4; i < w.length; i++) items.add(w[i]);
        produce(client, kind, path, lockPath, items);
        say("put");
      } else {
        consumer = consume(client, kind, path, lockPath, Long.parseLong(w[4]));
        say("ready");
      }
    }
    if (consumer != null) consumer.close();
    client.close();
    System.exit(0);
  }

  static QueueBuilder<String> builder(
      CuratorFramework client, QueueConsumer<String> consumer, String path, String lockPath) {
    QueueBuilder<String> b = QueueBuilder.builder(client, consumer, STRINGS, path);
    if (lockPath != null) b = b.lockPath(lockPath);
    return b;
  }

  static void produce(
      CuratorFramework client, String kind, String path, String lockPath, List<String> items)
      throws Exception {
    if (kind.equals("simple")) {
      SimpleDistributedQueue q = new SimpleDistributedQueue(client, path);
      for (String item : items) q.offer(item.getBytes(StandardCharsets.UTF_8));
      return;
    }
    QueueBuilder<String> b = builder(client, null, path, lockPath);
    switch (kind) {
      case "plain":
      case "multi":
        {
          DistributedQueue<String> q = b.buildQueue();
          q.start();
          if (kind.equals("multi")) {
            Iterator<String> it = items.iterator();
            q.putMulti(
                new MultiItem<String>() {
                  public String nextItem() {
                    return it.hasNext() ? it.next() : null;
                  }
                });
          } else {
            for (String item : items) q.put(item);
          }
          q.flushPuts(10, TimeUnit.SECONDS);
          q.close();
          break;
        }
      case "priority":
        {
          DistributedPriorityQueue<String> q = b.buildPriorityQueue(0);
          q.start();
          for (String item : items) {
            String[] p = item.split("@");
            q.put(p[0], Integer.parseInt(p[1]));
          }
          q.flushPuts(10, TimeUnit.SECONDS);
          q.close();
          break;
        }
      case "delay":
        {
          DistributedDelayQueue<String> q = b.buildDelayQueue();
          q.start();
          for (String item : items) {
            String[] p = item.split("@");
            q.put(p[0], Long.parseLong(p[1]));
          }
          q.flushPuts(10, TimeUnit.SECONDS);
          q.close();
          break;
        }
      case "id":
        {
          DistributedIdQueue<String> q = b.buildIdQueue();
          q.start();
          for (String item : items) {
            String[] p = item.split("@", 2);
            q.put(p[0], p[1]);
          }
          q.flushPuts(10, TimeUnit.SECONDS);
          q.close();
          break;
        }
      default:
        throw new IllegalArgumentException(kind);
    }
  }

  static java.io.Closeable consume(
      CuratorFramework client, String kind, String path, String lockPath, long holdMs)
      throws Exception {
    if (kind.equals("simple")) {
      SimpleDistributedQueue q = new SimpleDistributedQueue(client, path);
      Thread t =
          new Thread(
              () -> {
                try {
                  for (; ; ) {
                    String v = new String(q.take(), StandardCharsets.UTF_8);
                    say("got " + v);
                    say("done " + v);
                  }
                } catch (Exception e) {
                  // interrupted by stop
                }
              });
      t.setDaemon(true);
      t.start();
      return () -> t.interrupt();
    }
    QueueConsumer<String> consumer =
        new QueueConsumer<String>() {
          public void consumeMessage(String message) throws Exception {
            say("got " + message);
            if (holdMs > 0) Thread.sleep(holdMs);
            say("done " + message);
          }

          public void stateChanged(CuratorFramework c, ConnectionState s) {}
        };
    QueueBuilder<String> b = builder(client, consumer, path, lockPath);
    switch (kind) {
      case "plain":
        {
          DistributedQueue<String> d = b.buildQueue();
          d.start();
          return d;
        }
      case "priority":
        {
          DistributedPriorityQueue<String> d = b.buildPriorityQueue(0);
          d.start();
          return d;
        }
      case "delay":
        {
          DistributedDelayQueue<String> d = b.buildDelayQueue();
          d.start();
          return d;
        }
      case "id":
        {
          DistributedIdQueue<String> d = b.buildIdQueue();
          d.start();
          return d;
        }
      default:
        throw new IllegalArgumentException(kind);
    }
  }
}
