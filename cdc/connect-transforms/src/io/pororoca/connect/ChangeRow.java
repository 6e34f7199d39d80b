package io.pororoca.connect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * A schemaless Debezium change event (a map with op, before, after, source, ts_ms) as one bronze row: the row
 * image (after; for a delete the removed row, before) plus envelope fields under column names, as Debezium's
 * ExtractNewRecordState does for records with schemas (it passes schemaless ones through untouched).
 *
 * <p>{@code fields} lists {@code path:column} pairs, a path being a top-level envelope field ({@code op}) or one
 * of the source block ({@code source.lsn}). A record without a usable row image is an error, so the sink's
 * dead-letter topic gets it instead of bronze losing it; a tombstone (null value) is dropped, as Debezium's
 * transform drops it. An event with its schema embedded (JsonConverter with schemas) is read by its payload.
 */
public final class ChangeRow<R extends ConnectRecord<R>> implements Transformation<R> {
  public static final String FIELDS = "fields";
  private static final ConfigDef CONFIG =
      new ConfigDef()
          .define(
              FIELDS,
              ConfigDef.Type.LIST,
              ConfigDef.Importance.HIGH,
              "envelope fields to add to the row, as path:column (op:_op,source.ts_ms:_source_ts)");

  private final List<String[]> fields = new ArrayList<>();

  @Override
  public void configure(Map<String, ?> configs) {
    Object listed = CONFIG.parse(configs).get(FIELDS);
    fields.clear();
    for (Object item : (List<?>) listed) {
      String pair = item.toString().trim();
      int colon = pair.indexOf(':');
      if (colon <= 0 || colon == pair.length() - 1) {
        throw new ConfigException(FIELDS, pair, "expected path:column, e.g. source.lsn:_source_lsn");
      }
      fields.add(new String[] {pair.substring(0, colon), pair.substring(colon + 1)});
    }
  }

  @Override
  public R apply(R record) {
    Object value = record.value();
    if (value == null) {
      return null;
    }
    if (!(value instanceof Map)) {
      throw new DataException(
          "expected a Debezium change event as schemaless JSON on " + record.topic() + ", got "
              + value.getClass().getSimpleName());
    }
    Map<?, ?> event = (Map<?, ?>) value;
    if (event.get("payload") instanceof Map && event.containsKey("schema")) {
      // Written before the topics went schemaless (an upgrade's backlog): the event is the payload.
      event = (Map<?, ?>) event.get("payload");
    }
    Object op = event.get("op");
    Object image = "d".equals(op) ? event.get("before") : event.get("after");
    if (!(image instanceof Map)) {
      throw new DataException(
          "a change event on " + record.topic() + " (op " + op + ") has no row image");
    }
    Map<String, Object> row = new LinkedHashMap<>();
    ((Map<?, ?>) image).forEach((k, v) -> row.put(k.toString(), v));
    for (String[] field : fields) {
      row.put(field[1], lookup(event, field[0]));
    }
    return record.newRecord(
        record.topic(),
        record.kafkaPartition(),
        record.keySchema(),
        record.key(),
        null,
        row,
        record.timestamp(),
        record.headers());
  }

  private static Object lookup(Map<?, ?> event, String path) {
    Object at = event;
    for (String part : path.split("\\.")) {
      if (!(at instanceof Map)) {
        return null;
      }
      at = ((Map<?, ?>) at).get(part);
    }
    return at;
  }

  @Override
  public ConfigDef config() {
    return CONFIG;
  }

  @Override
  public void close() {}
}
