package dev.tollgate.cli.accesslog;

/** The access log formats {@link AccessLogReader} reads, told apart line by line. */
public enum LogFormat {
    /** Tollgate's proxies with the JSON access log (the default, and what {@code tollgate demo} writes). */
    TOLLGATE_JSON("tollgate-json"),
    /** Tollgate's proxies with {@code --access-log text}. */
    TOLLGATE_TEXT("tollgate-text"),
    /** Envoy with Istio's {@code meshConfig.accessLogEncoding: JSON} and its default fields. */
    ISTIO_JSON("istio-json"),
    /** Istio 1.9 and later, {@code accessLogEncoding: TEXT} with its default format. */
    ISTIO_TEXT("istio-text"),
    /** Istio 1.3 to 1.8's default text format (with the mixer status field). */
    ISTIO_TEXT_1_3("istio-text-1.3"),
    /** Envoy's own default format (no Istio fields: no SNI, no cluster). */
    ENVOY_TEXT("envoy-text");

    private final String text;

    LogFormat(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
