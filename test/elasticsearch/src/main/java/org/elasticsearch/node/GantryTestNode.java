package org.elasticsearch.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * A single Elasticsearch node in this JVM, for Gantry's tests and benchmarks: HTTP on loopback
 * through the Netty 4 transport, single-node discovery, data under a given home folder, no
 * security. Usage: GantryTestNode <home> <httpPort>. Prints "GANTRY-ES-STARTED" once listening;
 * stops on SIGTERM/SIGINT (the shutdown hook closes the node so that files are released).
 *
 * Lives in org.elasticsearch.node for NodeConstruction's package-private factory, like the
 * test framework's MockNode.
 */
public class GantryTestNode extends Node {
    public GantryTestNode(Environment env) {
        super(NodeConstruction.prepareConstruction(env, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment e, Settings s) {
                return new ClasspathPluginsService(s, e, List.of(Netty4Plugin.class));
            }
        }, true));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: GantryTestNode <home> <httpPort>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String port = args[1];
        for (String d : List.of("config", "modules", "plugins", "data", "logs")) Files.createDirectories(home.resolve(d));
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "gantry-test")
            .put("node.name", "gantry-test")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            .put("transport.port", "0")
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // No x-pack here, so no security to turn off. A test node on a shared disk: don't refuse writes because a dev machine is nearly full.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment env = new Environment(settings, home.resolve("config"));
        Node node = new GantryTestNode(env);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.prepareForClose();
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "gantry-es-shutdown"));
        node.start();
        System.out.println("GANTRY-ES-STARTED http://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }
}
