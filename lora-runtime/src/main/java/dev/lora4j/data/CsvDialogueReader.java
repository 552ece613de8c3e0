package dev.lora4j.data;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lora4j.Lora4jException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads CSV with a header row (the Hugging Face export layout {@code id,dialogue,summary,topic}, or any
 * columns named by a {@link FieldMapping}). Columns are found by header name, in any order; extra columns
 * are ignored. A header that lacks a mapped column, repeats a name, or a quoted field that never closes
 * fails the load whatever the policy; a record with the wrong number of fields or a quoting problem is an
 * invalid row.
 */
public final class CsvDialogueReader {
    private CsvDialogueReader() {}

    /**
     * Reads a file, failing on the first invalid row and normalizing line endings.
     *
     * @param file    the CSV file, UTF-8, with a header row
     * @param mapping which fields hold the parts of an example
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read or a row is invalid
     */
    public static LoadedDataset read(Path file, FieldMapping mapping) {
        return read(file, mapping, ReadOptions.defaults());
    }

    /**
     * Reads a file with the given options.
     *
     * @param file    the CSV file, UTF-8, with a header row
     * @param mapping which fields hold the parts of an example
     * @param options what to do with invalid rows and line endings
     * @return the examples and the load report
     * @throws dev.lora4j.Lora4jException when the file cannot be read or is malformed, or a row is invalid
     *     and the options say fail
     */
    public static LoadedDataset read(Path file, FieldMapping mapping, ReadOptions options) {
        CsvRecordReader records = new CsvRecordReader(TextFiles.readUtf8(file));
        RowConverter converter = new RowConverter(mapping, options);
        RowCollector rows = new RowCollector(file, options.onInvalid());
        try {
            CsvRecord header = records.next();
            List<String> columns = checkedHeader(file, header, mapping);
            for (CsvRecord record = records.next(); record != null; record = records.next()) {
                if (!record.wellFormed()) {
                    rows.reject(record.line(), "malformed CSV: " + record.problem());
                } else if (record.fields().size() != columns.size()) {
                    rows.reject(record.line(), "expected " + columns.size() + " fields (as in the header), got "
                            + record.fields().size());
                } else {
                    try {
                        rows.accept(converter.convert(asObject(columns, record.fields()), record.line()));
                    } catch (InvalidRowException e) {
                        rows.reject(record.line(), e.getMessage());
                    }
                }
            }
        } catch (CsvFormatException e) {
            throw new Lora4jException("data", RowCollector.location(file, e.line()) + ": malformed CSV: " + e.getMessage(), e);
        }
        return rows.finish();
    }

    private static List<String> checkedHeader(Path file, CsvRecord header, FieldMapping mapping) {
        if (header == null) {
            throw new Lora4jException("data", file + ": empty CSV file, expected a header row");
        }
        String where = RowCollector.location(file, header.line());
        if (!header.wellFormed()) {
            throw new Lora4jException("data", where + ": malformed CSV header: " + header.problem());
        }
        Set<String> seen = new HashSet<>();
        for (String column : header.fields()) {
            if (!seen.add(column)) {
                throw new Lora4jException("data", where + ": column '" + column + "' appears twice in the header");
            }
        }
        for (String required : mapping.requiredFields()) {
            if (!seen.contains(required)) {
                throw new Lora4jException("data", where + ": header " + header.fields()
                        + " has no column '" + required + "'");
            }
        }
        return header.fields();
    }

    /** The record as a JSON object of strings, so CSV and JSON rows share one converter. */
    private static ObjectNode asObject(List<String> columns, List<String> values) {
        ObjectNode row = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < columns.size(); i++) {
            row.put(columns.get(i), values.get(i));
        }
        return row;
    }
}
