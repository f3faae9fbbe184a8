package dev.tollgate.core.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one {@link SidecarScope#lookup} walked through, so that {@code explain} reports the walk that decided rather
 * than a second reading of the rules: the egress listener it used, every entry host it considered by name (the
 * requested name, then each covering wildcard, most specific first) and by {@code addresses}, what the walk made of
 * each ({@link HostChoice.Outcome}), and the answer.
 *
 * <p>A recording lookup gives the same answer as a plain one, but does not stop at the first host that declares the
 * port: it goes on through the less specific names and the addresses, so that every entry that could have matched
 * is accounted for. A plain lookup passes {@link #OFF}, which records nothing and allocates nothing.
 */
final class LookupTrace {

    /** How the candidate came into the walk. */
    enum Via { NAME, ADDRESS }

    /**
     * @param winner the entry that took the host or address instead, for the outcomes that have one
     */
    record Note(ServiceHost candidate, Via via, HostChoice.Outcome outcome, Optional<ServiceHost> winner) {
    }

    static final LookupTrace OFF = new LookupTrace(false);

    private final boolean on;
    private final List<Note> notes = new ArrayList<>();
    private EgressListener listener;
    private Optional<ServiceMatch> result = Optional.empty();
    private Via answeredBy;

    private LookupTrace(boolean on) {
        this.on = on;
    }

    static LookupTrace recording() {
        return new LookupTrace(true);
    }

    boolean on() {
        return on;
    }

    /** The trace for {@link HostChoice#choose} on one name. */
    HostChoice.Trace byName() {
        return on ? (c, o, w) -> notes.add(new Note(c, Via.NAME, o, w)) : HostChoice.NO_TRACE;
    }

    void byAddress(ServiceHost candidate, HostChoice.Outcome outcome, Optional<ServiceHost> winner) {
        if (on) {
            notes.add(new Note(candidate, Via.ADDRESS, outcome, winner));
        }
    }

    /**
     * The requested name stood for {@code service}: as one of its other names ({@link ShortNames}), or through the
     * ExternalName Service {@code alias}.
     */
    record OtherName(String requested, String service, Optional<dev.tollgate.core.model.KubernetesService> alias) {
    }

    private OtherName otherName;

    void otherName(String requested, String service, Optional<dev.tollgate.core.model.KubernetesService> alias) {
        if (on) {
            otherName = new OtherName(requested, service, alias);
        }
    }

    /** How the requested name became a service host, when it was not one itself. */
    Optional<OtherName> otherName() {
        return Optional.ofNullable(otherName);
    }

    void listener(EgressListener l) {
        if (on) {
            listener = l;
        }
    }

    /** Records the answer and whether the name walk or the addresses gave it. */
    Optional<ServiceMatch> answer(Optional<ServiceMatch> r, Via via) {
        if (on) {
            result = r;
            answeredBy = r.isPresent() ? via : null;
        }
        return r;
    }

    /** In the order the walk met them: by name, most specific first, each name in registry order; then addresses. */
    List<Note> notes() {
        return List.copyOf(notes);
    }

    /** The listener for the port; null when the Sidecar has none for it. */
    EgressListener listener() {
        return listener;
    }

    Optional<ServiceMatch> result() {
        return result;
    }

    /** How the answer was found; empty when there is none. */
    Optional<Via> answeredBy() {
        return Optional.ofNullable(answeredBy);
    }

    /** Is {@code s} the entry host of the answer. */
    boolean isAnswer(ServiceHost s) {
        return result.isPresent() && result.get().entry() == s.entry() && result.get().matchedHost().equals(s.host());
    }
}
