package io.pororoca.trino.security;

import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.connector.ColumnSchema;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;
import io.trino.spi.security.ViewExpression;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Safe by default: a column nobody has classified or reviewed yet (a source added it, schema evolution brought it
 * into bronze and silver) reads as NULL for the masked roles until a steward decides. The file-based rules mask
 * classified columns; this control masks every other column of the watched namespaces that the reviewed-columns
 * file (compiled by `pororoca governance sync` from governance/lgpd/) does not name, so the two never mask the
 * same column. The file is re-read when it changes, but only once it is older than the file-based rules' refresh
 * period: a column that just became classified stays masked here until the rules surely mask it there, so there
 * is no moment in which neither does (there may be one in which both do: Trino then fails the query, closed).
 */
public final class UnreviewedColumnMasks implements InvocationHandler {
    public static final String NAME = "pororoca-unreviewed-columns";
    private static final Logger LOG = Logger.getLogger(NAME);
    private static final long SETTLE_MILLIS = 15_000;

    private record Reviewed(String catalog, Set<String> groups, Set<String> namespaces,
                            Map<String, Set<String>> everyTable, Map<String, Set<String>> tables) {
        boolean known(String schema, String table, String column) {
            return everyTable.getOrDefault(schema, Set.of()).contains(column)
                    || tables.getOrDefault(schema + "." + table, Set.of()).contains(column);
        }
    }

    private final Path file;
    private volatile Reviewed reviewed;
    private volatile long loadedMtime;

    private UnreviewedColumnMasks(Path file) throws IOException {
        this.file = file;
        this.loadedMtime = Files.getLastModifiedTime(file).toMillis();
        this.reviewed = load(file);
    }

    public static SystemAccessControl create(Map<String, String> config) {
        Map<String, String> rest = new HashMap<>(config);
        String path = rest.remove("columns-file");
        if (path == null || !rest.isEmpty()) {
            throw new IllegalArgumentException(NAME + ": expected exactly columns-file=<path>, got " + config.keySet());
        }
        UnreviewedColumnMasks handler;
        try {
            handler = new UnreviewedColumnMasks(Path.of(path));
        }
        catch (IOException | RuntimeException e) {
            // Fail closed at start: without the file nobody knows which columns are safe.
            throw new IllegalStateException(NAME + ": cannot read " + path + " (run `pororoca governance sync`)", e);
        }
        return (SystemAccessControl) Proxy.newProxyInstance(
                SystemAccessControl.class.getClassLoader(), new Class<?>[] {SystemAccessControl.class}, handler);
    }

    private static Set<String> list(String value) {
        Set<String> out = new HashSet<>();
        if (value != null) {
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    out.add(item.strip());
                }
            }
        }
        return Set.copyOf(out);
    }

    private static Reviewed load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            p.load(reader);
        }
        String catalog = p.getProperty("catalog");
        if (catalog == null) {
            throw new IOException(file + ": no catalog= line");
        }
        Map<String, Set<String>> every = new HashMap<>();
        Map<String, Set<String>> tables = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("every.")) {
                every.put(key.substring("every.".length()), list(p.getProperty(key)));
            }
            else if (key.startsWith("table.")) {
                tables.put(key.substring("table.".length()), list(p.getProperty(key)));
            }
        }
        return new Reviewed(catalog, list(p.getProperty("groups")), list(p.getProperty("namespaces")),
                Map.copyOf(every), Map.copyOf(tables));
    }

    private Reviewed current() {
        try {
            long mtime = Files.getLastModifiedTime(file).toMillis();
            if (mtime != loadedMtime && System.currentTimeMillis() - mtime >= SETTLE_MILLIS) {
                synchronized (this) {
                    if (mtime != loadedMtime) {
                        reviewed = load(file);
                        loadedMtime = mtime;
                        LOG.info(NAME + ": reloaded " + file);
                    }
                }
            }
        }
        catch (IOException | RuntimeException e) {
            // Keep the last good list: a half-edited file must not unmask anything.
            LOG.warning(NAME + ": keeping the previous list, cannot reload " + file + ": " + e);
        }
        return reviewed;
    }

    private Map<ColumnSchema, ViewExpression> masks(SystemSecurityContext context, CatalogSchemaTableName table,
                                                    List<ColumnSchema> columns) {
        Reviewed r = current();
        String schema = table.getSchemaTableName().getSchemaName();
        String name = table.getSchemaTableName().getTableName();
        if (!r.catalog().equals(table.getCatalogName()) || !r.namespaces().contains(schema) || name.contains("$")) {
            return Map.of();
        }
        boolean masked = context.getIdentity().getGroups().stream().anyMatch(r.groups()::contains);
        if (!masked) {
            return Map.of();
        }
        Map<ColumnSchema, ViewExpression> out = new LinkedHashMap<>();
        for (ColumnSchema column : columns) {
            if (!r.known(schema, name, column.getName())) {
                out.put(column, ViewExpression.builder().expression("NULL").build());
            }
        }
        return out;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object invoke(Object proxy, Method method, Object[] args) {
        String name = method.getName();
        Class<?> returns = method.getReturnType();
        switch (name) {
            case "getColumnMasks" -> {
                if (args.length == 3 && args[2] instanceof List<?>) {
                    return masks((SystemSecurityContext) args[0], (CatalogSchemaTableName) args[1], (List<ColumnSchema>) args[2]);
                }
            }
            case "toString" -> {
                return NAME;
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return proxy == args[0];
            }
            default -> {
            }
        }
        return AllowEverythingElse.answer(NAME, method, args, returns);
    }
}
