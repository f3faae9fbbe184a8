package dev.tollgate.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SO_ORIGINAL_DST for real, in a {@link RedirectingNamespace} that redirects 198.18.0.5:443 to the probe's
 * capture port.
 */
class OriginalDestinationNetnsTest {

    @Test
    void aRedirectedConnectionReportsWhereItWasGoing() throws Exception {
        String out = RedirectingNamespace.run("ip daddr 198.18.0.5 tcp dport 443", OriginalDestinationProbe.class);
        assertThat(out).contains("redirected original /198.18.0.5:443");
        // not redirected: conntrack has the connection but no NAT, so the kernel gives the listener itself back,
        // which the capture listener refuses as its own address
        assertThat(out).containsPattern("direct (original /127\\.0\\.0\\.1:15001|unknown .*not redirected)");
    }
}
