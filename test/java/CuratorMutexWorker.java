// A Curator InterProcessMutex worker for the cross-language exclusion test: it takes the lock
// `rounds` times and reports each entry (with the lock node's czxid) and exit on stdout,
// waiting for an acknowledgement line on stdin before going on.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;

public class CuratorMutexWorker {
  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    int rounds = Integer.parseInt(args[2]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    InterProcessMutex mutex = new InterProcessMutex(client, path);
    for (int i = 0; i < rounds; i++) {
      mutex.acquire();
      // While we hold the lock our node sorts first among the participants.
      String ours = mutex.getParticipantNodes().iterator().next();
      long czxid = client.checkExists().forPath(ours).getCzxid();
      System.out.println("enter " + czxid + " " + ours);
      System.out.flush();
      in.readLine();
      System.out.println("exit");
      System.out.flush();
      in.readLine();
      mutex.release();
    }
    client.close();
    System.out.println("done");
    System.out.flush();
  }
}
