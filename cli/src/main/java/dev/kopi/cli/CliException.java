package dev.kopi.cli;

/** A failure kopictl reports as one line on stderr with exit code 1. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
