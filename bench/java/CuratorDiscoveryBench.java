// Curator's side of bench/discovery-vs-curator.mjs: curator-x-discovery in one JVM, on its own
// client. args: connect string, base path. Commands on stdin, one a line; answers on stdout
// (the same protocol as bench/discovery-node-worker.mjs):
//   register <name> <id>  registers a DYNAMIC instance; `registered`
//   observe <name>        a ServiceCache on <name>; prints `seen <id>` for each id it gains
//                         (checked at each cacheChanged()); `observing` once started
//   rate <name> <ms>      a warm round-robin ServiceProvider: getInstance() calls per second
//                         over <ms>; `rate <calls per second>`
//   start <name> <n>      n times: a new ServiceCache on <name>, start() (its initial load),
//                         close; `start <ms> ...` (one figure per start)
//   quit                  closes everything and exits
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashSet;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceProvider;
import org.apache.curator.x.discovery.details.ServiceCacheListener;

public class CuratorDiscoveryBench {
  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(args[0], 30000, 5000, new ExponentialBackoffRetry(100, 3));
    client.start();
    client.blockUntilConnected();
    ServiceDiscovery<Object> discovery =
        ServiceDiscoveryBuilder.builder(Object.class)
            .client(client)
            .basePath(args[1])
            .watchInstances(false)
            .build();
    discovery.start();
    say("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.split(" ");
      switch (w[0]) {
        case "register":
          discovery.registerService(
              ServiceInstance.builder().name(w[1]).id(w[2]).address("127.0.0.1").port(8080).build());
          say("registered");
          break;
        case "observe":
          {
            ServiceCache<Object> cache = discovery.serviceCacheBuilder().name(w[1]).build();
            Set<String> known = new HashSet<>();
            cache.addListener(
                new ServiceCacheListener() {
                  @Override
                  public void cacheChanged() {
                    for (ServiceInstance<Object> i : cache.getInstances()) {
                      if (known.add(i.getId())) say("seen " + i.getId());
                    }
                  }

                  @Override
                  public void stateChanged(CuratorFramework c, ConnectionState s) {}
                });
            cache.start();
            for (ServiceInstance<Object> i : cache.getInstances()) known.add(i.getId());
            say("observing");
          }
          break;
        case "rate":
          {
            ServiceProvider<Object> provider =
                discovery.serviceProviderBuilder().serviceName(w[1]).build();
            provider.start();
            long sink = 0;
            for (int i = 0; i < 2_000_000; i++) sink += provider.getInstance().getPort();
            long ms = Long.parseLong(w[2]);
            long calls = 0;
            long t0 = System.nanoTime();
            long end = t0 + ms * 1_000_000L;
            long now;
            do {
              for (int i = 0; i < 10_000; i++) sink += provider.getInstance().getPort();
              calls += 10_000;
              now = System.nanoTime();
            } while (now < end);
            provider.close();
            say("rate " + (long) (calls * 1e9 / (now - t0)) + " " + (sink == 42 ? "!" : ""));
          }
          break;
        case "start":
          {
            StringBuilder out = new StringBuilder("start");
            for (int n = Integer.parseInt(w[2]); n > 0; n--) {
              long t0 = System.nanoTime();
              ServiceCache<Object> cache = discovery.serviceCacheBuilder().name(w[1]).build();
              cache.start();
              double ms = (System.nanoTime() - t0) / 1e6;
              if (cache.getInstances().isEmpty()) throw new IllegalStateException("empty cache");
              cache.close();
              out.append(' ').append(ms);
            }
            say(out.toString());
          }
          break;
        case "quit":
          discovery.close();
          client.close();
          System.exit(0);
          break;
        default:
          say("error " + line);
      }
    }
    System.exit(0);
  }
}
