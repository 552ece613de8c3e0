package dev.lora4j.data;

import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 4180 CSV parser over text already in memory. Fields are separated by commas; a field that starts
 * with a double quote runs to the next lone double quote and may contain commas, line breaks and doubled
 * quotes ({@code ""} stands for one {@code "}). Records end at CRLF, LF or a lone CR outside quotes, as
 * files written on any platform (and by Python's csv module or pandas) do.
 *
 * <p>Two departures from RFC 4180 are reported rather than rejected outright, so that one bad record does
 * not lose the rest of the file: a quote inside an unquoted field, and text between a closing quote and
 * the next comma. Such a record comes back with a {@link CsvRecord#problem()}. A quoted field still open at
 * the end of the file is a {@link CsvFormatException}: from its opening quote on, nothing can be trusted.
 */
final class CsvRecordReader {
    private static final char QUOTE = '"';
    private static final char SEPARATOR = ',';

    private final String text;
    private int position;
    private long line = 1;

    CsvRecordReader(String text) {
        this.text = text;
    }

    /** The next record, or null at the end of the text. Empty lines are skipped: they hold no record. */
    CsvRecord next() throws CsvFormatException {
        while (position < text.length() && atLineBreak()) {
            consumeLineBreak();
        }
        if (position >= text.length()) {
            return null;
        }
        long startLine = line;
        List<String> fields = new ArrayList<>();
        String problem = null;
        StringBuilder field = new StringBuilder();
        boolean recordEnded = false;
        while (!recordEnded) {
            field.setLength(0);
            if (position < text.length() && text.charAt(position) == QUOTE) {
                long quoteLine = line;
                position++;
                if (!readQuotedContent(field)) {
                    throw new CsvFormatException(quoteLine, "quoted field opened on line " + quoteLine
                            + " is never closed");
                }
                // After the closing quote only a separator or the end of the record may follow.
                if (position < text.length() && text.charAt(position) != SEPARATOR && !atLineBreak()) {
                    problem = firstProblem(problem, "text after the closing quote of field " + (fields.size() + 1)
                            + " on line " + line);
                    readUnquotedContent(field);
                }
            } else {
                if (readUnquotedContent(field)) {
                    problem = firstProblem(problem, "quote inside the unquoted field " + (fields.size() + 1)
                            + " on line " + line);
                }
            }
            fields.add(field.toString());
            if (position < text.length() && text.charAt(position) == SEPARATOR) {
                position++;
            } else {
                if (position < text.length()) {
                    consumeLineBreak();
                }
                recordEnded = true;
            }
        }
        return new CsvRecord(startLine, fields, problem);
    }

    /** Reads quoted content after the opening quote, through the closing quote; false if it never closes. */
    private boolean readQuotedContent(StringBuilder field) {
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == QUOTE) {
                if (position + 1 < text.length() && text.charAt(position + 1) == QUOTE) {
                    field.append(QUOTE);
                    position += 2;
                    continue;
                }
                position++;
                return true;
            }
            if (atLineBreak()) {
                // Keep the line break exactly as written; count it for line numbers.
                int before = position;
                consumeLineBreak();
                field.append(text, before, position);
                continue;
            }
            field.append(c);
            position++;
        }
        return false;
    }

    /** Reads up to the next separator or line break; true if the content held a quote character. */
    private boolean readUnquotedContent(StringBuilder field) {
        boolean sawQuote = false;
        while (position < text.length() && text.charAt(position) != SEPARATOR && !atLineBreak()) {
            char c = text.charAt(position);
            sawQuote |= c == QUOTE;
            field.append(c);
            position++;
        }
        return sawQuote;
    }

    private boolean atLineBreak() {
        char c = text.charAt(position);
        return c == '\n' || c == '\r';
    }

    /** Consumes one CRLF, LF or CR. */
    private void consumeLineBreak() {
        if (text.charAt(position) == '\r' && position + 1 < text.length() && text.charAt(position + 1) == '\n') {
            position += 2;
        } else {
            position++;
        }
        line++;
    }

    private static String firstProblem(String existing, String found) {
        return existing != null ? existing : found;
    }
}
