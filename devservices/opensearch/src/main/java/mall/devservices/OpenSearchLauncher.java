package mall.devservices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one real OpenSearch node for development and tests (never production).
 *
 * <p>Usage: {@code java -cp 'target/opensearch-launcher.jar:target/lib/*' mall.devservices.OpenSearchLauncher
 * [--home DIR] [--http-port N] [--transport-port RANGE] [--host ADDR]
 * [--cluster-name NAME --node-name NAME --seed-hosts HOST:PORT,... --initial-managers NAME,...]}.
 * Without {@code --seed-hosts} it is a single-node cluster; with it, the node joins the nodes listed
 * there (the multi-node benchmark in bench/multinode.py starts two this way).
 * Defaults come from the environment: OPENSEARCH_HOME (var/opensearch), OPENSEARCH_HTTP_PORT (9200),
 * OPENSEARCH_TRANSPORT_PORT (9300-9399), OPENSEARCH_HOST (127.0.0.1).
 * Data goes to HOME/data, logs to HOME/logs (the node's own log lines go to stdout).
 * SIGTERM / SIGINT close the node gracefully.
 */
public final class OpenSearchLauncher {

    /** Plugins loaded from the classpath (no plugin installer, no modules directory). */
    static final List<Class<? extends Plugin>> PLUGINS =
            List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class);

    /** Node subclass to reach the protected constructor that accepts classpath plugins. */
    static final class LauncherNode extends Node {
        LauncherNode(Environment environment) {
            super(environment, PLUGINS, true);
        }
    }

    private OpenSearchLauncher() {
    }

    public static void main(String[] args) throws Exception {
        // As OpenSearch's own Bootstrap does: our shutdown hook closes the node, so log4j must not stop first.
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");
        System.setProperty("log4j2.formatMsgNoLookups", "true");
        String home = env("OPENSEARCH_HOME", "var/opensearch");
        String httpPort = env("OPENSEARCH_HTTP_PORT", "9200");
        String transportPort = env("OPENSEARCH_TRANSPORT_PORT", "9300-9399");
        String host = env("OPENSEARCH_HOST", "127.0.0.1");
        String clusterName = "mall-dev";
        String nodeName = "mall-dev-node";
        String seedHosts = "";
        String initialManagers = "";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length && !a.equals("--help")) {
                usage("missing value for " + a);
            }
            switch (a) {
                case "--home", "--data" -> home = args[++i];
                case "--http-port" -> httpPort = args[++i];
                case "--transport-port" -> transportPort = args[++i];
                case "--host" -> host = args[++i];
                case "--cluster-name" -> clusterName = args[++i];
                case "--node-name" -> nodeName = args[++i];
                case "--seed-hosts" -> seedHosts = args[++i];
                case "--initial-managers" -> initialManagers = args[++i];
                case "--help" -> usage(null);
                default -> usage("unknown argument " + a);
            }
        }

        Path homeDir = Path.of(home).toAbsolutePath().normalize();
        Files.createDirectories(homeDir.resolve("data"));
        Files.createDirectories(homeDir.resolve("logs"));
        Files.createDirectories(homeDir.resolve("config"));

        Settings.Builder builder = Settings.builder()
                .put("path.home", homeDir.toString())
                .put("path.data", homeDir.resolve("data").toString())
                .put("path.logs", homeDir.resolve("logs").toString())
                .put("cluster.name", clusterName)
                .put("node.name", nodeName);
        if (seedHosts.isBlank()) {
            builder.put("discovery.type", "single-node");
        } else {
            builder.putList("discovery.seed_hosts", List.of(seedHosts.split(",")));
            builder.putList("cluster.initial_cluster_manager_nodes",
                    List.of((initialManagers.isBlank() ? nodeName : initialManagers).split(",")));
        }
        Settings settings = builder
                // HTTP and transport bind to loopback only.
                .put("network.host", host)
                .put("http.port", httpPort)
                .put("transport.port", transportPort)
                // Friendly defaults for a single dev/test node:
                .put("cluster.routing.allocation.disk.threshold_enabled", false) // a full-ish disk never blocks writes
                .put("action.destructive_requires_name", false)                // tests may delete test-* indices
                .build();

        final String nodeNameFinal = nodeName;
        configureLogging(env("OPENSEARCH_LOG_LEVEL", "INFO"));
        LogConfigurator.registerErrorListener();

        Environment environment = InternalSettingsPreparer.prepareEnvironment(
                settings, Map.of(), homeDir.resolve("config"), () -> nodeNameFinal);

        long t0 = System.nanoTime();
        LauncherNode node = new LauncherNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[launcher] stopping OpenSearch node");
            try {
                node.close();
                if (!node.awaitClose(20, TimeUnit.SECONDS)) {
                    System.err.println("[launcher] node did not close within 20s");
                }
            } catch (IOException | InterruptedException e) {
                System.err.println("[launcher] error while stopping: " + e);
            } finally {
                stopped.countDown();
                System.out.println("[launcher] stopped");
            }
        }, "opensearch-launcher-shutdown"));

        node.start();
        // cluster.default_number_of_replicas is read from the cluster state's metadata settings, not the
        // node settings: make it a persistent cluster setting so indices without a replica count go green.
        // A multi-node cluster keeps the default (1 replica): that is what it is started for.
        if (seedHosts.isBlank()) {
            node.client().admin().cluster().prepareUpdateSettings()
                    .setPersistentSettings(Settings.builder().put("cluster.default_number_of_replicas", 0))
                    .get();
        }
        System.out.printf("[launcher] OpenSearch node started in %.1fs, http on %s:%s (pid %d)%n",
                (System.nanoTime() - t0) / 1e9, host, httpPort, ProcessHandle.current().pid());
        stopped.await();
    }

    /**
     * Log4j 2 configuration in code (no log4j2.properties): everything at LEVEL to stdout, which the
     * start script sends to var/log/opensearch.log. Requires log4j-core on the classpath.
     */
    private static void configureLogging(String level) {
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setStatusLevel(Level.WARN);
        b.setShutdownHook("disable");
        b.add(b.newAppender("stdout", "Console")
                .addAttribute("target", ConsoleAppender.Target.SYSTEM_OUT)
                .add(b.newLayout("PatternLayout")
                        .addAttribute("pattern", "[%d{ISO8601}][%-5p][%-25c{1.}] %marker%m%n")));
        b.add(b.newRootLogger(Level.toLevel(level, Level.INFO)).add(b.newAppenderRef("stdout")));
        Configurator.initialize(b.build());
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("error: " + error);
        }
        System.err.println("usage: OpenSearchLauncher [--home DIR] [--http-port N] [--transport-port RANGE] [--host ADDR]"
                + " [--cluster-name NAME --node-name NAME --seed-hosts HOST:PORT,... --initial-managers NAME,...]");
        System.exit(error == null ? 0 : 2);
    }
}
