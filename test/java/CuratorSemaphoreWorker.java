// A Curator InterProcessSemaphoreV2 worker for the cross-language semaphore test: takes a lease
// `rounds` times, reporting each entry and exit on stdout and waiting for an acknowledgement line
// on stdin before going on.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorSemaphoreWorker {
  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    int maxLeases = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    InterProcessSemaphoreV2 semaphore = new InterProcessSemaphoreV2(client, path, maxLeases);
    for (int i = 0; i < rounds; i++) {
      Lease lease = semaphore.acquire();
      System.out.println("enter 0");
      System.out.flush();
      in.readLine();
      System.out.println("exit");
      System.out.flush();
      in.readLine();
      semaphore.returnLease(lease);
    }
    client.close();
    System.out.println("done");
    System.out.flush();
  }
}
