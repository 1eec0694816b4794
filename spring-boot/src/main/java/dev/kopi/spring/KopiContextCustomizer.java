package dev.kopi.spring;

import java.nio.file.Path;
import java.util.List;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

import dev.kopi.client.Clone;
import dev.kopi.client.KopiClient;
import dev.kopi.client.migrate.FlywayMigrations;
import dev.kopi.client.migrate.LiquibaseMigrations;

/**
 * Makes the clone when a test's context is built and registers it with its connection details;
 * destroys it when the context closes. A record: contexts with the same settings are shared, as
 * Spring shares contexts whose customizers are equal.
 */
record KopiContextCustomizer(String snapshot, List<String> migrations, String changelog, String ttl)
        implements ContextCustomizer {
    /** The property naming kopid's socket, before the environment variables. */
    static final String SOCKET_PROPERTY = "kopi.socket";

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration merged) {
        ConfigurableEnvironment env = context.getEnvironment();
        String socket = env.getProperty(SOCKET_PROPERTY, "");
        KopiClient client = socket.isBlank() ? KopiClient.connect() : KopiClient.connect(Path.of(socket));
        Clone clone;
        try {
            String base = env.resolveRequiredPlaceholders(snapshot);
            ClassLoader loader = context.getClassLoader();
            String from = !migrations.isEmpty()
                    ? FlywayMigrations.prepare(client, base, migrations.stream().map(env::resolveRequiredPlaceholders)
                            .toList(), loader).name()
                    : !changelog.isEmpty()
                    ? LiquibaseMigrations.prepare(client, base, env.resolveRequiredPlaceholders(changelog), loader).name()
                    : base;
            clone = client.newClone(from).ttl(env.resolveRequiredPlaceholders(ttl)).create();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        context.getBeanFactory().registerSingleton("kopiClone", clone);
        context.getBeanFactory().registerSingleton("kopiJdbcConnectionDetails",
                CloneConnectionDetails.of(clone, context.getClassLoader()));
        context.addApplicationListener(event -> {
            if (event instanceof ContextClosedEvent closed && closed.getApplicationContext() == context) {
                try {
                    clone.close();
                } finally {
                    client.close();
                }
            }
        });
    }
}
