package dev.tollgate.core.model;

/**
 * Kubernetes' name rules ({@code k8s.io/apimachinery/pkg/util/validation}): the lower-case DNS-1123 label that
 * namespaces and some object names must be, and the DNS-1123 subdomain that most object names and label-key
 * prefixes must be. Istio's own DNS labels (hosts, port names) accept upper case and are not these.
 *
 * <p>Checked a character at a time rather than with a regex, so that a long hostile value costs linear time.
 */
public final class KubernetesNames {
    /** {@code DNS1123LabelMaxLength}. */
    public static final int LABEL_MAX = 63;
    /** {@code DNS1123SubdomainMaxLength}. */
    public static final int SUBDOMAIN_MAX = 253;

    private KubernetesNames() {
    }

    /** A lower-case DNS-1123 label: {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}, at most 63 characters. */
    public static boolean isLabel(String s) {
        return s.length() <= LABEL_MAX && isLabelChars(s, 0, s.length());
    }

    /**
     * A lower-case DNS-1123 subdomain: labels as {@link #isLabel} (without their own length limit, as Kubernetes)
     * joined by dots, at most 253 characters.
     */
    public static boolean isSubdomain(String s) {
        if (s.length() > SUBDOMAIN_MAX) {
            return false;
        }
        int start = 0;
        while (true) {
            int dot = s.indexOf('.', start);
            int end = dot < 0 ? s.length() : dot;
            if (!isLabelChars(s, start, end)) {
                return false;
            }
            if (dot < 0) {
                return true;
            }
            start = dot + 1;
        }
    }

    private static boolean isLabelChars(String s, int from, int to) {
        if (from >= to || s.charAt(from) == '-' || s.charAt(to - 1) == '-') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
