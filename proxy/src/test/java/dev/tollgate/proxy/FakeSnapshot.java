package dev.tollgate.proxy;

import dev.tollgate.core.model.ConfigSet;
import dev.tollgate.core.model.Diagnostic;
import dev.tollgate.core.model.WorkloadRef;
import dev.tollgate.core.snapshot.CheckResult;
import dev.tollgate.core.snapshot.Explanation;
import dev.tollgate.core.snapshot.GatewayDecision;
import dev.tollgate.core.model.GatewayListener;
import dev.tollgate.core.model.GatewayServerKind;
import dev.tollgate.core.snapshot.GatewayRequest;
import dev.tollgate.core.snapshot.MeshSnapshot;
import dev.tollgate.core.snapshot.OutboundDecision;
import dev.tollgate.core.snapshot.OutboundRequest;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiFunction;

/**
 * A MeshSnapshot whose answers the test gives: the proxies call only outbound, gatewayListeners and gateway, so
 * these tests check the networking, not the semantics (the core's tests check those).
 */
final class FakeSnapshot implements MeshSnapshot {
    final BiFunction<WorkloadRef, OutboundRequest, OutboundDecision> outbound;
    final List<GatewayListener> listeners;
    final BiFunction<WorkloadRef, GatewayRequest, GatewayDecision> gateway;
    /**
     * Which server kind takes a connection on a port with an SNI; by default the port's first server's, as a port
     * of one kind answers.
     */
    volatile BiFunction<Integer, java.util.Optional<String>, java.util.Optional<GatewayServerKind>> serverKind;
    /** Every question asked, to check what the proxies passed. */
    final ConcurrentLinkedQueue<Object> asked = new ConcurrentLinkedQueue<>();

    FakeSnapshot(BiFunction<WorkloadRef, OutboundRequest, OutboundDecision> outbound, List<GatewayListener> listeners,
                 BiFunction<WorkloadRef, GatewayRequest, GatewayDecision> gateway) {
        this.outbound = outbound;
        this.listeners = List.copyOf(listeners);
        this.gateway = gateway;
        this.serverKind = (port, sni) -> this.listeners.stream().filter(l -> l.port() == port).findFirst()
                .map(GatewayListener::kind);
    }

    @Override
    public ConfigSet config() {
        return ConfigSet.EMPTY;
    }

    @Override
    public OutboundDecision outbound(WorkloadRef from, OutboundRequest request) {
        asked.add(request);
        return outbound.apply(from, request);
    }

    @Override
    public List<GatewayListener> gatewayListeners(WorkloadRef gw) {
        return listeners;
    }

    @Override
    public java.util.Optional<GatewayServerKind> gatewayServerKind(WorkloadRef gw, int port,
                                                                   java.util.Optional<String> sni) {
        return serverKind.apply(port, sni);
    }

    @Override
    public GatewayDecision gateway(WorkloadRef gw, GatewayRequest request) {
        asked.add(request);
        return gateway.apply(gw, request);
    }

    @Override
    public CheckResult check(WorkloadRef from, OutboundRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Explanation explain(WorkloadRef from, OutboundRequest request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Diagnostic> analyze() {
        return List.of();
    }
}
