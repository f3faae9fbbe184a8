/**
 * The mesh CA served to proxies: certificates by Kubernetes service-account token, over gRPC.
 *
 * <p>Server side: {@link dev.tollgate.control.ca.CaSecret} reads the root, {@link dev.tollgate.control.ca.TokenReviewer}
 * proves the caller's identity, {@link dev.tollgate.control.ca.CertificateService} signs its CSR and
 * {@link dev.tollgate.control.ControlServer} serves it on TLS, beside the config push. Proxy side: {@code dev.tollgate.agent.CaClient}.
 */
package dev.tollgate.control.ca;
