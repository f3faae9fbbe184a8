package dev.tollgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How every help text is laid out: 100 columns, wrapped only between words. Picocli wraps with the JDK's line
 * break rules, which also break after '.' or ':' inside a word, so "meshConfig.outboundTrafficPolicy.mode" or
 * "spiffe://..." came out cut in two, and examples meant to be copied were folded. Here headers, descriptions and
 * the command list are wrapped at spaces, option texts are re-wrapped at spaces to fit their column (so picocli
 * never needs to wrap them), and footers (examples) are printed exactly as written.
 */
final class HelpLayout {
    static final int WIDTH = 100;

    private HelpLayout() {
    }

    static void apply(CommandLine cl) {
        cl.setUsageHelpWidth(WIDTH);
        applyTo(cl);
    }

    private static void applyTo(CommandLine cl) {
        UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        usage.description(Main.paragraphs(usage.description()));
        Map<String, CommandLine.IHelpSectionRenderer> sections = new LinkedHashMap<>(cl.getHelpSectionMap());
        sections.put(UsageMessageSpec.SECTION_KEY_HEADER, help -> lines(wrapAll(help.commandSpec().usageMessage()
                .header(), WIDTH)));
        sections.put(UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> lines(wrapAll(help.commandSpec()
                .usageMessage().description(), WIDTH)));
        sections.put(UsageMessageSpec.SECTION_KEY_FOOTER, help -> lines(formatted(help.commandSpec().usageMessage()
                .footer())));
        sections.put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commandList);
        sections.put(UsageMessageSpec.SECTION_KEY_SYNOPSIS, HelpLayout::synopsis);
        sections.put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> help.optionList(layout(help),
                help.createDefaultOptionSort(), help.createDefaultParamLabelRenderer()));
        sections.put(UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, help -> help.parameterList(layout(help),
                help.createDefaultParamLabelRenderer()));
        cl.setHelpSectionMap(sections);
        cl.getSubcommands().values().forEach(HelpLayout::applyTo);
    }

    /** Picocli's option table, with each option's text re-wrapped at spaces to the width of its column. */
    private static Help.Layout layout(Help help) {
        Help.Layout base = help.createDefaultLayout();
        Help.Column[] columns = base.textTable().columns();
        Help.Column text = columns[columns.length - 1];
        int width = text.width - text.indent - 2;
        Help.IOptionRenderer options = help.createDefaultOptionRenderer();
        Help.IParameterRenderer parameters = help.createDefaultParameterRenderer();
        return new Help.Layout(help.colorScheme(), base.textTable(),
                (option, labels, scheme) -> rewrap(options.render(option, labels, scheme), width, scheme),
                (param, labels, scheme) -> rewrap(parameters.render(param, labels, scheme), width, scheme));
    }

    /** The rows picocli made for one option, with the last column's lines joined into paragraphs and re-wrapped. */
    private static Text[][] rewrap(Text[][] rows, int width, Help.ColorScheme scheme) {
        if (rows.length == 0) {
            return rows;
        }
        int last = rows[0].length - 1;
        List<String> texts = new ArrayList<>();
        for (Text[] row : rows) {
            texts.add(row[last].plainString());
        }
        List<String> wrapped = rewrapText(texts, width);
        List<Text[]> out = new ArrayList<>();
        for (int i = 0; i < Math.max(1, wrapped.size()); i++) {
            Text[] row = new Text[last + 1];
            for (int c = 0; c < last; c++) {
                row[c] = i == 0 ? rows[0][c] : scheme.text("");
            }
            row[last] = scheme.text(i < wrapped.size() ? wrapped.get(i) : "");
            out.add(row);
        }
        return out.toArray(Text[][]::new);
    }

    /**
     * Consecutive lines of one option's text joined and wrapped; blank lines, indented ones and aligned two-column
     * entries ("http://HOST  a plain HTTP request") stay lines of their own.
     */
    private static List<String> rewrapText(List<String> lines, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder p = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank() || Character.isWhitespace(line.charAt(0)) || line.strip().contains("  ")) {
                if (!p.isEmpty()) {
                    out.addAll(wrap(p.toString(), width));
                    p.setLength(0);
                }
                out.add(line.stripTrailing());
            } else {
                p.append(p.isEmpty() ? "" : " ").append(line.strip());
            }
        }
        if (!p.isEmpty()) {
            out.addAll(wrap(p.toString(), width));
        }
        return out;
    }

    /**
     * Picocli's synopsis, laid out on one line and then wrapped at the spaces between its elements, never inside
     * one ("[-H='Name: value']", "[--set=meshConfig.KEY=VALUE]").
     */
    private static String synopsis(Help help) {
        UsageMessageSpec usage = help.commandSpec().usageMessage();
        int width = usage.width();
        String line;
        try {
            usage.width(Integer.MAX_VALUE / 2);
            line = help.synopsis(help.synopsisHeadingLength()).strip();
        } finally {
            usage.width(width);
        }
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        StringBuilder part = new StringBuilder();
        for (char c : line.toCharArray()) {
            if (c == '\'' ) {
                quoted = !quoted;
            } else if (!quoted && (c == '[' || c == '(')) {
                depth++;
            } else if (!quoted && (c == ']' || c == ')')) {
                depth--;
            }
            if (c == ' ' && depth == 0 && !quoted) {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        String name = help.commandSpec().qualifiedName();
        int indent = help.synopsisHeadingLength() + name.length() + 1;
        StringBuilder b = new StringBuilder();
        int column = help.synopsisHeadingLength();
        for (String p : parts) {
            if (p.isEmpty()) {
                continue;
            }
            if (column > indent && column + 1 + p.length() > WIDTH) {
                b.append('\n').append(" ".repeat(indent));
                column = indent;
            } else if (b.length() > 0) {
                b.append(' ');
                column++;
            }
            b.append(p);
            column += p.length();
        }
        return b.append('\n').toString();
    }

    private static String commandList(Help help) {
        Map<String, Help> commands = help.subcommands();
        if (commands.isEmpty()) {
            return "";
        }
        int nameWidth = commands.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Help> e : commands.entrySet()) {
            UsageMessageSpec usage = e.getValue().commandSpec().usageMessage();
            if (usage.hidden()) {
                continue;
            }
            String[] summary = usage.header().length > 0 ? usage.header() : usage.description();
            String first = summary.length > 0 ? formatted(summary[0]) : "";
            String indent = " ".repeat(2 + nameWidth);
            List<String> lines = wrap(first, WIDTH - indent.length() - 2);
            b.append("  ").append(String.format("%-" + nameWidth + "s", e.getKey()))
                    .append(lines.isEmpty() ? "" : lines.get(0)).append('\n');
            for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                b.append(indent).append("  ").append(l).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Each paragraph wrapped at spaces. Indented lines (examples) stay as written when they fit; a list item ("* "
     * or "- ") is joined with the lines under it and wrapped, its continuation lines under the item's text.
     */
    static List<String> wrapAll(String[] paragraphs, int width) {
        List<String> out = new ArrayList<>();
        List<String> lines = formatted(paragraphs);
        for (int i = 0; i < lines.size(); i++) {
            String p = lines.get(i);
            if (p.isBlank()) {
                out.add("");
            } else if (Character.isWhitespace(p.charAt(0))) {
                int hang = hang(p);
                StringBuilder item = new StringBuilder(p.stripTrailing());
                while (hang > indentOf(p) && i + 1 < lines.size() && !lines.get(i + 1).isBlank()
                        && indentOf(lines.get(i + 1)) == hang && hang(lines.get(i + 1)) == hang) {
                    item.append(' ').append(lines.get(++i).strip());
                }
                out.addAll(hanging(item.toString(), width));
            } else {
                out.addAll(wrap(p, width));
            }
        }
        return out;
    }

    private static int indentOf(String line) {
        return line.length() - line.stripLeading().length();
    }

    /** Where a list item's text starts: after its "* " or "- "; for other lines, their indentation. */
    private static int hang(String line) {
        String body = line.stripLeading();
        return indentOf(line) + (body.startsWith("* ") || body.startsWith("- ") ? 2 : 0);
    }

    /**
     * An indented line (a list item) as written when it fits; else wrapped at spaces, its continuation lines under
     * the item's text.
     */
    private static List<String> hanging(String line, int width) {
        if (line.length() <= width) {
            return List.of(line);
        }
        int lead = indentOf(line);
        int hang = hang(line);
        List<String> out = new ArrayList<>();
        List<String> parts = wrap(line.substring(lead), width - hang);
        for (int i = 0; i < parts.size(); i++) {
            out.add(" ".repeat(i == 0 ? lead : hang) + parts.get(i));
        }
        return out;
    }

    /** Breaks only at spaces; a word longer than the width gets a line of its own rather than being cut. */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : words(text)) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        if (!line.isEmpty()) {
            out.add(line.toString());
        }
        return out;
    }

    /**
     * The text's words; a short quoted command ('ulimit -n', 'istioctl install --set') counts as one, so it is
     * never split across lines.
     */
    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder quoted = null;
        for (String w : text.strip().split(" +")) {
            if (quoted != null) {
                quoted.append(' ').append(w);
                if (w.indexOf('\'') >= 0 || quoted.length() > 40) {
                    out.add(quoted.toString());
                    quoted = null;
                }
            } else if (w.replaceFirst("^\\(", "").startsWith("'") && w.chars().filter(c -> c == '\'').count() == 1) {
                quoted = new StringBuilder(w);
            } else {
                out.add(w);
            }
        }
        if (quoted != null) {
            out.add(quoted.toString());
        }
        return out;
    }

    /** Picocli's format specifiers in help text: %n is a line break, %% a percent sign. */
    private static List<String> formatted(String[] lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.addAll(List.of(formatted(l).split("\n", -1)));
        }
        return out;
    }

    private static String formatted(String line) {
        return line.replace("%n", "\n").replace("%%", "%");
    }

    private static String lines(List<String> lines) {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }
}
