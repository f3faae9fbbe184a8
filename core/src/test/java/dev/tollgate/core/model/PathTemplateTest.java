package dev.tollgate.core.model;

import dev.tollgate.core.model.PathTemplate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Path templates in AuthorizationPolicy paths (istio.io authorization-policy reference, Operation.paths: "{*}" one
 * path segment, "{**}" any number of segments, must be the last operator; istio/istio pkg/config/security
 * CheckValidPathTemplate and its tests).
 */
class PathTemplateTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/{**}/{*}", "/{**}/test/{*}", "/{**}/{**}", "/{**}/{*}"})
    void multiSegmentOperatorMustBeLast(String path) {
        assertThat(PathTemplate.problem(path)).hasValue("{**} is not the last operator");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/{**}{*}", "/api/{**}test", "/{**}test", "/{*", "/*}", "/{*api}", "/{***}", "/{var}",
            "/{}", "/a{b}"})
    void otherBracesAreInvalid(String path) {
        assertThat(PathTemplate.problem(path)).get().asString().contains("beyond a supported path template");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api space/{**}", "/api/{*}/user profile", "/api/{*}/a#b", "/api/{*}/q?x", "/{*}/*",
            "/{*}/**", "/api/{*}//x"})
    void literalsBesideATemplateArePchars(String path) {
        assertThat(PathTemplate.problem(path)).get().asString().contains("invalid string literal");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"/{*}", "/{**}", "/api/{*}/users/{**}", "/{*}/{*}/x", "/foo/{*}/bar/{**}", "/a/*", "*",
            "/a b/*", "/", ""})
    void validPaths(String path) {
        assertThat(PathTemplate.problem(path)).isEmpty();
    }

    @ParameterizedTest(name = "{0} ~ {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "/foo/{*} | /foo/bar | true",
            "/foo/{*} | /foo/bar/baz | false",       // {*} is one segment
            "/foo/{*} | /foo/ | false",              // and a non-empty one
            "/foo/{**} | /foo/bar/baz | true",
            "/foo/{**} | /foo/ | true",              // zero characters
            "/foo/{*}/bar | /foo/x/bar | true",
            "/foo/{*}/bar | /foo/x/y/bar | false",
            "/{*}/admin | /a/admin | true",
            "/{*}/admin | /a/admin/x | false",
            "/admin/{**} | /admin | false",          // the slash before {**} is literal
            "/a/{*} | /a/%2e%2e | true",             // %-escapes are pchars (normalization ran before)
    })
    void matchesAsEnvoyUriTemplates(String template, String path, boolean matches) {
        assertThat(PathTemplate.problem(template)).isEmpty();
        assertThat(PathTemplate.compile(template).matcher(path).matches()).isEqualTo(matches);
    }
}
