package dev.tollgate.identity;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * PEM files for keys and certificates, written with safe modes: keys 0600, certificates 0644.
 *
 * <p>A key file is created with mode 0600 in the same system call that creates it, so there is no moment
 * when it exists with wider permissions. Files are written to a temporary file in the same folder and moved
 * into place atomically, so a reader (a proxy watching the folder) never sees half a file. Writing refuses
 * file systems without POSIX permissions rather than leave a key readable by others.
 *
 * <p>I/O errors are thrown as {@link UncheckedIOException}; a file that is not the expected PEM as
 * {@link IllegalArgumentException}.
 */
public final class PemFiles {

    static final Set<PosixFilePermission> KEY_MODE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> CERT_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private PemFiles() {
    }

    /** Writes a PKCS#8 {@code PRIVATE KEY} PEM with mode 0600, replacing the file atomically if it exists. */
    public static void writePrivateKey(Path path, PrivateKey key) {
        write(path, toPem(key), KEY_MODE, true);
    }

    /** Writes certificates as PEM with mode 0644 (in list order), replacing the file atomically if it exists. */
    public static void writeCertificates(Path path, List<X509Certificate> certificates) {
        write(path, toPem(certificates), CERT_MODE, true);
    }

    /** As {@link #writePrivateKey} but fails with {@link FileAlreadyExistsException} if the file exists. */
    static void createPrivateKey(Path path, PrivateKey key) {
        write(path, toPem(key), KEY_MODE, false);
    }

    static void createCertificates(Path path, List<X509Certificate> certificates) {
        write(path, toPem(certificates), CERT_MODE, false);
    }

    /** Reads a private key: PKCS#8 ({@code PRIVATE KEY}) or SEC1/PKCS#1 ({@code EC PRIVATE KEY}, ...). */
    public static PrivateKey readPrivateKey(Path path) {
        return parsePrivateKey(read(path), path.toString());
    }

    /** Reads every certificate in a PEM file, in order; at least one. */
    public static List<X509Certificate> readCertificates(Path path) {
        return parseCertificates(read(path), path.toString());
    }

    /** The PEM text of a key, e.g. for a TLS library that takes PEM input. */
    public static String toPem(PrivateKey key) {
        return pem(List.of(key));
    }

    public static String toPem(List<X509Certificate> certificates) {
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no certificates to write");
        }
        return pem(certificates);
    }

    static PrivateKey parsePrivateKey(String pem, String source) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            throw new IllegalArgumentException(source + ": no unencrypted private key in PEM form");
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not a readable PEM private key: " + e.getMessage(), e);
        }
    }

    /** Parses every certificate in PEM text (e.g. a CA's answer), in order; at least one. {@code source} names it in errors. */
    public static List<X509Certificate> parseCertificates(String pem, String source) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Collection<? extends java.security.cert.Certificate> all =
                    factory.generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : all) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(source + ": no certificate in PEM form");
            }
            return List.copyOf(out);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(source + ": not a readable PEM certificate: " + e.getMessage(), e);
        }
    }

    private static String pem(List<?> objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                if (o instanceof PrivateKey k) {
                    writer.writeObject(new JcaPKCS8Generator(k, null)); // PKCS#8, as openssl and Istio write it
                } else {
                    writer.writeObject(o);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(path + ": not a PEM file (not ASCII text)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e, e);
        }
    }

    private static void write(Path path, String content, Set<PosixFilePermission> mode, boolean replace) {
        Path dir = path.toAbsolutePath().getParent();
        if (Files.getFileAttributeView(dir, PosixFileAttributeView.class) == null) {
            throw new UnsupportedOperationException(dir + ": no POSIX file permissions here; refusing to write keys");
        }
        FileAttribute<Set<PosixFilePermission>> attribute = PosixFilePermissions.asFileAttribute(mode);
        byte[] bytes = content.getBytes(StandardCharsets.US_ASCII);
        try {
            if (!replace) {
                // CREATE_NEW is atomic: it fails if the file exists, and the file is born with the mode
                try (SeekableByteChannel ch = Files.newByteChannel(path,
                        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attribute)) {
                    writeAll(ch, bytes);
                }
                // the umask may have narrowed the mode at creation; set it exactly (never wider than asked)
                Files.setPosixFilePermissions(path, mode);
                return;
            }
            Path tmp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp", attribute);
            try {
                try (SeekableByteChannel ch = Files.newByteChannel(tmp, StandardOpenOption.WRITE)) {
                    writeAll(ch, bytes);
                }
                Files.setPosixFilePermissions(tmp, mode);
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e, e);
        }
    }

    private static void writeAll(SeekableByteChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }
}
