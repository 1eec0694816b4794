package dev.kopi.daemon.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.kopi.daemon.config.ConfigLoader;
import dev.kopi.daemon.core.KopiException;
import dev.kopi.daemon.source.Source;
import dev.kopi.daemon.source.Sources;
import dev.kopi.proto.v1.AddSourceRequest;
import dev.kopi.proto.v1.SourceSettings;

/** A source's {@code warm: N}: config key, API field, bounds, and shown back in the API. */
class WarmSettingsTest {
    @Test
    void configKeySetsWarmClones() {
        Source s = ConfigLoader.parse("sources:\n  demo:\n    datadir: /d\n    warm: 3\n", "t.yaml").sources().get("demo");
        assertEquals(3, s.settings().warm());
        assertEquals(0, ConfigLoader.parse("sources:\n  demo:\n    datadir: /d\n", "t.yaml").sources().get("demo")
                .settings().warm(), "none unless asked for");
    }

    @Test
    void apiFieldSetsWarmClonesAndTheSourceShowsIt() {
        Source s = Protos.definition(AddSourceRequest.newBuilder().setName("demo").setDatadir("/d")
                .setSettings(SourceSettings.newBuilder().setWarm(2)).build()).toSource(Source.Origin.API);
        assertEquals(2, s.settings().warm());
        assertEquals(2, Protos.source(new Sources.SourceView(s, 0, Optional.empty(),
                Optional.empty(), false, null, "")).getSettings().getWarm());
    }

    @Test
    void moreThanAHundredIsRefusedNamingTheKey() {
        KopiException e = assertThrows(KopiException.class, () -> ConfigLoader.parse(
                "sources:\n  demo:\n    datadir: /d\n    warm: 101\n", "t.yaml"));
        assertEquals(KopiException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("sources.demo.warm"), e.getMessage());
    }
}
