package dev.kchat.localcql;

import dev.kchat.process.OwnerWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How one single-node Cassandra child is laid out and launched: its {@code cassandra.yaml} and logback
 * file under the data folder, and the command line (JDK flags, classpath, {@link OwnerWatch} wrapper).
 * {@link LocalCqlServer} owns the process; this class only knows the files and arguments.
 */
final class CassandraNode {

    /** Written at build time by maven-dependency-plugin {@code build-classpath}. */
    static final String CLASSPATH_RESOURCE = "/dev/kchat/localcql/cassandra.classpath";
    static final String HOST = LocalCqlServer.HOST;
    private static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";

    private CassandraNode() {
    }

    /**
     * The module flags of Cassandra 5.0's {@code conf/jvm17-server.options} (JPMS section), without which
     * it cannot reach JDK internals on 17+.
     */
    static final List<String> JDK17_MODULE_FLAGS = List.of(
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED");

    static List<String> command(LocalCqlConfig config, Path dir, int jmxPort) {
        List<String> command = new ArrayList<>();
        command.add(config.javaExecutable().toString());
        command.add("-Xms" + config.initialHeap());
        command.add("-Xmx" + config.maxHeap());
        command.add("-Xss256k");
        command.add("-XX:+UseG1GC");
        command.add("-XX:+HeapDumpOnOutOfMemoryError");
        command.add("-XX:HeapDumpPath=" + dir.resolve("logs"));
        command.addAll(JDK17_MODULE_FLAGS);
        command.add("-Djdk.attach.allowAttachSelf=true");
        command.add("-Dio.netty.tryReflectionSetAccessible=true");
        command.add("-Dcassandra.config=" + dir.resolve("conf").resolve("cassandra.yaml").toUri());
        command.add("-Dlogback.configurationFile=" + dir.resolve("conf").resolve("logback.xml").toUri());
        command.add("-Dcassandra.logdir=" + dir.resolve("logs"));
        command.add("-Dcassandra.storagedir=" + dir);
        command.add("-Dcassandra-foreground=yes");
        // One node, nothing to gossip with: do not wait for the ring to settle.
        command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        command.add("-Dcassandra.ring_delay_ms=100");
        command.add("-Dcassandra.jmx.local.port=" + jmxPort);
        command.add("-cp");
        command.add(OwnerWatch.classpathEntry() + java.io.File.pathSeparator + cassandraClasspath());
        // Cassandra ends with this JVM even on kill -9 (no shutdown hook runs): OwnerWatch in the child
        // exits (Cassandra drains) when its stdin, a pipe only this JVM holds, closes. So stdin stays a pipe.
        command.addAll(OwnerWatch.mainArguments(MAIN_CLASS));
        return command;
    }

    static String cassandraClasspath() {
        try (InputStream in = CassandraNode.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + CLASSPATH_RESOURCE
                        + " is missing: build local-cql with Maven (its dependency plugin writes it)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CLASSPATH_RESOURCE, e);
        }
    }

    static void writeConfig(Path dir, int cqlPort, int storagePort) throws IOException {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("logs"));
        String yaml = String.join("\n",
                "cluster_name: '" + LocalCqlServer.CLUSTER_NAME + "'",
                "num_tokens: 1",
                "initial_token: 0",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "endpoint_snitch: SimpleSnitch",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "commitlog_sync: periodic",
                "commitlog_sync_period: 10000ms",
                "data_file_directories:",
                "  - " + dir.resolve("data"),
                "commitlog_directory: " + dir.resolve("commitlog"),
                "saved_caches_directory: " + dir.resolve("saved_caches"),
                "hints_directory: " + dir.resolve("hints"),
                "cdc_raw_directory: " + dir.resolve("cdc_raw"),
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: \"" + HOST + ":" + storagePort + "\"",
                "listen_address: " + HOST,
                "rpc_address: " + HOST,
                "storage_port: " + storagePort,
                "start_native_transport: true",
                "native_transport_port: " + cqlPort,
                "memtable_allocation_type: heap_buffers",
                // Tests drop keyspaces all the time; snapshots on drop would only fill the disk.
                "auto_snapshot: false",
                "");
        Files.writeString(conf.resolve("cassandra.yaml"), yaml, StandardCharsets.UTF_8);
        String logback = String.join("\n",
                "<configuration>",
                "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">",
                "    <file>" + dir.resolve("logs").resolve("system.log") + "</file>",
                "    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>",
                "  </appender>",
                "  <root level=\"INFO\"><appender-ref ref=\"FILE\"/></root>",
                "</configuration>",
                "");
        Files.writeString(conf.resolve("logback.xml"), logback, StandardCharsets.UTF_8);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }

}
