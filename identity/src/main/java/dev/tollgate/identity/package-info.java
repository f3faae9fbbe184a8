/**
 * Mesh identity: the CA, SPIFFE workload certificates and their rotation.
 *
 * <p>Entry points: {@link dev.tollgate.identity.MeshCa} issues certificates,
 * {@link dev.tollgate.identity.RotatingCertificate} keeps one fresh for a running proxy,
 * {@link dev.tollgate.identity.SpiffeId} reads the identity back out of a peer's certificate, and
 * {@link dev.tollgate.identity.PemFiles} reads and writes keys and certificates with safe file modes, and
 * {@link dev.tollgate.identity.TrustBundle} holds the mesh roots a proxy trusts, re-read from their file when a root
 * rotation changes it ({@link dev.tollgate.identity.TrustBundle#trustManager()} for TLS stacks that take a trust
 * manager once).
 *
 * <p>This package knows nothing of Netty or metrics: a proxy builds its TLS contexts from
 * {@link dev.tollgate.identity.IssuedCertificate#key()} and {@link dev.tollgate.identity.IssuedCertificate#chain()}.
 */
package dev.tollgate.identity;
