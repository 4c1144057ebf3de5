package dev.kchat.localcql;

/**
 * One {@link LocalCqlServer} per JVM, started on first use and stopped when the JVM exits: start-up
 * takes ~16 s, so a test suite shares one server and gives each test class (or test) its own keyspace.
 *
 * <p>Settings are {@link LocalCqlConfig#defaults()} (temporary data folder). If the first start fails,
 * every later call fails with the same cause rather than retrying a start that costs minutes.
 */
public final class SharedLocalCql {

    private SharedLocalCql() {
    }

    /** The JVM-wide server, started on first call (blocking until CQL is ready). Never close it yourself. */
    public static LocalCqlServer server() {
        return Holder.SERVER;
    }

    /** Initialization-on-demand: the JVM runs this exactly once, on first access, thread-safely. */
    private static final class Holder {
        // The server's own shutdown hook stops it when the JVM exits.
        static final LocalCqlServer SERVER = LocalCqlServer.startTemporary();
    }
}
