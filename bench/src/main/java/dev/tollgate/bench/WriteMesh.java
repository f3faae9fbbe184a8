package dev.tollgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Writes a {@link SyntheticMesh} into a folder and keeps it, for timing whole commands on it ({@code tollgate matrix
 * -f DIR}, {@code tollgate diff OLD NEW}): {@code WriteMesh DIR [namespaces serviceEntries policies gatewayHosts
 * gatewayPolicies]}.
 */
public final class WriteMesh {
    private WriteMesh() {
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        int[] n = {1001, 600, 101, 200, 100};
        for (int i = 1; i < args.length && i <= n.length; i++) {
            n[i - 1] = Integer.parseInt(args[i]);
        }
        try (SyntheticMesh mesh = new SyntheticMesh(n[0], n[1], n[2], n[3], n[4])) {
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(mesh.dir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.out.println(target + ": " + mesh);
        }
    }
}
