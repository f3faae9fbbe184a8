package dev.tollgate.config;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.Constant;

import java.io.Reader;

/**
 * SnakeYAML's reader over text that is already in memory, without SnakeYAML's sliding window. That window is
 * refilled 1,024 characters at a time, and each refill copies every character the scanner has not consumed yet
 * ({@code Arrays.copyOfRange} in {@code StreamReader.update}). A scalar is consumed only once the scanner has found
 * its end, so a long one is copied again on every refill: parse time grows with the square of the longest token
 * (1 MB took 1 s, 4 MB 5 s, 32 MB 217 s). Holding the whole text once makes every step constant time.
 * <p>
 * The scanner and parser use only the public methods, all overridden here; the base class sees an empty stream.
 * The caller checks that the text is printable first ({@link YamlReader}), which the base class did while reading.
 */
final class WholeTextReader extends StreamReader {
    private final int[] codePoints;
    private int pointer;
    private int documentIndex;
    private int line;
    private int column;

    WholeTextReader(String text) {
        super(Reader.nullReader());
        this.codePoints = text.codePoints().toArray();
    }

    @Override
    public Mark getMark() {
        // the mark shares the array (the base class shares its window too): no copy per token
        return new Mark("'reader'", pointer, line, column, codePoints, pointer);
    }

    @Override
    public void forward() {
        forward(1);
    }

    /** Moves past {@code length} characters, counting lines the way the base class does. */
    @Override
    public void forward(int length) {
        for (int i = 0; i < length && pointer < codePoints.length; i++) {
            int c = codePoints[pointer++];
            documentIndex++;
            if (Constant.LINEBR.has(c) || c == '\r' && pointer < codePoints.length && codePoints[pointer] != '\n') {
                line++;
                column = 0;
            } else if (c != 0xFEFF) {
                column++;
            }
        }
    }

    @Override
    public int peek() {
        return peek(0);
    }

    @Override
    public int peek(int index) {
        int at = pointer + index;
        return at >= 0 && at < codePoints.length ? codePoints[at] : '\0';
    }

    @Override
    public String prefix(int length) {
        int n = Math.max(0, Math.min(length, codePoints.length - pointer));
        return n == 0 ? "" : new String(codePoints, pointer, n);
    }

    /** As the base class: no line counting, the scanner calls this only within a line. */
    @Override
    public String prefixForward(int length) {
        String prefix = prefix(length);
        pointer += length;
        documentIndex += length;
        column += length;
        return prefix;
    }

    @Override
    public int getColumn() {
        return column;
    }

    @Override
    public int getDocumentIndex() {
        return documentIndex;
    }

    @Override
    public void resetDocumentIndex() {
        documentIndex = 0;
    }

    @Override
    public int getIndex() {
        return pointer;
    }

    @Override
    public int getLine() {
        return line;
    }
}
