package io.pororoca.trino.security;

import io.trino.spi.connector.CatalogSchemaTableName;
import io.trino.spi.security.AccessDeniedException;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemSecurityContext;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Trino's file-based access control allows every table procedure (ALTER TABLE ... EXECUTE optimize,
 * remove_orphan_files, expire_snapshots) to anyone who can see the table, read-only roles included. This control
 * runs beside it (access-control.config-files: every control must allow) and decides only that: a group may run
 * table procedures on the schemas matching its pattern ({@code group.<name>=<regex>}, compiled from
 * governance/lgpd/access.toml). Every other check it allows, so the file-based rules alone decide them.
 */
public final class TableProcedureAccessControl implements InvocationHandler {
    public static final String NAME = "pororoca-table-procedures";
    private static final String GROUP_PREFIX = "group.";

    private final Map<String, Pattern> schemasByGroup;

    private TableProcedureAccessControl(Map<String, Pattern> schemasByGroup) {
        this.schemasByGroup = schemasByGroup;
    }

    public static SystemAccessControl create(Map<String, String> config) {
        Map<String, Pattern> groups = new java.util.HashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith(GROUP_PREFIX)) {
                groups.put(key.substring(GROUP_PREFIX.length()), Pattern.compile(value));
            }
            else {
                throw new IllegalArgumentException(NAME + ": unknown property " + key + " (expected group.<name>=<schema regex>)");
            }
        });
        // A proxy answers the SPI's ~80 checks with "allow" without listing them: new checks added by a Trino
        // upgrade stay decided by the file-based rules instead of failing closed here for everyone.
        return (SystemAccessControl) Proxy.newProxyInstance(
                SystemAccessControl.class.getClassLoader(),
                new Class<?>[] {SystemAccessControl.class},
                new TableProcedureAccessControl(Map.copyOf(groups)));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        String name = method.getName();
        Class<?> returns = method.getReturnType();
        switch (name) {
            case "checkCanExecuteTableProcedure" -> {
                checkTableProcedure((SystemSecurityContext) args[0], (CatalogSchemaTableName) args[1], (String) args[2]);
                return null;
            }
            case "toString" -> {
                return NAME + schemasByGroup.keySet();
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

    private void checkTableProcedure(SystemSecurityContext context, CatalogSchemaTableName table, String procedure) {
        String schema = table.getSchemaTableName().getSchemaName();
        for (String group : context.getIdentity().getGroups()) {
            Pattern schemas = schemasByGroup.get(group);
            if (schemas != null && schemas.matcher(schema).matches()) {
                return;
            }
        }
        throw new AccessDeniedException("Cannot execute table procedure " + procedure + " on " + table
                + ": only roles that maintain tables may (governance/lgpd/access.toml)");
    }
}
