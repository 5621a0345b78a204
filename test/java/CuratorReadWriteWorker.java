// A Curator InterProcessReadWriteLock worker for the cross-language test: takes the read or the
// write lock `rounds` times, reporting each entry and exit on stdout and waiting for an
// acknowledgement line on stdin before going on.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorReadWriteWorker {
  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    boolean write = args[2].equals("write");
    int rounds = Integer.parseInt(args[3]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    InterProcessReadWriteLock rw = new InterProcessReadWriteLock(client, path);
    InterProcessMutex lock = write ? rw.writeLock() : rw.readLock();
    for (int i = 0; i < rounds; i++) {
      lock.acquire();
      System.out.println("enter");
      System.out.flush();
      in.readLine();
      System.out.println("exit");
      System.out.flush();
      in.readLine();
      lock.release();
    }
    client.close();
    System.out.println("done");
    System.out.flush();
  }
}
