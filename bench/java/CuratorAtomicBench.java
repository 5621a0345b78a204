// Curator's side of bench/atomic-vs-curator.mjs: a DistributedAtomicLong on its own client, in
// its own JVM. Same protocol as bench/atomic-node-worker.mjs:
//   run <path> <ms> <startAtEpochMs>   increments from startAt for ms: `result <count> <failed>`
//   quit
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;

public class CuratorAtomicBench {
  public static void main(String[] args) throws Exception {
    String connect = args[0];
    int retries = Integer.parseInt(args[1]);
    int sleepMs = Integer.parseInt(args[2]);
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 30000, 5000, new ExponentialBackoffRetry(100, 3));
    client.start();
    client.blockUntilConnected();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    System.out.println("ready");
    System.out.flush();
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.split(" ");
      if (w[0].equals("quit")) break;
      DistributedAtomicLong n = new DistributedAtomicLong(client, w[1], new RetryNTimes(retries, sleepMs));
      long wait = Long.parseLong(w[3]) - System.currentTimeMillis();
      if (wait > 0) Thread.sleep(wait);
      long end = System.currentTimeMillis() + Long.parseLong(w[2]);
      long count = 0;
      long failed = 0;
      while (System.currentTimeMillis() < end) {
        if (n.increment().succeeded()) count++;
        else failed++;
      }
      System.out.println("result " + count + " " + failed);
      System.out.flush();
    }
    client.close();
    System.exit(0);
  }
}
