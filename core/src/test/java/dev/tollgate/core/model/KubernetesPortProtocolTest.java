package dev.tollgate.core.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PortProtocol#ofKubernetesPort} against Istio's {@code pkg/config/kube/conversion.go ConvertProtocol} and its
 * test table ({@code conversion_test.go}): UDP first, then appProtocol in place of the name, Kubernetes' own
 * appProtocols, the grpc-web prefix, the name up to its first '-', and the well-known ports.
 */
class KubernetesPortProtocolTest {

    @ParameterizedTest(name = "{0} {1}/{2} appProtocol={3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "80    | http           | TCP  | null              | HTTP",
            "80    | http-web       | TCP  | null              | HTTP",
            "80    | HTTP-web       | TCP  | null              | HTTP",
            "80    | http2          | TCP  | null              | HTTP2",
            "80    | grpc-web       | TCP  | null              | GRPC_WEB",
            "80    | grpc-web-x     | TCP  | null              | GRPC_WEB",
            "80    | GRPC-WEBx      | TCP  | null              | GRPC_WEB",
            "80    | grpc           | TCP  | null              | GRPC",
            "80    | grpc-x         | TCP  | null              | GRPC",
            "443   | https-x        | TCP  | null              | HTTPS",
            "443   | tls            | TCP  | null              | TLS",
            "80    | tcp-x          | TCP  | null              | TCP",
            "80    | mongo          | TCP  | null              | MONGO",
            "80    | redis-x        | TCP  | null              | REDIS",
            "80    | mysql          | TCP  | null              | MYSQL",
            "80    | udp-x          | TCP  | null              | UDP",
            "80    | httpx          | TCP  | null              | UNSUPPORTED",
            "80    | x-http         | TCP  | null              | UNSUPPORTED",
            "80    | ''             | TCP  | null              | UNSUPPORTED",
            "80    | null           | null | null              | UNSUPPORTED",
            "3306  | ''             | TCP  | null              | TCP",
            "27017 | x              | TCP  | null              | TCP",
            "25    | x              | TCP  | null              | TCP",
            "53    | x              | TCP  | null              | TCP",
            "3306  | http           | TCP  | null              | HTTP",
            "80    | http           | UDP  | null              | UDP",
            "80    | http           | SCTP | null              | HTTP",
            "80    | tcp-x          | TCP  | http              | HTTP",
            "80    | http           | TCP  | tcp               | TCP",
            "80    | http           | TCP  | HTTP2             | HTTP2",
            "80    | x              | TCP  | kubernetes.io/h2c | HTTP2",
            "80    | x              | TCP  | kubernetes.io/ws  | HTTP",
            "443   | x              | TCP  | kubernetes.io/wss | HTTPS",
            "80    | kubernetes.io  | TCP  | KUBERNETES.IO/H2C | UNSUPPORTED",
            "80    | http           | TCP  | ''                | UNSUPPORTED",
            "3306  | http           | TCP  | ''                | TCP",
            "80    | http           | TCP  | example.com/x     | UNSUPPORTED",
            "80    | http           | UDP  | http              | UDP",
    })
    void followsConvertProtocol(int port, String name, String protocol, String appProtocol, PortProtocol expected) {
        assertThat(PortProtocol.ofKubernetesPort(port, name, protocol, appProtocol)).isEqualTo(expected);
    }
}
