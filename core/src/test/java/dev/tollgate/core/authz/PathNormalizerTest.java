package dev.tollgate.core.authz;

import dev.tollgate.core.model.PathNormalization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * istio.io/latest/docs/reference/config/security/normalization: what paths/notPaths are compared with, for each
 * meshConfig.pathNormalization.normalization (the doc's table of examples, plus hostile inputs).
 */
class PathNormalizerTest {

    @ParameterizedTest(name = "{1}: {0} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // BASE (the default)
            "/some%2fdata/%61%62%63 | BASE | /some%2fdata/abc",   // %2f is kept without DECODE_AND_MERGE_SLASHES
            "/some\\data | BASE | /some/data",                    // backslash is normalized to /
            "/some//data///abc | BASE | /some//data///abc",       // merging slashes is not BASE
            "/public/./data/abc/../xyz | BASE | /public/data/xyz",
            "/foo?v=1 | BASE | /foo?v=1",                         // the query is kept (matching drops it)
            "/a/../b?x=/../c | BASE | /b?x=/../c",                // and is never normalized
            "/%2E%2e/admin | BASE | /admin",                       // %2e is a dot, then dots resolve
            "/a/%2d%5F%7e%30%5A | BASE | /a/-_~0Z",
            "/a/%41%41 | BASE | /a/AA",
            "/a/%2541 | BASE | /a/%2541",                         // no double decoding
            "/a/%%34%31 | BASE | /a/%41",                          // decoded once: %41 is not decoded again
            "/a/%zz | BASE | /a/%zz",
            "/.. | BASE | /",
            "/a/b/.. | BASE | /a/",
            "/a/. | BASE | /a/",
            "/a/..b/.c | BASE | /a/..b/.c",
            "/ | BASE | /",
            "/public/../admin | BASE | /admin",
            // NONE: the path as sent
            "/public/../admin | NONE | /public/../admin",
            "/a/%61 | NONE | /a/%61",
            "//admin | NONE | //admin",
            // MERGE_SLASHES: BASE, then slashes merged
            "/some//data///abc | MERGE_SLASHES | /some/data/abc",
            "//admin/x | MERGE_SLASHES | /admin/x",
            "/some%2fdata | MERGE_SLASHES | /some%2fdata",
            "/a//../admin | MERGE_SLASHES | /a/admin",            // dots resolve before merging, as in Envoy
            "/a\\\\admin | MERGE_SLASHES | /a/admin",
            // DECODE_AND_MERGE_SLASHES: %2F %2f %5C %5c decoded first
            "/some%2fdata/%61 | DECODE_AND_MERGE_SLASHES | /some/data/a",
            "/admin%2Fx | DECODE_AND_MERGE_SLASHES | /admin/x",
            "/admin%5cx | DECODE_AND_MERGE_SLASHES | /admin/x",
            "/public%2f..%2fadmin | DECODE_AND_MERGE_SLASHES | /admin",
            "/a%2F%2Fb | DECODE_AND_MERGE_SLASHES | /a/b",
            "/a%252Fb | DECODE_AND_MERGE_SLASHES | /a%252Fb",   // %25 is not decoded, so no %2F appears
    })
    void normalizes(String raw, PathNormalization mode, String normalized) {
        assertThat(PathNormalizer.normalize(raw, mode)).isEqualTo(normalized);
    }
}
