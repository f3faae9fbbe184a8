package dev.tollgate.config;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds Jackson's deserializers of the spec classes a file holds on another core, while the loader checks the
 * file's resources against their schema and Istio's validation. Jackson builds a spec class's deserializer for every
 * class the spec reaches, reflecting over each, the first time a resource of that kind is converted: about a third of
 * a one-shot command's start-up (or a proxy's), spent on one core while the other mostly waited. It only fills
 * the mapper's cache: the conversion that follows is the same, and waits for a deserializer still being built
 * (Jackson builds one at a time); a failure here is met, and reported, by that conversion again.
 */
final class DeserializerWarmUp {
    /** Each class once per JVM: a folder of a thousand files starts no more threads than there are kinds. */
    private static final Set<Class<?>> STARTED = ConcurrentHashMap.newKeySet();

    private DeserializerWarmUp() {
    }

    static void start(ObjectMapper mapper, List<Class<?>> specClasses) {
        List<Class<?>> todo = specClasses.stream().distinct().filter(STARTED::add).toList();
        if (todo.isEmpty()) {
            return;
        }
        Thread.ofPlatform().daemon().name("tollgate-deserializer-warm-up").start(() -> {
            for (Class<?> c : todo) {
                try {
                    mapper.readerFor(c);   // prefetches the root deserializer (EAGER_DESERIALIZER_FETCH)
                } catch (RuntimeException e) {
                    // the conversion builds it again and reports what went wrong, with the resource's position
                }
            }
        });
    }
}
