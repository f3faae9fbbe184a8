package dev.tollgate.cli.demo;

/**
 * The demo's proxies on top of {@code dev.tollgate.proxy}: one egress gateway and a sidecar per workload of
 * {@link Scenario#WORKLOADS}, all in this process.
 *
 * <p>Not wired yet: it waits for the proxy module's API. What each proxy needs is in {@link DemoSetup}:
 * <ul>
 *   <li>gateway: namespace istio-system, labels istio=egressgateway and app=istio-egressgateway, the sources
 *       {@link DemoConfig#sources()}, a certificate from {@link DemoSetup#meshCa()}, upstream CA bundle
 *       {@link DemoSetup#publicCaFile()}, {@code --connect-to} {@link DemoSetup#standInConnectTo()}, and its
 *       listeners (ports 80 and 443 of the Gateway servers, as the steps change them) mapped to loopback ports;</li>
 *   <li>each sidecar: its namespace and service account, the same sources, a certificate from the mesh CA,
 *       {@code --connect-to} the stand-ins and {@code istio-egressgateway.istio-system.svc.cluster.local:80/443} to the
 *       gateway's loopback ports, listening on 127.0.0.1:0.</li>
 * </ul>
 */
final class ProxyDemoMesh {

    private ProxyDemoMesh() {
    }

    static DemoMesh start(DemoSetup setup) {
        throw new IllegalStateException("the demo's proxies are not wired to dev.tollgate.proxy yet");
    }
}
