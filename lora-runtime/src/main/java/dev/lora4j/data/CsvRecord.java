package dev.lora4j.data;

import java.util.List;

/**
 * One CSV record: the 1-based line it starts on, its fields, and a quoting problem if it has one (null when
 * well formed). A record with a problem still has fields, parsed the lenient way Python's csv module does,
 * so that the reader can move on to the next record.
 */
record CsvRecord(long line, List<String> fields, String problem) {

    CsvRecord {
        fields = List.copyOf(fields);
    }

    boolean wellFormed() {
        return problem == null;
    }
}
