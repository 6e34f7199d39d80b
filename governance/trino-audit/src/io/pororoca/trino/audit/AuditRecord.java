package io.pororoca.trino.audit;

import java.util.List;

/** The record as Kafka Connect JSON (schema + payload), so the Iceberg sink creates typed columns. */
final class AuditRecord {
    private AuditRecord() {}

    record Fields(
            String queryId,
            String user,
            List<String> groups,
            String source,
            String queryType,
            String state,
            String errorCode,
            String querySha256,
            long createdAtMillis,
            long endedAtMillis,
            List<String> tables,
            List<String> columns,
            String outputTable,
            String remoteAddress,
            String userAgent,
            String denied) {}

    private static final String SCHEMA = "{\"type\":\"struct\",\"name\":\"pororoca.audit.TrinoQuery\",\"optional\":false,\"fields\":["
            + field("query_id", "string", false) + ","
            + field("user", "string", false) + ","
            + array("groups") + ","
            + field("source", "string", true) + ","
            + field("query_type", "string", true) + ","
            + field("state", "string", false) + ","
            + field("error_code", "string", true) + ","
            + field("query_sha256", "string", false) + ","
            + timestamp("created_at") + ","
            + timestamp("ended_at") + ","
            + array("tables") + ","
            + array("columns") + ","
            + field("output_table", "string", true) + ","
            + field("remote_address", "string", true) + ","
            + field("user_agent", "string", true) + ","
            + field("denied", "string", true)
            + "]}";

    private static String field(String name, String type, boolean optional) {
        return "{\"field\":\"" + name + "\",\"type\":\"" + type + "\",\"optional\":" + optional + "}";
    }

    private static String array(String name) {
        return "{\"field\":\"" + name + "\",\"type\":\"array\",\"optional\":false,\"items\":{\"type\":\"string\",\"optional\":false}}";
    }

    private static String timestamp(String name) {
        return "{\"field\":\"" + name + "\",\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}";
    }

    static String json(Fields f) {
        StringBuilder b = new StringBuilder(512).append("{\"schema\":").append(SCHEMA).append(",\"payload\":{");
        b.append("\"query_id\":").append(str(f.queryId()));
        b.append(",\"user\":").append(str(f.user()));
        b.append(",\"groups\":").append(list(f.groups()));
        b.append(",\"source\":").append(str(f.source()));
        b.append(",\"query_type\":").append(str(f.queryType()));
        b.append(",\"state\":").append(str(f.state()));
        b.append(",\"error_code\":").append(str(f.errorCode()));
        b.append(",\"query_sha256\":").append(str(f.querySha256()));
        b.append(",\"created_at\":").append(f.createdAtMillis());
        b.append(",\"ended_at\":").append(f.endedAtMillis());
        b.append(",\"tables\":").append(list(f.tables()));
        b.append(",\"columns\":").append(list(f.columns()));
        b.append(",\"output_table\":").append(str(f.outputTable()));
        b.append(",\"remote_address\":").append(str(f.remoteAddress()));
        b.append(",\"user_agent\":").append(str(f.userAgent()));
        b.append(",\"denied\":").append(str(f.denied()));
        return b.append("}}").toString();
    }

    private static String list(List<String> values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "" : ",").append(str(values.get(i)));
        }
        return b.append(']').toString();
    }

    static String str(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    }
                    else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
