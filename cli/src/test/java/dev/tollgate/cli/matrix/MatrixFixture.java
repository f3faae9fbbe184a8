package dev.tollgate.cli.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The hand-written matrix of /matrix/hostile-matrix.json (the contract's shape): 3 workloads x 4 destinations, every
 * outcome at least once, and row 2 and column 3 made of markup and script that must stay text.
 */
final class MatrixFixture {

    /** The fixture's outcomes, row-major, as the page must colour them. */
    static final String[][] OUTCOMES = {
            {"allowed", "denied", "blocked", "no-route"},
            {"partly", "allowed", "denied", "allowed"},
            {"denied", "no-route", "allowed", "partly"},
    };

    private MatrixFixture() {
    }

    static JsonNode load() {
        try (InputStream in = MatrixFixture.class.getResourceAsStream("/matrix/hostile-matrix.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String glyph(String outcome) {
        return switch (outcome) {
            case "allowed" -> "\u2713";
            case "partly" -> "\u00bd";
            case "blocked" -> "S";
            case "denied" -> "\u2717";
            case "no-route" -> "\u2013";
            default -> throw new IllegalArgumentException(outcome);
        };
    }
}
