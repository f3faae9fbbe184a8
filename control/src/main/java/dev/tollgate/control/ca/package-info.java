/**
 * The mesh CA served to proxies: certificates by Kubernetes service-account token, over gRPC.
 *
 * <p>Server side: {@link dev.tollgate.control.ca.CaSecret} reads the root, {@link dev.tollgate.control.ca.TokenReviewer}
 * proves the caller's identity, {@link dev.tollgate.control.ca.CertificateService} signs its CSR and
 * {@link dev.tollgate.control.ControlServer} serves it on TLS, beside the config push. Proxy side: {@code dev.tollgate.agent.CaClient}.
 *
 * <p>Root rotation: {@link dev.tollgate.control.ca.CaSecretWatch} follows the Secret (the signing root and the roots
 * trusted without signing, a {@link dev.tollgate.control.ca.CaBundle}), {@link dev.tollgate.control.ca.RootPublisher}
 * publishes every trusted root to each namespace, and {@link dev.tollgate.control.ca.IssuedPerRoot} counts what is
 * still valid per root, so the operator knows when the old one may go.
 */
package dev.tollgate.control.ca;
