package dev.kopi.it;

import java.nio.file.Path;

import dev.kopi.client.KopiChannel;
import dev.kopi.proto.v1.CloneServiceGrpc;
import dev.kopi.proto.v1.ListClonesRequest;

/**
 * The floors kopictl's start-up is measured against by {@link KopictlBench}, run as their own JVMs
 * with kopictl's flags and a class-data archive of their own: {@code empty} is a JVM that does
 * nothing, {@code call} one that only opens kopi-client's channel to a socket and lists clones
 * (no picocli, no output), which is what no kopictl on this client stack can start faster than.
 */
public final class StartupFloor {
    private StartupFloor() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("call")) {
            try (KopiChannel kopid = KopiChannel.open(Path.of(args[1]))) {
                System.out.println(CloneServiceGrpc.newBlockingStub(kopid.channel())
                        .listClones(ListClonesRequest.getDefaultInstance()).getClonesCount());
            }
        }
    }
}
