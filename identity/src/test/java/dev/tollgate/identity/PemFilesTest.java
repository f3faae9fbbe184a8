package dev.tollgate.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PemFilesTest {

    private final MeshCa ca = MeshCa.generate("cluster.local");
    private final IssuedCertificate issued = ca.issueWorkload("default", "sleep", Duration.ofHours(1));

    @Test
    void keyRoundTripsWithMode0600(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem");
        PemFiles.writePrivateKey(key, issued.key());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PemFiles.readPrivateKey(key).getEncoded()).isEqualTo(issued.key().getEncoded());
    }

    @Test
    void replacingAWorldReadableFileLeavesAKeyWithMode0600(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem");
        Files.writeString(key, "old");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-rw-rw-"));
        PemFiles.writePrivateKey(key, issued.key());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files).as("no temporary file left behind").containsExactly(key);
        }
    }

    @Test
    void certificatesRoundTripInOrderWithMode0644(@TempDir Path dir) throws Exception {
        Path chain = dir.resolve("cert-chain.pem");
        PemFiles.writeCertificates(chain, issued.chain());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(chain))).isEqualTo("rw-r--r--");
        assertThat(PemFiles.readCertificates(chain)).containsExactlyElementsOf(issued.chain());
    }

    @Test
    void createRefusesAnExistingFile(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem");
        Files.writeString(key, "keep");
        assertThatThrownBy(() -> PemFiles.createPrivateKey(key, issued.key())).isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(Files.readString(key)).isEqualTo("keep");
    }

    @Test
    void readsSec1EcKeys(@TempDir Path dir) throws Exception {
        // openssl ecparam -genkey writes "EC PRIVATE KEY"; accept it as well as PKCS#8
        var pair = TestCertificates.ecKey();
        var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
        var ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
        var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getKey(), info.getPrivateKeyAlgorithm().getParameters());
        String pem = "-----BEGIN EC PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(sec1.toASN1Primitive().getEncoded())
                + "\n-----END EC PRIVATE KEY-----\n";
        Path key = dir.resolve("ec.pem");
        Files.writeString(key, pem);
        assertThat(PemFiles.readPrivateKey(key).getAlgorithm()).isIn("EC", "ECDSA");
    }

    @Test
    void rejectsFilesThatAreNotPem(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.pem");
        Files.writeString(f, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemFiles.readCertificates(f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PemFiles.readPrivateKey(f)).isInstanceOf(IllegalArgumentException.class);
        Files.write(f, new byte[]{(byte) 0xff, (byte) 0xfe, 0});
        assertThatThrownBy(() -> PemFiles.readCertificates(f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PemFiles.toPem(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
