package dev.tollgate.config;

/**
 * How much YAML one file may hold, checked before and while parsing so that a huge or hostile file costs little
 * and is refused with a reason. The defaults leave room above what Kubernetes itself accepts: etcd stores an object
 * in at most 1.5 MiB and a ConfigMap's data in at most 1 MiB, so a real manifest file (several objects) fits in
 * 4 MiB and a real value (a certificate, the istio ConfigMap's {@code mesh}) in 1 MiB.
 *
 * @param maxFileBytes   the size of one file, in bytes; checked before the file is read
 * @param maxScalarChars the length of one key or value, in characters; checked as each is parsed
 */
public record YamlLimits(long maxFileBytes, int maxScalarChars) {
    public static final long DEFAULT_MAX_FILE_BYTES = 4L << 20;
    public static final int DEFAULT_MAX_SCALAR_CHARS = 1 << 20;
    public static final YamlLimits DEFAULTS = new YamlLimits(DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_SCALAR_CHARS);

    public YamlLimits {
        if (maxFileBytes < 1 || maxFileBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the maximum file size must be between 1 byte and 2 GiB, got "
                    + maxFileBytes);
        }
        if (maxScalarChars < 1) {
            throw new IllegalArgumentException("the maximum scalar size must be at least 1, got " + maxScalarChars);
        }
    }

    /** {@code 4194304} as {@code 4 MiB}, {@code 1536} as {@code 1536 bytes}: how the messages name a size. */
    static String describe(long bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }
}
