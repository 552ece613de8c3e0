package dev.lora4j.testing;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON arrays printed by the Python references, as Java arrays. */
public final class JsonArrays {
    private JsonArrays() {}

    public static double[] doubles(JsonNode arr) {
        double[] v = new double[arr.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = arr.get(i).asDouble();
        }
        return v;
    }

    /** Integers (also when printed as floats, e.g. 5.0). */
    public static long[] longs(JsonNode arr) {
        long[] v = new long[arr.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode n = arr.get(i);
            v[i] = n.isIntegralNumber() ? n.asLong() : (long) n.asDouble();
        }
        return v;
    }
}
