/**
 * The sidecar's view of the service registry, with Istio's semantics: entry point {@link
 * dev.tollgate.core.registry.Registry}.
 *
 * <h2>Rules, and where they come from</h2>
 * <ul>
 *   <li><b>Hosts</b> ({@link dev.tollgate.core.registry.Hosts}): lower case, one trailing dot dropped;
 *       {@code *.example.com} covers every name below {@code example.com} at any depth but not {@code example.com};
 *       {@code *} covers all (istio/istio {@code pkg/config/host/name.go}). The most specific host wins: exact, then
 *       the longest wildcard, among the entries that declare the requested port (Istio builds one listener per
 *       port). A host known only on other ports gives a match with an empty port: the outbound policy decides.</li>
 *   <li><b>exportTo</b> ({@code push_context.go initServiceRegistry}): {@code *} anywhere makes an entry public;
 *       else {@code ~} anywhere hides it from every namespace; {@code .} and the entry's own namespace mean that
 *       namespace; other names export to exactly those namespaces (not to the entry's own). An empty exportTo takes
 *       {@code meshConfig.defaultServiceExportTo} as written ({@code push_context.go serviceExportTo}).</li>
 *   <li><b>The same host in several namespaces</b> ({@code sidecar.go selectServices}, with
 *       {@code PILOT_UNIFIED_SIDECAR_SCOPE}, Istio's default): among the entries the sidecar imports, the workload's
 *       own namespace wins; otherwise the first in push-context order: entries exported to the namespace by name
 *       before public ones, each oldest first. Files carry no creation time, so, as Istio does for equal times,
 *       by {@code hostname.namespace}. A Kubernetes Service of that name (here only the egress gateway's) is
 *       preferred to entries unless that would override the own-namespace rule. Only one namespace's entries
 *       represent a host; within it, later entries add their ports when Istio can merge them (same resolution,
 *       exportTo as written, labels and workloadSelector), otherwise they are ignored.</li>
 *   <li><b>Which Sidecar</b> ({@code push_context.go getSidecarScope}): the first Sidecar of the workload's
 *       namespace whose workloadSelector labels are all on the workload; else that namespace's Sidecar without
 *       selector; else the root namespace's ({@code meshConfig.rootNamespace}) Sidecar without selector, where
 *       {@code .} means the workload's namespace; else a default that imports {@code *}/{@code *}. Several candidates
 *       of one kind: Istio takes the oldest, then by name; Tollgate by name.</li>
 *   <li><b>Egress hosts</b> ({@code sidecar.go convertIstioListenerToWrapper, hostClassification.Matches}):
 *       {@code ns/host} with {@code .} (the workload's namespace), {@code *} (any), {@code ~} (none); an entry host is
 *       imported when it is a subset of an imported host ({@code *}{@code /}{@code *.example.com} imports {@code *.a.example.com},
 *       never {@code *.com}); an import for the entry's namespace is tried first, then the {@code *} ones. A host
 *       without exactly one {@code /} is skipped, as Istio does. Only entries visible to the namespace count.</li>
 *   <li><b>Egress ports</b> ({@code GetEgressListenerForRDS}, {@code needsPortMatch}): a request on port P uses the
 *       first egress listener with port P, else the catch-all; a listener with a port (other than
 *       {@code HTTP_PROXY}) imports only entries that declare that port. {@code bind} and {@code captureMode} do not
 *       change what an explicit proxy can reach and are ignored.</li>
 *   <li><b>Outbound traffic policy</b>: the Sidecar's {@code outboundTrafficPolicy} replaces the mesh's; an empty
 *       one means {@code REGISTRY_ONLY} (the proto default). A Sidecar without it takes the mesh's, as
 *       {@code sidecar.go} does, although the reference says "inherits ... from the namespace-wide or the global
 *       default Sidecar".</li>
 *   <li><b>addresses</b>: an IP literal request matches entries whose {@code addresses} contain it, longest prefix
 *       first, with the same visibility and imports.</li>
 *   <li><b>Kubernetes Services</b> ({@link dev.tollgate.core.model.KubernetesService}, {@code kube/conversion.go
 *       ConvertService}) are services like ServiceEntry hosts, with the same exportTo (their annotation) and
 *       imports, preferred to an entry of the same host. A sidecar also answers to their short names
 *       ({@link dev.tollgate.core.registry.ShortNames}) when the name itself is no service's host; an ExternalName
 *       Service is no service but an alias of the one it names.</li>
 *   <li><b>Endpoints</b> ({@link dev.tollgate.core.registry.ServiceEndpoints}, {@code conversion.go services}): an
 *       entry's own {@code endpoints}, or the WorkloadEntries of its namespace that its {@code workloadSelector}
 *       selects; a WorkloadEntry addressed by a DNS name only for a DNS entry.</li>
 *   <li><b>The egress gateway's Kubernetes Service</b> is always present, public, with ports 80 and 443 and the
 *       ports of Gateway servers that select the egress gateway, until the files hold the real Service (see
 *       {@link dev.tollgate.core.registry.Registry}).</li>
 * </ul>
 */
package dev.tollgate.core.registry;
