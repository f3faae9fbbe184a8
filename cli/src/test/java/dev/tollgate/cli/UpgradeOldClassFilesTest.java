package dev.tollgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * scripts/UpgradeOldClassFiles.java, which the launcher runs on the shaded jar before it creates the start-up cache,
 * on picocli's own jar: every class comes out as a Java 8 class file that the JVM's (split) verifier accepts, and
 * picocli works the same from it.
 */
class UpgradeOldClassFilesTest {

    @Test
    void picocliComesOutAsJava8ClassFilesThatVerifyAndWorkTheSame(@TempDir Path dir) throws Exception {
        assumeTrue(Runtime.version().feature() >= 24,
                "the script needs the java.lang.classfile API of JDK 24+; this JVM is " + Runtime.version());
        Path picocli = Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = Files.copy(picocli, dir.resolve("picocli.jar"));
        assertThat(majors(jar)).as("picocli ships Java 5 class files; else this test proves nothing").contains(49);

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), Path.of("..", "scripts", "UpgradeOldClassFiles.java").toString(),
                jar.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("rewritten as Java 8 class files");
        assertThat(majors(jar)).containsOnly(52);

        // linked (verified) and used in a loader of their own: the frames must be right for the split verifier
        try (URLClassLoader upgraded = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            for (String name : classNames(jar)) {
                Class.forName(name, true, upgraded);
            }
            Class<?> commandLine = upgraded.loadClass("picocli.CommandLine");
            Object help = upgraded.loadClass("picocli.CommandLine$HelpCommand").getConstructor().newInstance();
            Object line = commandLine.getConstructor(Object.class).newInstance(help);
            StringWriter usage = new StringWriter();
            commandLine.getMethod("usage", PrintWriter.class).invoke(line, new PrintWriter(usage, true));

            StringWriter original = new StringWriter();
            new CommandLine(new CommandLine.HelpCommand()).usage(new PrintWriter(original, true));
            assertThat(usage.toString()).isNotBlank().isEqualTo(original.toString());
        }
    }

    /** The class file versions of the jar's classes (module-info aside). */
    private static List<Integer> majors(Path jar) throws Exception {
        List<Integer> majors = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        byte[] head = in.readNBytes(8);
                        majors.add(((head[6] & 0xff) << 8) | (head[7] & 0xff));
                    }
                }
            }
        }
        return majors;
    }

    private static List<String> classNames(Path jar) throws Exception {
        List<String> names = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    names.add(e.getName().replace('/', '.').substring(0, e.getName().length() - ".class".length()));
                }
            }
        }
        return names;
    }
}
