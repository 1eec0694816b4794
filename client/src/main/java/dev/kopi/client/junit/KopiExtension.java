package dev.kopi.client.junit;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstantiationAwareExtension.ExtensionContextScope;
import org.junit.platform.commons.support.AnnotationSupport;

import dev.kopi.client.Clone;
import dev.kopi.client.KopiChannel;
import dev.kopi.client.KopiTarget;
import dev.kopi.client.KopiClient;
import dev.kopi.client.migrate.FlywayMigrations;
import dev.kopi.client.migrate.LiquibaseMigrations;
import dev.kopi.client.KopiClientException;

/**
 * The JUnit 5 extension behind {@link Kopi}; registered by that annotation, so tests need not
 * name it.
 *
 * <p>Where things live: one {@link KopiClient} per socket for the whole run (in the root
 * store, closed at the end); a {@link Kopi.Scope#METHOD METHOD} clone in the test's store, a
 * {@link Kopi.Scope#CLASS CLASS} clone in the store of the class that carries {@link Kopi};
 * a {@link Connection} in the store of the test (or class, for {@code @BeforeAll}) that asked
 * for it. JUnit closes those stores after the test or class, failed or not, which destroys the
 * clones. Everything shared is kept in JUnit's stores, so parallel tests are safe.
 *
 * <p>kopid's socket is {@link Kopi#socket()}, else the configuration parameter
 * {@value #SOCKET_PARAMETER} (e.g. {@code -Dkopi.socket=...} or in
 * {@code junit-platform.properties}), else {@code $KOPI_SOCKET}, else
 * {@code /run/kopi/kopi.sock}. A remote kopid's TCP API is chosen by {@value #HOST_PARAMETER}
 * or {@code $KOPI_HOST}, with the token from {@code $KOPI_TOKEN} or the file named by
 * {@value #TOKEN_FILE_PARAMETER} or {@code $KOPI_TOKEN_FILE}, and the CA by
 * {@value #CA_PARAMETER} or {@code $KOPI_CA}: the example project runs unchanged against it.
 */
public final class KopiExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    /** Configuration parameter (or system property) naming kopid's socket for all tests. */
    public static final String SOCKET_PARAMETER = "kopi.socket";
    /** Configuration parameter: kopid's TCP API, HOST:PORT (stands for {@code $KOPI_HOST}). */
    public static final String HOST_PARAMETER = "kopi.host";
    /** Configuration parameter: a file holding the API token (stands for {@code $KOPI_TOKEN_FILE}). */
    public static final String TOKEN_FILE_PARAMETER = "kopi.token-file";
    /** Configuration parameter: the CA file to trust (stands for {@code $KOPI_CA}). */
    public static final String CA_PARAMETER = "kopi.ca";

    private static final Namespace NAMESPACE = Namespace.create(KopiExtension.class);
    private static final Set<Class<?>> TYPES = Set.of(Clone.class, DataSource.class, Connection.class);
    /** Names carry 6 random characters; a collision is unlikely, but costs only a retry. */
    private static final int CREATE_ATTEMPTS = 3;

    /** JUnit makes it, through {@link Kopi}. */
    public KopiExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Optional<Settings> settings = Settings.of(context);
        if (settings.isPresent() && settings.get().scope() == Kopi.Scope.CLASS) {
            cloneFor(context, settings.get()); // made up front, so no test pays for it
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        Optional<Settings> settings = Settings.of(context);
        List<Object> instances = context.getRequiredTestInstances().getAllInstances();
        List<Field> fields = new ArrayList<>();
        for (Object instance : instances) {
            fields.addAll(AnnotationSupport.findAnnotatedFields(instance.getClass(), KopiDatabase.class));
        }
        if (settings.isEmpty()) {
            if (!fields.isEmpty()) {
                throw new ExtensionConfigurationException("@KopiDatabase field " + describe(fields.get(0))
                        + " needs @Kopi(snapshot = ...) on its test class or method");
            }
            return;
        }
        CloneResource clone = cloneFor(context, settings.get());
        for (Object instance : instances) {
            for (Field field : AnnotationSupport.findAnnotatedFields(instance.getClass(), KopiDatabase.class)) {
                if (Modifier.isStatic(field.getModifiers())) {
                    throw new ExtensionConfigurationException("@KopiDatabase field " + describe(field)
                            + " must not be static (each test, or parallel tests, get their own clone)");
                }
                if (!TYPES.contains(field.getType())) {
                    throw new ExtensionConfigurationException("@KopiDatabase field " + describe(field) + " has type "
                            + field.getType().getName() + "; use Clone, DataSource or Connection");
                }
                field.setAccessible(true);
                field.set(instance, value(field.getType(), context, clone));
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return TYPES.contains(parameter.getParameter().getType()) && Settings.of(context).isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Settings settings = Settings.of(context).orElseThrow();
        try {
            return value(parameter.getParameter().getType(), context, cloneFor(context, settings));
        } catch (ExtensionConfigurationException | IllegalStateException e) {
            throw new ParameterResolutionException(e.getMessage(), e);
        }
    }

    /**
     * Constructor parameters are resolved with the test method's context (when instances are
     * made per method), so a METHOD clone injected into a constructor is the test's own.
     */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    // ------------------------------------------------------------------ clones and connections

    private static Object value(Class<?> type, ExtensionContext context, CloneResource clone) {
        if (type == Clone.class) {
            return clone.clone;
        }
        if (type == DataSource.class) {
            return clone.clone.dataSource();
        }
        return connectionFor(context, clone);
    }

    private static CloneResource cloneFor(ExtensionContext context, Settings settings) {
        if (settings.scope() == Kopi.Scope.METHOD) {
            Method method = context.getTestMethod().orElseThrow(() -> new ExtensionConfigurationException(
                    "@Kopi(snapshot = \"" + settings.snapshot() + "\") makes a clone per test method, and there is"
                    + " none in " + context.getDisplayName() + " (a @BeforeAll/@AfterAll method, or the"
                    + " constructor of a PER_CLASS test instance); use @Kopi(scope = Kopi.Scope.CLASS) for"
                    + " one clone shared by the class"));
            Class<?> testClass = context.getRequiredTestClass();
            return context.getStore(NAMESPACE).getOrComputeIfAbsent("clone " + context.getUniqueId(),
                    k -> create(context, settings, () -> CloneNames.forMethod(testClass, method.getName())),
                    CloneResource.class);
        }
        ExtensionContext owner = ownerContext(context, settings.owner());
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent("clone " + owner.getUniqueId(),
                k -> create(owner, settings, () -> CloneNames.forClass(settings.owner())),
                CloneResource.class);
    }

    /** The context of the class that carries @Kopi (the innermost, for class templates). */
    private static ExtensionContext ownerContext(ExtensionContext context, Class<?> owner) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            if (c.getTestMethod().isEmpty() && c.getTestClass().filter(t -> t == owner).isPresent()) {
                return c;
            }
        }
        return context;
    }

    private static CloneResource create(ExtensionContext context, Settings settings, Supplier<String> names) {
        KopiClient client = clientFor(context, settings);
        String snapshot = migrated(context, client, settings);
        for (int attempt = 1; ; attempt++) {
            try {
                return new CloneResource(client.newClone(snapshot)
                        .name(names.get())
                        .ttl(settings.ttl())
                        .idleTimeout(settings.idle())
                        .create());
            } catch (KopiClientException e) {
                if (e.kind() != KopiClientException.Kind.ALREADY_EXISTS || attempt == CREATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * The snapshot tests clone: {@code @Kopi(snapshot)}, or with migrations the snapshot prepared
     * from it with them, asked for once per run (kopid makes it once for all runs).
     */
    private static String migrated(ExtensionContext context, KopiClient client, Settings settings) {
        if (settings.migrations().isEmpty() && settings.changelog().isEmpty()) {
            return settings.snapshot();
        }
        ClassLoader loader = context.getRequiredTestClass().getClassLoader();
        String key = "migrated " + client.target() + " " + settings.snapshot() + " " + settings.migrations() + " "
                + settings.changelog();
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> settings.changelog().isEmpty()
                ? FlywayMigrations.prepare(client, settings.snapshot(), settings.migrations(), loader).name()
                : LiquibaseMigrations.prepare(client, settings.snapshot(), settings.changelog(), loader).name(),
                String.class);
    }

    private static KopiClient clientFor(ExtensionContext context, Settings settings) {
        KopiTarget target;
        try {
            target = targetFor(context, settings);
        } catch (KopiClientException e) {
            throw new KopiClientException(e.kind(), e.getMessage() + "; tests can also name it with -D"
                    + HOST_PARAMETER + "=..., -D" + TOKEN_FILE_PARAMETER + "=... (or in junit-platform.properties)", e);
        }
        String key = target.remote() ? target.host() : target.socketPath().toAbsolutePath().normalize().toString();
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("client " + key, k -> {
            try {
                return new ClientResource(KopiClient.connect(target));
            } catch (KopiClientException e) {
                throw new KopiClientException(e.kind(), e.getMessage() + "; tests can also name it with -D"
                        + SOCKET_PARAMETER + "=... (or in junit-platform.properties) or @Kopi(socket = ...)", e);
            }
        }, ClientResource.class).client;
    }

    /**
     * {@code @Kopi(socket)}, else the configuration parameters, else the environment, read as
     * {@link KopiTarget#fromEnvironment()} reads it: a parameter stands for its variable.
     */
    private static KopiTarget targetFor(ExtensionContext context, Settings settings) {
        if (!settings.socket().isEmpty()) {
            return KopiTarget.socket(Path.of(settings.socket()));
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        parameter(context, SOCKET_PARAMETER).ifPresent(v -> {
            env.put(KopiChannel.SOCKET_ENV, v);
            env.remove(KopiTarget.HOST_ENV);
        });
        parameter(context, HOST_PARAMETER).ifPresent(v -> env.put(KopiTarget.HOST_ENV, v));
        parameter(context, TOKEN_FILE_PARAMETER).ifPresent(v -> {
            env.put(KopiTarget.TOKEN_FILE_ENV, v);
            env.remove(KopiTarget.TOKEN_ENV);
        });
        parameter(context, CA_PARAMETER).ifPresent(v -> env.put(KopiTarget.CA_ENV, v));
        return KopiTarget.fromEnvironment(env);
    }

    private static Optional<String> parameter(ExtensionContext context, String name) {
        return context.getConfigurationParameter(name).filter(s -> !s.isBlank()).map(String::strip);
    }

    /** One connection per test (or per class, for @BeforeAll), opened on first request. */
    private static Connection connectionFor(ExtensionContext context, CloneResource clone) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent("connection " + context.getUniqueId(), k -> {
            try {
                return new ConnectionResource(clone.clone.dataSource().getConnection());
            } catch (SQLException e) {
                throw new IllegalStateException("cannot connect to clone " + clone.clone.name() + ": "
                        + e.getMessage(), e);
            }
        }, ConnectionResource.class).connection;
    }

    private static String describe(Field field) {
        return field.getDeclaringClass().getSimpleName() + "." + field.getName();
    }

    // ------------------------------------------------------------------ store entries

    /*
     * Closed by JUnit when their context ends: through AutoCloseable on JUnit 5.13 and later,
     * through CloseableResource before (5.13 calls only one of the two).
     */

    @SuppressWarnings("deprecation")
    private static final class CloneResource implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final Clone clone;

        CloneResource(Clone clone) {
            this.clone = clone;
        }

        /** Off the test's path: the clone goes while the next test runs; the client's close waits for it. */
        @Override
        public void close() {
            clone.closeAsync();
        }
    }

    @SuppressWarnings("deprecation")
    private static final class ConnectionResource implements ExtensionContext.Store.CloseableResource,
            AutoCloseable {
        final Connection connection;

        ConnectionResource(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    @SuppressWarnings("deprecation")
    private static final class ClientResource implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final KopiClient client;

        ClientResource(KopiClient client) {
            this.client = client;
        }

        @Override
        public void close() {
            client.close();
        }
    }

    // ------------------------------------------------------------------ settings

    /**
     * The {@link Kopi} in force for a context, placeholders resolved.
     *
     * @param owner the class carrying the annotation; null when it is on the test method
     */
    private record Settings(String snapshot, Kopi.Scope scope, String ttl, String idle, String socket,
                            List<String> migrations, String changelog, Class<?> owner) {

        /** The test method's @Kopi, else the nearest on the class, its superclasses and enclosing classes. */
        static Optional<Settings> of(ExtensionContext context) {
            Optional<Method> method = context.getTestMethod();
            if (method.isPresent()) {
                Optional<Kopi> kopi = AnnotationSupport.findAnnotation(method.get(), Kopi.class);
                if (kopi.isPresent()) {
                    if (kopi.get().scope() == Kopi.Scope.CLASS) {
                        throw new ExtensionConfigurationException("@Kopi(scope = CLASS) on method "
                                + method.get().getName() + ": a method's @Kopi always makes a clone for that"
                                + " test; put scope = CLASS on the class");
                    }
                    return Optional.of(of(kopi.get(), null, context));
                }
            }
            for (Class<?> c = context.getTestClass().orElse(null); c != null; c = enclosingOfNested(c)) {
                Optional<Kopi> kopi = AnnotationSupport.findAnnotation(c, Kopi.class);
                if (kopi.isPresent()) {
                    return Optional.of(of(kopi.get(), c, context));
                }
            }
            return Optional.empty();
        }

        private static Settings of(Kopi kopi, Class<?> owner, ExtensionContext context) {
            String snapshot = Placeholders.resolve("snapshot", kopi.snapshot(), context::getConfigurationParameter)
                    .strip();
            if (snapshot.isEmpty()) {
                throw new ExtensionConfigurationException("@Kopi needs a snapshot, e.g. @Kopi(snapshot = \"prod\")");
            }
            if (kopi.migrations().length > 0 && !kopi.changelog().isEmpty()) {
                throw new ExtensionConfigurationException("@Kopi takes Flyway migrations or a Liquibase changelog, "
                        + "not both");
            }
            return new Settings(snapshot, kopi.scope(),
                    Placeholders.resolve("ttl", kopi.ttl(), context::getConfigurationParameter).strip(),
                    Placeholders.resolve("idle", kopi.idle(), context::getConfigurationParameter).strip(),
                    Placeholders.resolve("socket", kopi.socket(), context::getConfigurationParameter).strip(),
                    List.of(kopi.migrations()), kopi.changelog().strip(), owner);
        }

        /** @Nested classes are inner classes: the enclosing test class's @Kopi applies to them. */
        private static Class<?> enclosingOfNested(Class<?> c) {
            return Modifier.isStatic(c.getModifiers()) ? null : c.getEnclosingClass();
        }
    }
}
