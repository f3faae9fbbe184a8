import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Rewrites the class files of Java 5 and older in a jar (picocli's: version 49) as Java 8 class files, the same
 * bytecode with the stack map frames that the newer format requires. The JVM's start-up cache (JEP 483 AOT cache,
 * AppCDS) skips such "old" classes once they are linked, so picocli's classes were read and checked by the old
 * verifier on every start, and with them every lambda that implements one of their interfaces.
 *
 * Run by the launcher before it creates a cache, as a source file on JDK 24 or newer (the java.lang.classfile API):
 * {@code java scripts/UpgradeOldClassFiles.java JAR}. Changes the jar only when it holds such classes, so a second
 * run is a no-op.
 */
public final class UpgradeOldClassFiles {

    private static final int JAVA_6 = ClassFile.JAVA_6_VERSION;

    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]).toAbsolutePath();
        List<String> upgraded = new ArrayList<>();
        try (URLClassLoader jarClasses = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
             FileSystem zip = FileSystems.newFileSystem(jar)) {
            // the frames name the common superclass of two types where paths meet: the jar's classes and the JDK's
            ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.ofResourceParsing(jarClasses)
                            .orElse(ClassHierarchyResolver.defaultResolver()).cached()));
            ClassTransform toJava8 = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                    .andThen((builder, element) -> {
                        if (element instanceof ClassFileVersion) {
                            builder.withVersion(ClassFile.JAVA_8_VERSION, 0);
                        } else {
                            builder.with(element);
                        }
                    });
            List<Path> classes;
            try (Stream<Path> all = Files.walk(zip.getPath("/"))) {
                classes = all.filter(p -> p.toString().endsWith(".class") && !p.startsWith("/META-INF")).toList();
            }
            for (Path c : classes) {
                byte[] bytes = Files.readAllBytes(c);
                int major = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
                if (major < JAVA_6) {
                    Files.write(c, classFile.transformClass(classFile.parse(bytes), toJava8));
                    upgraded.add(c.toString());
                }
            }
        } // closing the file system writes the jar (to a new file, moved over the old one), only if it changed
        System.out.println(upgraded.size() + " class files of Java 5 or older rewritten as Java 8 class files in "
                + jar);
    }
}
