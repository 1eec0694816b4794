/**
 * Spring Boot tests on Kopi clones: {@link dev.kopi.spring.AutoConfigureKopi}.
 */
package dev.kopi.spring;
