// A Java service on curator-x-discovery for the cross-language discovery tests (driven by
// test/src/support/discovery-worker.ts): a ServiceDiscovery typed with its own payload class
// (Details, written with "@class"), and a ServiceCache per service on request. Commands on
// stdin, one line each, answers on stdout:
//   out: ready (connected, discovery started) | changed <name> (a ServiceCache's cacheChanged())
//   in:  register <spec json>  -> registered (registerService)
//        update <spec json>    -> updated (updateService)
//        unregister <spec json> -> unregistered (unregisterService)
//        serialize <spec json> -> serialized <base64 of JsonInstanceSerializer's bytes>
//        query <name>          -> query <json list> (queryForInstances, each with its uri)
//        cache <name>          -> cached (a ServiceCache on <name> started)
//        cached <name>         -> cached <json list> (the cache's getInstances())
//        close                 -> closed (caches, discovery and client closed), then exit
// A spec is {name, id, address, port, sslPort, payload: {description, weight} | null,
// registrationTimeUTC, serviceType, uriSpec: "<template>" | null}.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceInstanceBuilder;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.curator.x.discovery.details.ServiceCacheListener;
import org.apache.curator.framework.state.ConnectionState;

public class CuratorDiscoveryWorker {
  /** The typed payload: Jackson writes it as {"@class":"CuratorDiscoveryWorker$Details",...}. */
  public static class Details {
    private String description;
    private int weight;

    public Details() {}

    public Details(String description, int weight) {
      this.description = description;
      this.weight = weight;
    }

    public String getDescription() {
      return description;
    }

    public void setDescription(String description) {
      this.description = description;
    }

    public int getWeight() {
      return weight;
    }

    public void setWeight(int weight) {
      this.weight = weight;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static ServiceInstance<Details> instanceOf(JsonNode s) throws Exception {
    ServiceInstanceBuilder<Details> b = ServiceInstance.<Details>builder();
    b.name(s.get("name").asText()).id(s.get("id").asText());
    b.address(s.get("address").isNull() ? null : s.get("address").asText());
    if (!s.get("port").isNull()) b.port(s.get("port").asInt());
    if (!s.get("sslPort").isNull()) b.sslPort(s.get("sslPort").asInt());
    JsonNode p = s.get("payload");
    if (!p.isNull()) b.payload(new Details(p.get("description").asText(), p.get("weight").asInt()));
    b.registrationTimeUTC(s.get("registrationTimeUTC").asLong());
    b.serviceType(ServiceType.valueOf(s.get("serviceType").asText()));
    if (!s.get("uriSpec").isNull()) b.uriSpec(new UriSpec(s.get("uriSpec").asText()));
    return b.build();
  }

  private static String describe(java.util.Collection<ServiceInstance<Details>> list)
      throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ServiceInstance<Details> i : list) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", i.getName());
      m.put("id", i.getId());
      m.put("address", i.getAddress());
      m.put("port", i.getPort());
      m.put("sslPort", i.getSslPort());
      Details d = i.getPayload();
      m.put("description", d == null ? null : d.getDescription());
      m.put("weight", d == null ? null : d.getWeight());
      m.put("serviceType", i.getServiceType().name());
      m.put("uri", i.getUriSpec() == null ? null : i.buildUriSpec(new HashMap<>()));
      out.add(m);
    }
    return JSON.writeValueAsString(out);
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String basePath = args[1];
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, 10000, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    client.blockUntilConnected();
    JsonInstanceSerializer<Details> serializer = new JsonInstanceSerializer<>(Details.class);
    ServiceDiscovery<Details> discovery =
        ServiceDiscoveryBuilder.builder(Details.class)
            .client(client)
            .basePath(basePath)
            .serializer(serializer)
            .watchInstances(false)
            .build();
    discovery.start();
    Map<String, ServiceCache<Details>> caches = new HashMap<>();
    say("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      int sp = line.indexOf(' ');
      String cmd = sp < 0 ? line : line.substring(0, sp);
      String arg = sp < 0 ? "" : line.substring(sp + 1);
      try {
        switch (cmd) {
          case "register":
            discovery.registerService(instanceOf(JSON.readTree(arg)));
            say("registered");
            break;
          case "update":
            discovery.updateService(instanceOf(JSON.readTree(arg)));
            say("updated");
            break;
          case "unregister":
            discovery.unregisterService(instanceOf(JSON.readTree(arg)));
            say("unregistered");
            break;
          case "serialize":
            say("serialized " + Base64.getEncoder().encodeToString(serializer.serialize(instanceOf(JSON.readTree(arg)))));
            break;
          case "query":
            say("query " + describe(discovery.queryForInstances(arg)));
            break;
          case "cache":
            {
              ServiceCache<Details> cache = discovery.serviceCacheBuilder().name(arg).build();
              final String name = arg;
              cache.addListener(
                  new ServiceCacheListener() {
                    @Override
                    public void cacheChanged() {
                      say("changed " + name);
                    }

                    @Override
                    public void stateChanged(CuratorFramework c, ConnectionState s) {}
                  });
              cache.start();
              caches.put(arg, cache);
              say("cached");
            }
            break;
          case "cached":
            say("cached " + describe(caches.get(arg).getInstances()));
            break;
          case "close":
            for (ServiceCache<Details> c : caches.values()) c.close();
            discovery.close();
            client.close();
            say("closed");
            System.exit(0);
            break;
          default:
            say("error unknown command " + cmd);
        }
      } catch (Exception e) {
        say("error " + e.toString().replace('\n', ' '));
      }
    }
    System.exit(0);
  }
}
