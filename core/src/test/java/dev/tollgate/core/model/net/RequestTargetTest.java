package dev.tollgate.core.model.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class RequestTargetTest {
    @ParameterizedTest
    @ValueSource(strings = {"/", "/a/b?c=d&e", "/%C3%A9", "*", "developers.google.com:443", "http://a.example.com/x",
            "/public\\..\\admin", "/a|b{c}^`\"<>", "/~!$&'()*+,;=:@"})
    void visibleAsciiIsATarget(String target) {
        assertThat(RequestTarget.problem(target)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/\u00e9              | 1 | \\u00E9",
            "/caf\u00c3\u00a9     | 4 | \\u00C3\\u00A9",
            "/a b                 | 2 | /a b",
            "/a\u0000b            | 2 | \\u0000",
            "/a\u007f             | 2 | \\u007F",
            "/\u202eadmin         | 1 | \\u202E"})
    void anythingElseIsRefusedWithWhereAndWhatShownSafely(String target, int at, String shown) {
        assertThat(RequestTarget.problem(target)).hasValueSatisfying(p -> assertThat(p).contains("not visible ASCII at " + at).contains(shown).doesNotContain("\u00e9"));
    }
}
