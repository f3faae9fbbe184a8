package dev.tollgate.core.authz;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** istio.io/docs/reference/config/security/normalization: what paths/notPaths are compared with (BASE). */
class PathNormalizationTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/some%2fdata/%61%62%63 | /some%2fdata/abc",   // %2f is kept without DECODE_AND_MERGE_SLASHES
            "/some\\data | /some/data",                    // backslash is normalized to /
            "/some//data///abc | /some//data///abc",       // merging slashes is not BASE
            "/public/./data/abc/../xyz | /public/data/xyz",
            "/foo?v=1 | /foo",                             // anything after ? is removed
            "/%2E%2e/admin | /admin",                       // %2e is a dot, then dots resolve
            "/a/%2d%5F%7e%30%5A | /a/-_~0Z",
            "/a/%41%41 | /a/AA",
            "/a/%2541 | /a/%2541",                         // no double decoding
            "/a/%zz | /a/%zz",
            "/.. | /",
            "/a/b/.. | /a/",
            "/a/. | /a/",
            "/a/..b/.c | /a/..b/.c",
            "/ | /",
            "/public/../admin | /admin",
    })
    void normalizes(String raw, String normalized) {
        assertThat(PathNormalization.base(raw)).isEqualTo(normalized);
    }
}
