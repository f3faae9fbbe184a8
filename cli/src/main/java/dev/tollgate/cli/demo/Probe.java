package dev.tollgate.cli.demo;

import java.net.InetSocketAddress;

/** Makes one {@code curl -I} request as a workload, through that workload's sidecar. */
public interface Probe {

    /** Sends {@code HEAD url} through the explicit proxy at {@code sidecar} (CONNECT for https). */
    Observation head(InetSocketAddress sidecar, String url);

    /** The command a reader can paste to make the same request by hand. */
    String command(InetSocketAddress sidecar, String url);
}
