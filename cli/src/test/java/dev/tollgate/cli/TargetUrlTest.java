package dev.tollgate.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** URLs as check takes them: the scheme's default port implied, hosts as curl accepts them, folded once. */
class TargetUrlTest {
    @ParameterizedTest
    @CsvSource({
            "http://developers.google.com/,           http,  developers.google.com, 80,  /",
            "https://developers.google.com,           https, developers.google.com, 443, /",
            "http://Developers.Google.COM.:8080/a?b=c, http,  developers.google.com, 8080, /a?b=c",
            "tcp://db.example.com:5432,               tcp,   db.example.com,        5432, /",
            "https://a_b.example.com/,                https, a_b.example.com,       443, /",
            "https://a_b.example.com:8443/x,          https, a_b.example.com,       8443, /x",
            "http://[2001:db8::1]:8080/,              http,  2001:db8::1,           8080, /",
            "https://198.18.0.1/,                     https, 198.18.0.1,            443, /",
            "https://user:pw@api.example.com/,        https, api.example.com,       443, /",
            // outside RFC 3986, but curl sends them and the proxies decide on them: the path as written, no fragment
            "http://a.example.com/public\\..\\admin,     http,  a.example.com,         80,  /public\\..\\admin",
            "http://a.example.com:81/a|b?q={x}#frag,   http,  a.example.com,         81,  /a|b?q={x}"})
    void parses(String text, String scheme, String host, int port, String path) {
        TargetUrl url = TargetUrl.parse(text);
        assertThat(url.scheme()).isEqualTo(scheme);
        assertThat(url.host()).isEqualTo(host);
        assertThat(url.port()).isEqualTo(port);
        assertThat(url.pathAndQuery()).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://a.example.com/", "tcp://db.example.com", "http:///path", "not a url",
            "http://a.example.com:99999/", "http://a.example.com:0/", "https://a_b.example.com:x/",
            "https://\u212Aey.example.com/", "https://\u0130stio.io/", "https://\uff4Bey.example.com/",
            "https://%6Bey.example.com/", "https://user@%6Bey.example.com/", "https://a@\u212Aey.example.com/", "https://key.example.com:/",
            "https://key.example.com:+443/", "https://[::1/", "https://[key.example.com]/", "tcp://[::1]",
            "http://a.example.com/a b", "http://a.example.com/a\tb|", "http://a|b.example.com/", "http://a.example.com/\u00e9",
            "http://a.example.com?x/|"})
    void rejects(String text) {
        assertThatThrownBy(() -> TargetUrl.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"http://a.example.com/, a.example.com", "http://a.example.com:8080/, a.example.com:8080",
            "https://a.example.com:443/, a.example.com", "http://[::1]:81/, [::1]:81"})
    void authorityOmitsTheDefaultPort(String text, String authority) {
        assertThat(TargetUrl.parse(text).authority()).isEqualTo(authority);
    }

    /** Issue 10: a URL without a scheme, and a wildcard host, each say what is wrong. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "foo.example.com/        | missing scheme (http:// or https://) in foo.example.com/",
            "foo.example.com:8080/x  | missing scheme (http:// or https://) in foo.example.com:8080/x",
            "https://*.example.com/  | wildcard host *.example.com in https://*.example.com/: no client can request a"
                    + " pattern; ask for one host it covers, e.g. https://www.example.com/",
            "tcp://*.example.com:443 | wildcard host *.example.com in tcp://*.example.com:443",
            "http://*/               | wildcard host * in http://*/",
            "http://a*.example.com/  | wildcard host a*.example.com"})
    void namesTheMistake(String text, String message) {
        assertThatThrownBy(() -> TargetUrl.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
