package dev.tollgate.control.watch;

import dev.tollgate.core.model.Diagnostic;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tells the cluster's users that an object was refused, where they look: a log line, the counter
 * {@code tollgate_config_rejected_total{kind}}, a Warning Event on the object ({@code kubectl describe} shows it),
 * and for Istio's kinds a {@code status} in Istio's form ({@code validationMessages}, and a condition that carries
 * the message, which a validation message has no field for). Each refused version is reported once: the status
 * write itself comes back through the informer, and reporting that again would never end.
 */
final class RejectionReporter {
    private static final Logger LOG = LoggerFactory.getLogger(RejectionReporter.class);
    static final String REASON = "TollgateRejected";
    static final String CONDITION = "TollgateAccepted";
    static final String COMPONENT = "tollgate-control";

    private final KubernetesClient client;
    private final MeterRegistry meters;
    /** Per object, the refused version last reported; one entry per refused object, dropped once it is accepted. */
    private final Map<ObjectKey, String> reported = new HashMap<>();

    RejectionReporter(KubernetesClient client, MeterRegistry meters) {
        this.client = Objects.requireNonNull(client);
        this.meters = Objects.requireNonNull(meters);
    }

    /**
     * Reports every rejection not reported before, and takes our status entries off Istio objects refused before
     * and accepted now (a stale "refused" would send their owners hunting for a fixed error); called from the one
     * build thread.
     */
    void report(Map<ObjectKey, Assembly.Rejection> rejections, Map<ObjectKey, ClusterObjects.Entry> accepted) {
        for (ObjectKey fixed : new ArrayList<>(reported.keySet())) {
            if (!rejections.containsKey(fixed)) {
                reported.remove(fixed);
                ClusterObjects.Entry now = accepted.get(fixed);
                if (now != null && now.kind().istio()) {
                    writeStatus(now, List.of(), List.of());
                }
            }
        }
        for (Map.Entry<ObjectKey, Assembly.Rejection> e : rejections.entrySet()) {
            Assembly.Rejection r = e.getValue();
            List<String> lines = r.errors().stream().map(Diagnostic::format).toList();
            String fingerprint = fingerprint(e.getKey(), r.entry().object(), lines);
            if (fingerprint.equals(reported.put(e.getKey(), fingerprint))) {
                continue;
            }
            LOG.warn("refused {}: it counts at its last accepted version, or not at all: {}", e.getKey().source(),
                    String.join("; ", lines));
            Counter.builder("tollgate.config.rejected").description("cluster objects refused by validation")
                    .tag("kind", e.getKey().kind()).register(meters).increment();
            event(r.entry(), lines.get(0));
            if (r.entry().kind().istio()) {
                status(r.entry(), r.errors());
            }
        }
    }

    /** The object's content, not its resourceVersion: writing its status makes a new version of the same content. */
    private static String fingerprint(ObjectKey key, GenericKubernetesResource object, List<String> lines) {
        Map<String, Object> fields = new LinkedHashMap<>(Assembly.fields(object));
        fields.remove("status");
        return key.source() + "\n" + fields + "\n" + lines;
    }

    private void event(ClusterObjects.Entry entry, String message) {
        GenericKubernetesResource o = entry.object();
        String ns = o.getMetadata().getNamespace() == null ? "default" : o.getMetadata().getNamespace();
        String now = Instant.now().toString();
        var event = new EventBuilder()
                .withNewMetadata().withNamespace(ns)
                // kubelet's and the controllers' naming: the object's name and a unique suffix
                .withName(o.getMetadata().getName() + "." + Long.toHexString(System.nanoTime())).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(o.getApiVersion())
                        .withKind(o.getKind()).withNamespace(o.getMetadata().getNamespace())
                        .withName(o.getMetadata().getName()).withUid(o.getMetadata().getUid())
                        .withResourceVersion(o.getMetadata().getResourceVersion()).build())
                .withType("Warning").withReason(REASON).withMessage(message)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .withFirstTimestamp(now).withLastTimestamp(now).withEventTime(new MicroTime(now)).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(ns).resource(event).create();
        } catch (KubernetesClientException e) {
            // the refusal stands whether or not it could be told; the log line above already tells it
            LOG.warn("cannot create the Event about {}: {}", o.getMetadata().getName(), e.getMessage());
        }
    }

    private void status(ClusterObjects.Entry entry, List<Diagnostic> errors) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (Diagnostic d : errors) {
            Map<String, Object> m = new LinkedHashMap<>();
            // Istio's AnalysisMessageBase: type {name, code}, level; its IST codes are Istio's, so ours are our own
            m.put("type", Map.of("name", REASON, "code", d.code()));
            m.put("level", d.severity().name());
            messages.add(m);
        }
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", CONDITION);
        condition.put("status", "False");
        condition.put("reason", REASON);
        condition.put("message", errors.get(0).format());
        condition.put("lastTransitionTime", Instant.now().toString());
        writeStatus(entry, messages, List.of(condition));
    }

    /** Replaces our validation messages and condition in the object's status, keeping everyone else's. */
    private void writeStatus(ClusterObjects.Entry entry, List<Map<String, Object>> messages,
                             List<Map<String, Object>> conditions) {
        GenericKubernetesResource o = entry.object();
        try {
            client.genericKubernetesResources(entry.kind().context()).inNamespace(o.getMetadata().getNamespace())
                    .withName(o.getMetadata().getName()).editStatus(current -> {
                        Map<String, Object> status = new LinkedHashMap<>();
                        if (current.getAdditionalProperties().get("status") instanceof Map<?, ?> old) {
                            old.forEach((k, v) -> status.put(String.valueOf(k), v));
                        }
                        put(status, "validationMessages", merged(status.get("validationMessages"), messages));
                        put(status, "conditions", merged(status.get("conditions"), conditions));
                        current.setAdditionalProperty("status", status);
                        return current;
                    });
        } catch (KubernetesClientException e) {
            LOG.warn("cannot write the status of {}: {}", o.getMetadata().getName(), e.getMessage());
        }
    }

    /** An empty list is no list: a status with nothing in it stays as bare as one never written. */
    private static void put(Map<String, Object> status, String key, List<Object> items) {
        if (items.isEmpty()) {
            status.remove(key);
        } else {
            status.put(key, items);
        }
    }

    /**
     * Ours replace ours and leave the rest: istiod may write its own messages and conditions into the same status.
     */
    private static List<Object> merged(Object existing, List<Map<String, Object>> ours) {
        List<Object> out = new ArrayList<>();
        if (existing instanceof List<?> list) {
            for (Object item : list) {
                if (!isOurs(item)) {
                    out.add(item);
                }
            }
        }
        out.addAll(ours);
        return out;
    }

    private static boolean isOurs(Object item) {
        return item instanceof Map<?, ?> m && (CONDITION.equals(m.get("type"))
                || m.get("type") instanceof Map<?, ?> t && REASON.equals(t.get("name")));
    }
}
