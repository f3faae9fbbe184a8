package dev.tollgate.cli.conformance;

/** Small Istio YAML builders for the conformance cases: each returns one or more documents. */
final class Yaml {
    private Yaml() {
    }

    /** A MESH_EXTERNAL ServiceEntry with one port. */
    static String se(String name, String host, int port, String protocol) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                  hosts:
                  - "%s"
                  location: MESH_EXTERNAL
                  ports:
                  - number: %d
                    name: %s-%d
                    protocol: %s
                  resolution: %s
                """.formatted(name, host, port, protocol.toLowerCase(), port, protocol,
                host.startsWith("*") ? "NONE" : "DNS");
    }

    /** The same, with an exportTo list written as YAML flow text, e.g. {@code ["."]}. */
    static String seExport(String name, String host, int port, String protocol, String exportTo) {
        return se(name, host, port, protocol) + "  exportTo: " + exportTo + "\n";
    }

    static String tlsSe(String host) {
        return se(("se-" + host.replace("*", "wild").replace('.', '-')).toLowerCase(), host, 443, "TLS");
    }

    static String httpSe(String host) {
        return se("se-" + host.replace("*", "wild").replace('.', '-'), host, 80, "HTTP");
    }

    static String sidecar(String name, String body) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata:
                  name: %s
                spec:
                %s""".formatted(name, body.indent(2));
    }

    static String meshPolicy(String mode) {
        return "outboundTrafficPolicy:\n  mode: " + mode;
    }

    static String sidecarMode(String name, String mode) {
        return sidecar(name, meshPolicy(mode));
    }

    static String istioOperator(String meshConfigBody) {
        return """
                apiVersion: install.istio.io/v1alpha1
                kind: IstioOperator
                metadata:
                  name: installed-state
                  namespace: istio-system
                spec:
                  meshConfig:
                %s""".formatted(meshConfigBody.indent(4));
    }

    static String istioConfigMap(String namespace, String meshBody) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: istio
                  namespace: %s
                data:
                  mesh: |-
                %s""".formatted(namespace, meshBody.indent(4));
    }

    /**
     * Egress Gateways, HTTP variant (istio.io "Egress Gateways with TLS Origination" shape, as the tutorial uses it):
     * sidecar -> ISTIO_MUTUAL on gateway port 80 with sni = host, gateway originates TLS to host:443.
     */
    static String egressHttp(String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: ext
                spec:
                  hosts:
                  - %1$s
                  ports:
                  - number: 80
                    name: http
                    protocol: HTTP
                  - number: 443
                    name: https
                    protocol: HTTPS
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: egw
                spec:
                  selector:
                    istio: egressgateway
                  servers:
                  - port:
                      number: 80
                      name: https-port-for-tls-origination
                      protocol: HTTPS
                    hosts:
                    - %1$s
                    tls:
                      mode: ISTIO_MUTUAL
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: to-egw
                spec:
                  host: istio-egressgateway.istio-system.svc.cluster.local
                  subsets:
                  - name: ext
                    trafficPolicy:
                      portLevelSettings:
                      - port:
                          number: 80
                        tls:
                          mode: ISTIO_MUTUAL
                          sni: %1$s
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: via-egw
                spec:
                  hosts:
                  - %1$s
                  gateways:
                  - egw
                  - mesh
                  http:
                  - match:
                    - gateways:
                      - mesh
                      port: 80
                    route:
                    - destination:
                        host: istio-egressgateway.istio-system.svc.cluster.local
                        subset: ext
                        port:
                          number: 80
                  - match:
                    - gateways:
                      - egw
                      port: 80
                    route:
                    - destination:
                        host: %1$s
                        port:
                          number: 443
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: originate-tls
                spec:
                  host: %1$s
                  trafficPolicy:
                    portLevelSettings:
                    - port:
                        number: 443
                      tls:
                        mode: SIMPLE
                """.formatted(host);
    }

    /** Egress Gateways, HTTPS (TLS passthrough) variant: sidecar -> ISTIO_MUTUAL on gateway port 443, TCP route out. */
    static String egressTls(String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: ext
                spec:
                  hosts:
                  - %1$s
                  location: MESH_EXTERNAL
                  ports:
                  - number: 443
                    name: tls
                    protocol: TLS
                  resolution: DNS
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: egw
                spec:
                  selector:
                    istio: egressgateway
                  servers:
                  - port:
                      number: 443
                      name: tls
                      protocol: TLS
                    hosts:
                    - %1$s
                    tls:
                      mode: ISTIO_MUTUAL
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: to-egw
                spec:
                  host: istio-egressgateway.istio-system.svc.cluster.local
                  subsets:
                  - name: ext
                    trafficPolicy:
                      portLevelSettings:
                      - port:
                          number: 443
                        tls:
                          mode: ISTIO_MUTUAL
                          sni: %1$s
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: via-egw
                spec:
                  hosts:
                  - %1$s
                  gateways:
                  - egw
                  - mesh
                  tls:
                  - match:
                    - gateways:
                      - mesh
                      port: 443
                      sniHosts:
                      - %1$s
                    route:
                    - destination:
                        host: istio-egressgateway.istio-system.svc.cluster.local
                        subset: ext
                        port:
                          number: 443
                  tcp:
                  - match:
                    - gateways:
                      - egw
                      port: 443
                    route:
                    - destination:
                        host: %1$s
                        port:
                          number: 443
                """.formatted(host);
    }

    /** An AuthorizationPolicy in istio-system selecting the egress gateway; body is the YAML under spec (besides selector). */
    static String gatewayPolicy(String name, String specBody) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: %s
                  namespace: istio-system
                spec:
                  selector:
                    matchLabels:
                      istio: egressgateway
                %s""".formatted(name, specBody.indent(2));
    }

    /** An AuthorizationPolicy with full control of metadata extras and spec. */
    static String policy(String name, String namespace, String metadataExtra, String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: %s
                  namespace: %s
                %s
                spec:
                %s""".formatted(name, namespace, metadataExtra.indent(2).stripTrailing(), spec.indent(2));
    }
}
