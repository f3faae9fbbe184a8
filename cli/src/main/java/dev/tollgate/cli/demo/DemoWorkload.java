package dev.tollgate.cli.demo;

/** A workload of the scenario, identified as Istio identifies it: namespace and service account. */
public record DemoWorkload(String namespace, String serviceAccount) {

    public static final DemoWorkload DEFAULT_SLEEP = new DemoWorkload("default", "sleep");
    public static final DemoWorkload OTHERNS_SLEEP = new DemoWorkload("otherns", "sleep");
    public static final DemoWorkload SLEEP_GOOGLE = new DemoWorkload("otherns", "sleep-google");
    public static final DemoWorkload SLEEP_YAHOO = new DemoWorkload("otherns", "sleep-yahoo");

    /** {@code namespace/serviceAccount}, as the tutorial names them ("otherns/sleep-google"). */
    public String name() {
        return namespace + "/" + serviceAccount;
    }

    @Override
    public String toString() {
        return name();
    }
}
