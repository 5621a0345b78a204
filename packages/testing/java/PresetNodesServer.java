// A standalone ZooKeeper server (the same as `zkServer.sh start`, ZooKeeperServerMain) whose
// first start puts nodes at a given version before it reports ready: a genuine server serving
// genuine nodes that are, say, a few writes from the 2^31 wrap of a node's version, which no
// test could reach by writing. Run by @zk-recipes/testing (TestingServer's `presetNodes`):
//
//   java -cp <this>:<zookeeper> org.apache.zookeeper.server.PresetNodesServer zoo.cfg \
//     <path> <version> <data as hex> ...
//
// In ZooKeeper's package for its package-private getCnxnFactory(): the hook needs the running
// server. The nodes are made through a real client session (so the transaction log has them),
// the version is then set in the server's data tree and a snapshot taken, so a restart finds
// them as they were left. The data tree's digest is off: the version is changed behind it.
package org.apache.zookeeper.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class PresetNodesServer extends ZooKeeperServerMain {
  /** The line the test side waits for: the presets are in place. */
  static final String READY = "zkr-preset-nodes-ready";

  private final String[] presets;

  private PresetNodesServer(String[] presets) {
    this.presets = presets;
  }

  public static void main(String[] args) {
    ZooKeeperServer.setDigestEnabled(false);
    String[] presets = new String[args.length - 1];
    System.arraycopy(args, 1, presets, 0, presets.length);
    try {
      new PresetNodesServer(presets).initializeAndRun(new String[] {args[0]});
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  @Override
  protected void serverStarted() {
    super.serverStarted();
    try {
      ZooKeeperServer zks = getCnxnFactory().getZooKeeperServer();
      if (zks.getZKDatabase().getNode(presets.length > 0 ? presets[0] : "/") == null) {
        place(zks);
      }
      System.out.println(READY);
      System.out.flush();
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(2);
    }
  }

  /** First start: makes each node, sets its version, and snapshots the result. */
  private void place(ZooKeeperServer zks) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    int port = getCnxnFactory().getLocalPort();
    ZooKeeper zk =
        new ZooKeeper(
            "127.0.0.1:" + port,
            30_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
            });
    try {
      if (!connected.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("no session");
      for (int i = 0; i + 2 < presets.length; i += 3) {
        String path = presets[i];
        makeParents(zk, path);
        zk.create(path, hex(presets[i + 2]), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      }
    } finally {
      zk.close();
    }
    for (int i = 0; i + 2 < presets.length; i += 3) {
      DataNode node = zks.getZKDatabase().getNode(presets[i]);
      synchronized (node) {
        node.stat.setVersion(Integer.parseInt(presets[i + 1]));
      }
    }
    zks.takeSnapshot(true);
  }

  private static void makeParents(ZooKeeper zk, String path) throws Exception {
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      try {
        zk.create(
            path.substring(0, i), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException e) {
        // made by an earlier preset
      }
    }
  }

  private static byte[] hex(String s) {
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }
}
