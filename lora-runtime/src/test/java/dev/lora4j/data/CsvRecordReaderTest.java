package dev.lora4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RFC 4180 parser on its own: quoting, line breaks, line numbers and its two kinds of error. */
class CsvRecordReaderTest {

    private static List<CsvRecord> readAll(String text) throws CsvFormatException {
        CsvRecordReader reader = new CsvRecordReader(text);
        List<CsvRecord> records = new ArrayList<>();
        for (CsvRecord r = reader.next(); r != null; r = reader.next()) {
            records.add(r);
        }
        return records;
    }

    @Test
    void plainAndQuotedFields() throws CsvFormatException {
        List<CsvRecord> records = readAll("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"\"\n");
        assertEquals(List.of("a", "b", "c"), records.get(0).fields());
        assertEquals(List.of("x, y", "say \"hi\"", ""), records.get(1).fields());
        assertTrue(records.get(1).wellFormed());
    }

    @Test
    void quotedFieldsKeepTheirLineBreaksAndLineNumbersCountThem() throws CsvFormatException {
        List<CsvRecord> records = readAll("h1,h2\r\n\"line1\r\nline2\nline3\",b\r\nnext,row");
        assertEquals(List.of("line1\r\nline2\nline3", "b"), records.get(1).fields());
        assertEquals(1, records.get(0).line());
        assertEquals(2, records.get(1).line());
        assertEquals(5, records.get(2).line());
        assertEquals(List.of("next", "row"), records.get(2).fields());
    }

    @Test
    void recordEndingsAndEmptyFields() throws CsvFormatException {
        List<CsvRecord> records = readAll("a,b\rc,\n\n,d\r\n");
        assertEquals(List.of(List.of("a", "b"), List.of("c", ""), List.of("", "d")),
                records.stream().map(CsvRecord::fields).toList());
        // The empty line 3 holds no record.
        assertEquals(List.of(1L, 2L, 4L), records.stream().map(CsvRecord::line).toList());
    }

    @Test
    void strayQuotesAreReportedButParsingGoesOn() throws CsvFormatException {
        List<CsvRecord> records = readAll("ab\"c,d\n\"q\"x,e\nok,fine\n");
        assertTrue(records.get(0).problem().contains("quote inside the unquoted field 1"), records.get(0).problem());
        assertTrue(records.get(1).problem().contains("text after the closing quote of field 1"), records.get(1).problem());
        assertEquals(List.of("qx", "e"), records.get(1).fields());
        assertTrue(records.get(2).wellFormed());
        assertEquals(List.of("ok", "fine"), records.get(2).fields());
    }

    @Test
    void anUnclosedQuoteIsFatalAndNamesItsLine() {
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> readAll("a,b\nc,\"never\nclosed\n"));
        assertEquals(2, e.line());
    }

    @Test
    void emptyText() throws CsvFormatException {
        assertNull(new CsvRecordReader("").next());
        assertNull(new CsvRecordReader("\n\r\n").next());
    }
}
