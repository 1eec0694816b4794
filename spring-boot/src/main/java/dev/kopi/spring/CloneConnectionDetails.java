package dev.kopi.spring;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

import org.springframework.util.ClassUtils;

import dev.kopi.client.Clone;

/**
 * Where the application's DataSource connects: the clone, with its own role and password, as
 * Spring Boot's {@code JdbcConnectionDetails}. That interface moved between Boot 3
 * ({@code org.springframework.boot.autoconfigure.jdbc}) and Boot 4
 * ({@code org.springframework.boot.jdbc.autoconfigure}); the bean implements whichever the
 * application's Boot has, so one kopi-spring-boot serves both.
 */
final class CloneConnectionDetails {
    static final String BOOT_4 = "org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails";
    static final String BOOT_3 = "org.springframework.boot.autoconfigure.jdbc.JdbcConnectionDetails";

    private CloneConnectionDetails() {
    }

    /** The connection details of {@code clone}, as the interface {@code loader} sees. */
    static Object of(Clone clone, ClassLoader loader) {
        Class<?> type = ClassUtils.isPresent(BOOT_4, loader) ? ClassUtils.resolveClassName(BOOT_4, loader)
                : ClassUtils.resolveClassName(BOOT_3, loader);
        InvocationHandler answers = (proxy, method, args) -> switch (method.getName()) {
            case "getUsername" -> clone.user();
            case "getPassword" -> clone.password();
            case "getJdbcUrl" -> clone.jdbcUrl();
            case "getDriverClassName" -> "org.postgresql.Driver";
            case "toString" -> "JdbcConnectionDetails of " + clone;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args)
                    : null; // nothing else is asked of connection details
        };
        return Proxy.newProxyInstance(loader, new Class<?>[] {type}, answers);
    }
}
