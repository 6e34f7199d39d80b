package io.pororoca.connect;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Schemaless JSON in and out, with every fractional number kept as the exact decimal it was written as.
 *
 * <p>Kafka's JsonConverter without schemas reads fractional numbers as doubles, which rounds money; with schemas
 * each record carries its schema and parsing that costs about half of the sink's time. This reads the bare
 * value into maps, lists, strings, booleans, integral numbers and BigDecimals; the Iceberg sink then converts each
 * value to its column's type from the table's contract.
 */
public final class ExactJsonConverter implements Converter {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {}

  @Override
  public ConfigDef config() {
    return new ConfigDef();
  }

  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new DataException("cannot write the value of a record for topic " + topic + " as JSON", e);
    }
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    if (value == null) {
      return SchemaAndValue.NULL;
    }
    try {
      return new SchemaAndValue(null, MAPPER.readValue(value, Object.class));
    } catch (IOException e) {
      throw new DataException("a record on " + topic + " is not JSON: " + e.getMessage(), e);
    }
  }
}
