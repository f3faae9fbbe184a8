/**
 * The Netty data plane: the sidecar ({@link dev.tollgate.proxy.Sidecar}) and the egress gateway
 * ({@link dev.tollgate.proxy.EgressGateway}).
 *
 * <p>Both proxies read only the {@code MeshSnapshot} that was current when a connection was accepted (or, on the
 * gateway's HTTP servers, when a request arrived) and call only its {@code outbound}, {@code gatewayListeners} and
 * {@code gateway} methods: the semantics live in the core, once. The handlers here do the networking: listeners,
 * the SNI peek, HTTP proxying, TLS origination and termination, relaying with back-pressure, the access log, metrics
 * and the admin endpoints.
 */
package dev.tollgate.proxy;
