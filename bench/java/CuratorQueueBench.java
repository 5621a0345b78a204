// The Curator peer of bench/queue-vs-peers.mjs: Curator's DistributedQueue (QueueBuilder), one
// measure per run, answered with one JSON line on stdout. Usage:
//   java -cp <classes and jars> CuratorQueueBench <connect> put <path> <producers> <count>
//   java ... CuratorQueueBench <connect> drain <path> <at-least-once|at-most-once> <consumers> <count>
//   java ... CuratorQueueBench <connect> latency <path> <samples>
// put: <producers> threads on one client, each put waits for its create (putInBackground
// false: Curator's default background put returns before anything is stored). drain: the queue
// already holds <count> items; <consumers> clients, each with its own queue, lock-safe
// (lockPath <path>-locks) at least once; the time from the first start() to the last item.
// latency: one consumer; put one item, wait for its consumeMessage, repeat; put -> handler.
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorQueueBench {
  static final QueueSerializer<String> STRINGS =
      new QueueSerializer<String>() {
        public byte[] serialize(String item) {
          return item.getBytes(StandardCharsets.UTF_8);
        }

        public String deserialize(byte[] bytes) {
          return new String(bytes, StandardCharsets.UTF_8);
        }
      };

  static CuratorFramework client(String connect) throws Exception {
    CuratorFramework c =
        CuratorFrameworkFactory.newClient(connect, 30000, 15000, new ExponentialBackoffRetry(100, 5));
    c.start();
    c.blockUntilConnected();
    return c;
  }

  static QueueConsumer<String> consumer(java.util.function.Consumer<String> f) {
    return new QueueConsumer<String>() {
      public void consumeMessage(String message) {
        f.accept(message);
      }

      public void stateChanged(CuratorFramework c, ConnectionState s) {}
    };
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String measure = args[1];
    String path = args[2];
    if (measure.equals("put")) {
      int producers = Integer.parseInt(args[3]);
      int count = Integer.parseInt(args[4]);
      CuratorFramework c = client(connect);
      DistributedQueue<String> q =
          QueueBuilder.builder(c, null, STRINGS, path).putInBackground(false).buildQueue();
      q.start();
      AtomicInteger next = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < producers; i++) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    for (int n; (n = next.getAndIncrement()) < count; ) q.put("item-" + n);
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                });
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) t.join();
      long us = (System.nanoTime() - t0) / 1000;
      System.out.println("{\"us\":" + us + "}");
      q.close();
      c.close();
    } else if (measure.equals("drain")) {
      boolean lockSafe = args[3].equals("at-least-once");
      int consumers = Integer.parseInt(args[4]);
      int count = Integer.parseInt(args[5]);
      CountDownLatch done = new CountDownLatch(count);
      List<CuratorFramework> clients = new ArrayList<>();
      List<DistributedQueue<String>> queues = new ArrayList<>();
      for (int i = 0; i < consumers; i++) {
        CuratorFramework c = client(connect);
        clients.add(c);
        QueueBuilder<String> b =
            QueueBuilder.builder(c, consumer(m -> done.countDown()), STRINGS, path);
        if (lockSafe) b = b.lockPath(path + "-locks");
        queues.add(b.buildQueue());
      }
      long t0 = System.nanoTime();
      for (DistributedQueue<String> q : queues) q.start();
      done.await();
      long us = (System.nanoTime() - t0) / 1000;
      System.out.println("{\"us\":" + us + "}");
      for (DistributedQueue<String> q : queues) q.close();
      for (CuratorFramework c : clients) c.close();
    } else {
      int samples = Integer.parseInt(args[3]);
      CuratorFramework c = client(connect);
      CuratorFramework p = client(connect);
      SynchronousQueue<Long> arrived = new SynchronousQueue<>();
      DistributedQueue<String> q =
          QueueBuilder.builder(
                  c,
                  consumer(
                      m -> {
                        try {
                          arrived.put(System.nanoTime());
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }),
                  STRINGS,
                  path)
              .lockPath(path + "-locks")
              .buildQueue();
      q.start();
      DistributedQueue<String> producer =
          QueueBuilder.builder(p, null, STRINGS, path).putInBackground(false).buildQueue();
      producer.start();
      long[] lat = new long[samples];
      for (int i = 0; i < samples; i++) {
        Thread.sleep(5);
        long t0 = System.nanoTime();
        producer.put("x");
        lat[i] = (arrived.take() - t0) / 1000;
      }
      Arrays.sort(lat);
      System.out.println("{\"latUs\":" + Arrays.toString(lat) + "}");
      producer.close();
      q.close();
      p.close();
      c.close();
    }
    System.exit(0);
  }
}
