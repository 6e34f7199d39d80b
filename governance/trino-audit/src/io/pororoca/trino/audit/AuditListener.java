package io.pororoca.trino.audit;

import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.QueryCompletedEvent;
import io.trino.spi.eventlistener.QueryContext;
import io.trino.spi.eventlistener.QueryInputMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** One Kafka record per completed query (see README.md). */
public final class AuditListener implements EventListener {
    private static final String CLIENT_PREFIX = "kafka.client.";
    private static final Logger LOG = Logger.getLogger(AuditListener.class.getName());

    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final Path spool;
    private final byte[] fingerprintKey;

    public AuditListener(Map<String, String> config) {
        this.topic = require(config, "kafka.topic");
        // The query text can hold a CPF: a plain hash of it is reversed by hashing the candidates. Keyed, it is not.
        this.fingerprintKey = require(config, "fingerprint.key").getBytes(StandardCharsets.UTF_8);
        this.spool = Path.of(require(config, "spool.path"));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, require(config, "kafka.bootstrap-servers"));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        // Trino calls listeners as queries complete: never hold a query up waiting for an absent broker.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "trino-audit");
        // kafka.client.<setting> passes a Kafka producer setting through (SASL identity and the like).
        config.forEach((key, value) -> {
            if (key.startsWith(CLIENT_PREFIX)) {
                props.put(key.substring(CLIENT_PREFIX.length()), value);
            }
        });
        // Kafka resolves classes through the thread's context loader; Trino's is not this plugin's.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(AuditListener.class.getClassLoader());
        try {
            this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        }
        finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static String require(Map<String, String> config, String key) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("pororoca-audit: missing required property " + key);
        }
        return value;
    }

    @Override
    public void queryCompleted(QueryCompletedEvent event) {
        String record = AuditRecord.json(fields(event, fingerprintKey));
        String key = event.getMetadata().getQueryId();
        producer.send(new ProducerRecord<>(topic, key, record), (metadata, error) -> {
            if (error != null) {
                spool(record, error);
            }
        });
    }

    private synchronized void spool(String record, Exception error) {
        LOG.log(Level.WARNING, "audit record not delivered to Kafka, spooled to " + spool, error);
        try {
            Files.writeString(spool, record + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (IOException e) {
            LOG.log(Level.SEVERE, "audit record lost: cannot write the spool file " + spool, e);
        }
    }

    static AuditRecord.Fields fields(QueryCompletedEvent event, byte[] fingerprintKey) {
        QueryContext context = event.getContext();
        TreeSet<String> tables = new TreeSet<>();
        TreeSet<String> columns = new TreeSet<>();
        for (QueryInputMetadata input : event.getIoMetadata().getInputs()) {
            String table = input.getCatalogName() + "." + input.getSchema() + "." + input.getTable();
            tables.add(table);
            for (QueryInputMetadata.Column column : input.getColumns()) {
                columns.add(table + "." + column.name());
            }
        }
        String output = event.getIoMetadata().getOutput()
                .map(o -> o.getCatalogName() + "." + o.getSchema() + "." + o.getTable())
                .orElse(null);
        return new AuditRecord.Fields(
                event.getMetadata().getQueryId(),
                context.getUser(),
                new ArrayList<>(new TreeSet<>(context.getGroups())),
                context.getSource().orElse(null),
                context.getQueryType().map(Enum::name).orElse(null),
                event.getMetadata().getQueryState(),
                event.getFailureInfo().map(f -> f.getErrorCode().getName()).orElse(null),
                fingerprint(fingerprintKey, event.getMetadata().getQuery()),
                event.getCreateTime().toEpochMilli(),
                event.getEndTime().toEpochMilli(),
                new ArrayList<>(tables),
                new ArrayList<>(columns),
                output,
                context.getRemoteClientAddress().orElse(null),
                context.getUserAgent().orElse(null),
                denied(event));
    }

    /**
     * What a denied query tried ("Cannot select from columns [cpf] in table ... silver_pii.customers"): a denied
     * query is analysed no further, so its inputs are empty and only Trino's message names the object. Access
     * denials name objects and privileges, never values; other failures are not copied (their text may quote one).
     */
    static String denied(QueryCompletedEvent event) {
        return event.getFailureInfo()
                .filter(f -> f.getErrorCode().getName().equals("PERMISSION_DENIED"))
                .flatMap(f -> f.getFailureMessage())
                .map(m -> m.length() > 500 ? m.substring(0, 500) : m)
                .orElse(null);
    }

    /** HMAC-SHA256 of the query text under the stack's generated audit key. */
    static String fingerprint(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void shutdown() {
        producer.close();
    }
}
