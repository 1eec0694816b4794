package dev.kopi.spring;

import javax.sql.DataSource;

import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextAnnotationUtils;
import org.springframework.test.context.support.AbstractTestExecutionListener;
import org.springframework.util.ClassUtils;

import dev.kopi.client.Clone;

/**
 * Resets the clone of an {@link AutoConfigureKopi} test after each method or class, as asked
 * (registered in META-INF/spring.factories). A reset cuts the clone's connections, so a Hikari
 * pool's are evicted too: the next test gets fresh ones.
 */
public final class KopiResetListener extends AbstractTestExecutionListener {
    private static final boolean HIKARI = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource",
            KopiResetListener.class.getClassLoader());

    @Override
    public int getOrder() {
        return 5000; // after the transaction and SQL listeners have done with the connection
    }

    @Override
    public void afterTestMethod(TestContext testContext) {
        resetIf(testContext, AutoConfigureKopi.Reset.AFTER_EACH_METHOD);
    }

    @Override
    public void afterTestClass(TestContext testContext) {
        resetIf(testContext, AutoConfigureKopi.Reset.AFTER_EACH_CLASS);
    }

    private static void resetIf(TestContext testContext, AutoConfigureKopi.Reset when) {
        AutoConfigureKopi kopi = TestContextAnnotationUtils.findMergedAnnotation(testContext.getTestClass(),
                AutoConfigureKopi.class);
        if (kopi == null || kopi.reset() != when) {
            return;
        }
        ApplicationContext context = testContext.getApplicationContext();
        context.getBean(Clone.class).reset();
        if (HIKARI) {
            for (DataSource ds : context.getBeansOfType(DataSource.class).values()) {
                HikariEviction.evict(ds);
            }
        }
    }
}
