package dev.tollgate.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole capture path for real, with curl and no proxy settings (the lab does this across namespaces with the
 * gateway; this one stays inside one), in a {@link RedirectingNamespace} that redirects 198.18.0.0/24 ports 80
 * and 443 to the sidecar's capture port.
 */
class CaptureNetnsTest {

    @Test
    void curlWithoutProxySettingsIsCapturedAndDecided() throws Exception {
        String out = RedirectingNamespace.run("ip daddr 198.18.0.0/24 tcp dport { 80, 443 }", CaptureNetnsProbe.class);
        assertThat(out).contains("curl allowed exit=0 hello plain.example /netns").contains("code=200");
        assertThat(out).containsPattern("curl refused exit=0 REGISTRY_ONLY: blocked.example:80 .* code=502");
        // TLS without SNI (curl to an IP) is decided by the address; the fake forwards it there, and the address
        // guard refuses 198.18.0.6 (a reserved block): a closed connection, curl's handshake fails (35)
        assertThat(out).contains("curl tls-refused exit=35");
        assertThat(out).contains("address guard [reserved]: 198.18.0.6");
        assertThat(out).contains("\"original_destination\":\"198.18.0.5:80\"");
    }
}
