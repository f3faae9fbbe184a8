package dev.tollgate.core.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ShortNames} against Istio's {@code generateAltVirtualHostsForKubernetesService} and its test cases
 * ({@code httproute_test.go TestGenerateVirtualHostDomains}): the list for a host, and its inverse, which must be
 * exactly the names in that list.
 */
class ShortNamesTest {

    @Test
    void sameNamespaceHasTheBareNameAndBothPartialForms() {
        assertThat(ShortNames.of("db.shop.svc.cluster.local", "shop"))
                .containsExactly("db", "db.shop.svc", "db.shop");
    }

    @Test
    void anotherNamespaceNeverHasTheBareName() {
        assertThat(ShortNames.of("db.shop.svc.cluster.local", "default")).containsExactly("db.shop", "db.shop.svc");
    }

    @ParameterizedTest
    @CsvSource({"api.example.com", "svc.cluster.local", "x.svc.cluster.local", "db.shop.svc.example.local",
            "db.shop.svc.cluster.local.evil.com", "*.shop.svc.cluster.local.x"})
    void otherHostsHaveNoOtherNames(String host) {
        assertThat(ShortNames.of(host, "shop")).isEmpty();
    }

    @ParameterizedTest(name = "{0} from {1} -> {2}")
    @CsvSource(nullValues = "none", value = {
            "db,                 shop,    db.shop.svc.cluster.local",
            "db.shop,            shop,    db.shop.svc.cluster.local",
            "db.shop.svc,        shop,    db.shop.svc.cluster.local",
            "db.shop,            default, db.shop.svc.cluster.local",
            "db.shop.svc,        default, db.shop.svc.cluster.local",
            "db.shop.svc.cluster.local, shop, none",
            "x.svc,              shop,    none",
            "*,                  shop,    none",
            "*.shop,             shop,    none",
            "'',                 shop,    none",
            "10.0.0.1,           shop,    10.0.0.1.svc.cluster.local",
    })
    void expandsExactlyTheNamesOfTheList(String requested, String namespace, String expected) {
        var got = ShortNames.expand(requested, namespace);
        if (expected == null) {
            assertThat(got).isEmpty();
        } else {
            assertThat(got).contains(expected);
            assertThat(ShortNames.of(expected, namespace)).contains(requested);
        }
    }
}
