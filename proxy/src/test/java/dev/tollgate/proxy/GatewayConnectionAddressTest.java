package dev.tollgate.proxy;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The peer and local addresses the gateway hands to authz (ipBlocks, remoteIpBlocks, destination.ip) are written as
 * the core's {@code IpAddress} reads them: Java's getHostAddress appends an IPv6 scope ({@code %5}), which the one
 * parser refuses, so a policy on {@code fe80::/10} would otherwise never match a link-local peer.
 */
class GatewayConnectionAddressTest {

    @Test
    void aScopedIpv6PeerIsWrittenWithoutItsScope() throws Exception {
        byte[] fe80 = new byte[16];
        fe80[0] = (byte) 0xfe;
        fe80[1] = (byte) 0x80;
        fe80[15] = 1;
        InetSocketAddress scoped = new InetSocketAddress(Inet6Address.getByAddress(null, fe80, 5), 443);
        assertThat(scoped.getAddress().getHostAddress()).contains("%");
        assertThat(GatewayConnection.ip(scoped)).isEqualTo("fe80::1");
    }

    @Test
    void ipv4AndIpv6PeersAreCanonical() throws Exception {
        assertThat(GatewayConnection.ip(new InetSocketAddress(InetAddress.getByAddress(new byte[]{10, 0, 0, 7}), 1)))
                .isEqualTo("10.0.0.7");
        assertThat(GatewayConnection.ip(new InetSocketAddress(InetAddress.getByAddress(new byte[16]), 1)))
                .isEqualTo("::");
    }
}
