package dev.tollgate.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The allowed shape of a spec, derived from the fabric8 class's Jackson properties rather than written by hand, so
 * it follows the API exactly. Protobuf oneOf fields (fabric8's {@code @JsonUnwrapped} interfaces with
 * {@code @JsonSubTypes}) become their alternatives' properties, of which at most one may be set.
 */
final class SpecSchema {

    sealed interface Shape {
    }

    /**
     * An object: its properties and its oneOf groups (each alternative is a set of property names). A derived shape
     * reads its class's Jackson properties only when first asked: a document uses few of the classes its kind's
     * spec reaches (an HTTPRoute reaches fault injection, CORS, mirrors, ...), and introspecting every one of them
     * was the largest part of loading the tutorial's files (a third of {@code check}'s start-up).
     */
    static final class ObjectShape implements Shape {
        final String typeName;
        private final Map<String, Shape> properties = new LinkedHashMap<>();
        private final List<List<Set<String>>> oneOfGroups = new ArrayList<>();
        /** Derives the content; null for a shape built by hand. Read and run under SpecSchema's lock. */
        private final Consumer<ObjectShape> derivation;
        private boolean deriving;
        /** Written last under the lock: a thread that sees it true sees the whole content. */
        private volatile boolean derived;

        /** A shape whose properties the caller puts in {@link #properties()}. */
        ObjectShape(String typeName) {
            this(typeName, null);
        }

        private ObjectShape(String typeName, Consumer<ObjectShape> derivation) {
            this.typeName = typeName;
            this.derivation = derivation;
            this.derived = derivation == null;
        }

        Map<String, Shape> properties() {
            derive();
            return properties;
        }

        List<List<Set<String>>> oneOfGroups() {
            derive();
            return oneOfGroups;
        }

        /**
         * One lock for all shapes, as when they were all built at once: a derivation reaches other shapes (oneOf
         * alternatives), and a caller never sees a half-derived one, except the deriving thread itself when a type
         * is its own alternative (recursive types), which sees what is there so far, as before.
         */
        private void derive() {
            if (derived) {
                return;
            }
            synchronized (SpecSchema.class) {
                if (derived || deriving) {
                    return;
                }
                deriving = true;
                derivation.accept(this);
                derived = true;
            }
        }

        @Override
        public String toString() {
            return typeName + properties().keySet();
        }
    }

    record ListShape(Shape item) implements Shape {
    }

    record MapShape(Shape value) implements Shape {
    }

    /** Any YAML value, scalar, list or map, with no check of its content: for what the API server writes. */
    record AnyValue() implements Shape {
    }

    record ScalarShape(ScalarKind kind, Set<String> enumValues) implements Shape {
        ScalarShape {
            enumValues = Set.copyOf(enumValues);
        }
    }

    enum ScalarKind { STRING, INTEGER, NUMBER, BOOLEAN, ENUM, INT_OR_STRING, ANY }

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final Map<Class<?>, Shape> CACHE = new HashMap<>();

    private SpecSchema() {
    }

    /**
     * The shape of {@code type}. Object shapes are cached per class (types can be recursive) and derive their
     * properties when first read ({@link ObjectShape#properties()}), under the same lock.
     */
    static synchronized Shape of(Class<?> type) {
        return shape(MAPPER.constructType(type));
    }

    private static Shape shape(JavaType type) {
        if (type.isCollectionLikeType() || type.isArrayType()) {
            return new ListShape(shape(type.getContentType()));
        }
        if (type.isMapLikeType()) {
            return new MapShape(shape(type.getContentType()));
        }
        Class<?> raw = type.getRawClass();
        if (raw == String.class || raw == Character.class || raw == char.class) {
            return scalar(ScalarKind.STRING);
        }
        if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class
                || raw == Short.class || raw == short.class || raw == BigInteger.class) {
            return scalar(ScalarKind.INTEGER);
        }
        if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class
                || raw == BigDecimal.class) {
            return scalar(ScalarKind.NUMBER);
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return scalar(ScalarKind.BOOLEAN);
        }
        if (raw.isEnum()) {
            return new ScalarShape(ScalarKind.ENUM, enumNames(raw));
        }
        if (raw.getName().equals("io.fabric8.kubernetes.api.model.IntOrString")) {
            return scalar(ScalarKind.INT_OR_STRING);
        }
        if (raw == Object.class || JsonNode.class.isAssignableFrom(raw) || !raw.getName().startsWith("io.fabric8.")) {
            return scalar(ScalarKind.ANY);
        }
        Shape cached = CACHE.get(raw);
        if (cached != null) {
            return cached;
        }
        ObjectShape object = new ObjectShape(raw.getSimpleName(), o -> {
            if (raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) {
                addAlternatives(o, raw);
            } else {
                addProperties(o, type);
            }
            o.properties.putAll(NEWER_THAN_FABRIC8.getOrDefault(raw.getName(), Map.of()));
        });
        CACHE.put(raw, object);
        return object;
    }

    /**
     * istio/api fields newer than fabric8 7.5.2's classes (they arrive as additional properties, which the
     * Authorizer reads): Source.trustDomains / notTrustDomains (Istio 1.25+).
     */
    private static final Map<String, Map<String, Shape>> NEWER_THAN_FABRIC8 = Map.of(
            "io.fabric8.istio.api.api.security.v1beta1.Source", Map.of(
                    "trustDomains", new ListShape(new ScalarShape(ScalarKind.STRING, Set.of())),
                    "notTrustDomains", new ListShape(new ScalarShape(ScalarKind.STRING, Set.of()))));

    private static void addProperties(ObjectShape object, JavaType type) {
        BeanDescription description = MAPPER.getDeserializationConfig().introspect(type);
        for (BeanPropertyDefinition property : description.findProperties()) {
            if (!property.couldDeserialize()) {
                continue;
            }
            if (isUnwrapped(property)) {
                addAlternatives(object, property.getPrimaryType().getRawClass());
                continue;
            }
            object.properties.put(property.getName(), shape(property.getPrimaryType()));
        }
    }

    /** A oneOf: every alternative's properties are allowed, but only those of one alternative at a time. */
    private static void addAlternatives(ObjectShape object, Class<?> oneOf) {
        JsonSubTypes subTypes = oneOf.getAnnotation(JsonSubTypes.class);
        if (subTypes == null) {
            return;
        }
        List<Set<String>> group = new ArrayList<>();
        for (JsonSubTypes.Type alternative : subTypes.value()) {
            Shape shape = shape(MAPPER.constructType(alternative.value()));
            if (shape instanceof ObjectShape alt) {
                object.properties.putAll(alt.properties());
                object.oneOfGroups.addAll(alt.oneOfGroups());
                group.add(new LinkedHashSet<>(alt.properties().keySet()));
            }
        }
        object.oneOfGroups.add(group);
    }

    private static boolean isUnwrapped(BeanPropertyDefinition property) {
        for (AnnotatedMember member : new AnnotatedMember[]{property.getGetter(), property.getSetter(),
                property.getField()}) {
            if (member != null && member.hasAnnotation(JsonUnwrapped.class)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> enumNames(Class<?> raw) {
        Set<String> names = new LinkedHashSet<>();
        for (Object constant : raw.getEnumConstants()) {
            String name = ((Enum<?>) constant).name();
            try {
                JsonProperty p = raw.getField(name).getAnnotation(JsonProperty.class);
                names.add(p != null && !p.value().isEmpty() ? p.value() : name);
            } catch (NoSuchFieldException e) {
                names.add(name);
            }
        }
        return names;
    }

    private static ScalarShape scalar(ScalarKind kind) {
        return new ScalarShape(kind, Set.of());
    }
}
