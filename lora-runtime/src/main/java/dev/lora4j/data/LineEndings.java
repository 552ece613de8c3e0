package dev.lora4j.data;

/** Line-ending normalization for text fields: "\r\n" and lone "\r" become "\n". */
final class LineEndings {
    private LineEndings() {}

    static String normalize(String text) {
        if (text.indexOf('\r') < 0) {
            return text;
        }
        return text.replace("\r\n", "\n").replace('\r', '\n');
    }
}
