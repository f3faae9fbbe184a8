package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.tollgate.cli.netpol.NetpolTutorialTest.tutorial;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * analyze's NetworkPolicy findings through the real command line: the tutorial's warning (TG0110), its cure (netpol's
 * output, or the tutorial's own policy) and an open policy (TG0111), each at a file and line.
 */
class NetpolAnalyzeTest {
    static final String[] TUTORIAL = {"-f", "default=" + tutorial("sleep.yaml"), "-f", "otherns=" + tutorial("sleep.yaml"),
            "-f", "istio-system=" + tutorial("external-google-https.yaml")};

    static String[] with(String[] base, String... more) {
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void theTutorialWithoutANetworkPolicyIsTheTutorialsWarning() {
        CliRun r = CliRun.of(with(new String[] {"analyze"}, TUTORIAL));
        // warnings, printed; the exit status fails only at Error unless asked (istioctl's --failure-threshold)
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(CliRun.of(with(new String[] {"analyze", "--failure-threshold", "Warning"}, TUTORIAL)).exitCode())
                .isEqualTo(79);
        // the Deployment's apiVersion line in sleep.yaml, once per namespace it was applied in
        assertThat(r.out().lines().filter(l -> l.startsWith("Warning [TG0110]")).toList()).hasSize(2)
                .allSatisfy(l -> assertThat(l).startsWith("Warning [TG0110] (" + tutorial("sleep.yaml") + ":7:1) ")
                        .contains("tollgate netpol"))
                .anySatisfy(l -> assertThat(l).contains("namespace default "))
                .anySatisfy(l -> assertThat(l).contains("namespace otherns "));
    }

    @Test
    void netpolsOwnOutputSatisfiesAnalyze(@TempDir Path dir) throws IOException {
        CliRun netpol = CliRun.of(with(new String[] {"netpol"}, TUTORIAL));
        assertThat(netpol.exitCode()).as(netpol.err()).isZero();
        Path policies = Files.writeString(dir.resolve("netpol.yaml"), netpol.out());

        CliRun r = CliRun.of(with(new String[] {"analyze"}, with(TUTORIAL, "-f", policies.toString())));
        assertThat(r.out()).as(r.err()).doesNotContain("TG0110").doesNotContain("TG0111");
    }

    @Test
    void theTutorialsOwnPolicyCoversItsNamespace() {
        String tutorialPolicy = Path.of("..", "config", "src", "test", "resources", "tutorial",
                "k8s-network-policy.yaml").toString();
        CliRun r = CliRun.of(with(new String[] {"analyze"}, with(TUTORIAL, "-f", "default=" + tutorialPolicy)));
        // default is covered (all pods, Egress; its peers are namespaces, inside the cluster); otherns is not
        assertThat(r.out().lines().filter(l -> l.contains("TG0110")).toList()).singleElement()
                .satisfies(l -> assertThat(l).contains("namespace otherns "));
        assertThat(r.out()).doesNotContain("TG0111");
    }

    @Test
    void anOpenPolicyIsFoundAtItsRulesLine(@TempDir Path dir) throws IOException {
        Path open = Files.writeString(dir.resolve("open.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: leaky, namespace: default}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - ipBlock:
                        cidr: 0.0.0.0/0
                        except: [10.0.0.0/8]
                """);
        CliRun r = CliRun.of(with(new String[] {"analyze", "--failure-threshold", "Warning"},
                with(TUTORIAL, "-f", open.toString())));
        assertThat(r.exitCode()).isEqualTo(79);
        assertThat(r.out()).contains("Warning [TG0111] (NetworkPolicy default/leaky " + open + ":9:")
                .contains("spec.egress[0].to[0].ipBlock: ipBlock 0.0.0.0/0 except [10.0.0.0/8] covers public addresses");
        assertThat(r.out().lines().filter(l -> l.contains("TG0110")).toList()).singleElement()
                .satisfies(l -> assertThat(l).contains("namespace otherns "));
    }
}
