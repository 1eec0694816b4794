package dev.kopi.spring;

import java.util.List;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/** Finds {@link AutoConfigureKopi} on a test class (registered in META-INF/spring.factories). */
public final class KopiContextCustomizerFactory implements ContextCustomizerFactory {
    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        AutoConfigureKopi kopi = TestContextAnnotationUtils.findMergedAnnotation(testClass, AutoConfigureKopi.class);
        return kopi == null ? null : new KopiContextCustomizer(kopi.snapshot(), List.of(kopi.migrations()),
                kopi.changelog(), kopi.ttl());
    }
}
