package dev.kopi.daemon.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** One scrape of a registry in the text format Prometheus reads, with its samples by series. */
record Scrape(String text, Map<String, Double> samples) {
    static Scrape of(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.DEFAULT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return parse(out.toString(StandardCharsets.UTF_8));
    }

    /** Samples of the text format: {@code name{labels} value}, comments skipped. */
    static Scrape parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Scrape(text, samples);
    }

    /** The value of one series, e.g. {@code kopi_clones{state="running"}}; null when absent. */
    Double get(String series) {
        return samples.get(series);
    }

    /** The metric names of every sample (with their _total, _bucket, ... suffixes). */
    Set<String> names() {
        Set<String> out = new TreeSet<>();
        for (String series : samples.keySet()) {
            int brace = series.indexOf('{');
            out.add(brace < 0 ? series : series.substring(0, brace));
        }
        return out;
    }
}
