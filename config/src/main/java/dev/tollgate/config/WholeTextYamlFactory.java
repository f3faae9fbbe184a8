package dev.tollgate.config;

import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.parser.ParserImpl;

import java.io.IOException;
import java.io.Reader;

/**
 * Jackson's YAML factory with parsers that read through {@link WholeTextReader} (linear time in the size of a
 * scalar). Only text and readers are taken: the loader decodes files itself, to name the byte that is not UTF-8.
 */
final class WholeTextYamlFactory extends YAMLFactory {
    WholeTextYamlFactory() {
        // "key:" with no value is null (absent), as Kubernetes reads it, not an empty string
        super(YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).loaderOptions(loaderOptions()));
    }

    /** The size of a document is bounded before parsing ({@link YamlLimits}); SnakeYAML's own 3 MB cap would differ. */
    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(Integer.MAX_VALUE);
        return o;
    }

    @Override
    protected YAMLParser _createParser(Reader r, IOContext ctxt) throws IOException {
        StringBuilder text = new StringBuilder();
        char[] buf = new char[8192];
        for (int n; (n = r.read(buf)) > 0; ) {
            text.append(buf, 0, n);
        }
        return parser(text.toString(), ctxt);
    }

    @Override
    protected YAMLParser _createParser(char[] data, int offset, int len, IOContext ctxt, boolean recyclable) {
        return parser(new String(data, offset, len), ctxt);
    }

    private YAMLParser parser(String text, IOContext ctxt) {
        return new Parser(ctxt, _parserFeatures, _yamlParserFeatures, _objectCodec,
                new ParserImpl(new WholeTextReader(text), _loaderOptions));
    }

    /** Reaches Jackson's constructor that takes a SnakeYAML parser, meant for this kind of extension. */
    private static final class Parser extends YAMLParser {
        Parser(IOContext ctxt, int parserFeatures, int yamlFeatures, ObjectCodec codec, ParserImpl yaml) {
            super(ctxt, parserFeatures, yamlFeatures, codec, Reader.nullReader(), yaml);
        }
    }
}
