package dev.tollgate.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The address guard's table, without sockets: which addresses each default rule covers, and the allow-list form. */
class AddressGuardTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "127.0.0.1, loopback", "127.255.255.254, loopback", "::1, loopback",
            "0.0.0.0, unspecified", "0.1.2.3, unspecified", "::, unspecified",
            "169.254.169.254, metadata", "100.100.100.200, metadata", "fd00:ec2::254, metadata",
            "169.254.1.1, link-local", "fe80::1, link-local", "febf::1, link-local",
            "10.0.0.1, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
            "100.64.0.1, private", "fc00::1, private", "fd12:3456::1, private", "fec0::1, private",
            "64:ff9b:1::1, private",
            "224.0.0.1, multicast", "239.255.255.250, multicast", "ff02::1, multicast",
            "255.255.255.255, reserved", "240.0.0.1, reserved", "192.0.0.170, reserved", "198.18.0.1, reserved",
            "100::1, reserved",
            // IPv4 inside IPv6: mapped (parsed to IPv4), compatible, NAT64, 6to4
            "::ffff:127.0.0.1, loopback", "::7f00:1, loopback", "64:ff9b::a9fe:a9fe, metadata",
            "2002:7f00:1::1, loopback", "2002:a00:1::, private", "::ffff:10.0.0.1, private"})
    void refusedByDefault(String address, String rule) {
        assertThat(AddressGuard.classify(HostMap.literal(address).orElseThrow()).map(r -> r.label)).contains(rule);
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "172.32.0.1", "172.15.255.255", "100.128.0.1", "169.255.0.1",
            "2606:4700::1111", "64:ff9b::5db8:d822", "2002:5db8:d822::1", "fe00::1", "11.0.0.1"})
    void publicAddressesPass(String address) {
        assertThat(AddressGuard.classify(HostMap.literal(address).orElseThrow())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "010.0.0.0/8", "example.com/8", "::/129",
            "\u0661\u0660.0.0.0/8", "999.0.0.0/8", "10.0.0.0/08", "fe80::/10%eth0", "[::1]/128",
            "10.0.0.0/8/8", ""})
    void malformedAllowListEntriesAreRejectedWithTheFlag(String cidr) {
        assertThatThrownBy(() -> new ConnectSettings(Duration.ofSeconds(1), List.of(cidr)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--allow-destination-cidr ");
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/8, 10.200.3.4, true", "10.0.0.0/8, 11.0.0.1, false", "10.1.2.3, 10.1.2.3, true",
            "10.1.2.3, 10.1.2.4, false", "fd00::/8, fd12::1, true", "fd00::/8, 10.0.0.1, false",
            "0.0.0.0/0, 1.2.3.4, true", "10.0.0.1/8, 10.9.9.9, true", "::ffff:10.0.0.0/104, ::ffff:10.1.2.3, true",
            "10.0.0.0/8, ::ffff:10.0.0.1, false", "::ffff:10.0.0.0/104, 10.0.0.1, false"})
    void allowListBlocks(String cidr, String address, boolean contained) {
        assertThat(AddressGuard.allowedBlock(cidr).contains(
                dev.tollgate.core.model.net.IpAddress.parse(address).orElseThrow())).isEqualTo(contained);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-1S"})
    void theConnectTimeoutMustBePositive(String d) {
        assertThatThrownBy(() -> new ConnectSettings(Duration.parse(d), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--connect-timeout");
    }
}
