// A Curator lock worker for the cross-language tests (the Java twin of
// test/src/support/lock-worker.ts): takes a lock `rounds` times, reporting each entry (with the
// lock node's fencing token where it has one) and exit on stdout, and waiting for an acknowledgement
// line on stdin before going on. kind: mutex, semaphore:<maxLeases>, read, write.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorLockWorker {
  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    int rounds = Integer.parseInt(args[2]);
    String kind = args[3];
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    InterProcessSemaphoreV2 semaphore = null;
    InterProcessMutex mutex = null;
    if (kind.startsWith("semaphore:")) {
      semaphore = new InterProcessSemaphoreV2(client, path, Integer.parseInt(kind.substring(10)));
    } else if (kind.equals("read")) {
      mutex = new InterProcessReadWriteLock(client, path).readLock();
    } else if (kind.equals("write")) {
      mutex = new InterProcessReadWriteLock(client, path).writeLock();
    } else {
      mutex = new InterProcessMutex(client, path);
    }
    for (int i = 0; i < rounds; i++) {
      Lease lease = null;
      long token = 0;
      if (semaphore != null) {
        lease = semaphore.acquire();
      } else {
        mutex.acquire();
        if (kind.equals("mutex")) {
          // While we hold the mutex our node sorts first among the participants.
          String ours = mutex.getParticipantNodes().iterator().next();
          // zk-recipes' fencing-token layout, czxid * 2^16 + local hand-offs: a Curator node is
          // never handed off, so its token is czxid * 2^16 (docs/adr/0006).
          token = client.checkExists().forPath(ours).getCzxid() << 16;
        }
      }
      System.out.println("enter " + token);
      System.out.flush();
      in.readLine();
      System.out.println("exit");
      System.out.flush();
      in.readLine();
      if (semaphore != null) semaphore.returnLease(lease);
      else mutex.release();
    }
    client.close();
    System.out.println("done");
    System.out.flush();
  }
}
