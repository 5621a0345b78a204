// A Curator 5 CuratorCache for the cross-language cache tests (driven by
// test/src/support/cache-java.ts), on its own client, plus plain setData/getData for the
// config tests. Commands on stdin, one answer line each:
//   out: ready (the cache is initialized)
//   in:  dump             -> node <path> <base64 data> ... then end (the cache's content)
//        set <path> <text> -> ok (setData, or create with parents when absent: UTF-8 bytes)
//        get <path>       -> data <base64> | none (read from the server)
//        close            -> closed, then the process exits
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;

public class CuratorCacheWorker {
  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static String b64(byte[] data) {
    return Base64.getEncoder().encodeToString(data == null ? new byte[0] : data);
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String path = args[1];
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    CountDownLatch initialized = new CountDownLatch(1);
    CuratorCache cache = CuratorCache.build(client, path);
    cache.listenable().addListener(
        CuratorCacheListener.builder().forInitialized(initialized::countDown).build());
    cache.start();
    initialized.await();
    say("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] parts = line.split(" ", 3);
      switch (parts[0]) {
        case "dump":
          for (ChildData d : (Iterable<ChildData>) cache.stream()::iterator) {
            say("node " + d.getPath() + " " + b64(d.getData()));
          }
          say("end");
          break;
        case "set":
          byte[] bytes = parts[2].getBytes(StandardCharsets.UTF_8);
          try {
            client.setData().forPath(parts[1], bytes);
          } catch (KeeperException.NoNodeException e) {
            client.create().creatingParentsIfNeeded().forPath(parts[1], bytes);
          }
          say("ok");
          break;
        case "get":
          try {
            say("data " + b64(client.getData().forPath(parts[1])));
          } catch (KeeperException.NoNodeException e) {
            say("none");
          }
          break;
        case "close":
          cache.close();
          client.close();
          say("closed");
          System.exit(0);
          break;
        default:
          say("unknown " + parts[0]);
      }
    }
    cache.close();
    client.close();
  }
}
