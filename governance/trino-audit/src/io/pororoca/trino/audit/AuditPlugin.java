package io.pororoca.trino.audit;

import io.trino.spi.Plugin;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemAccessControlFactory;
import io.pororoca.trino.security.TableProcedureAccessControl;
import io.pororoca.trino.security.UnreviewedColumnMasks;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

public final class AuditPlugin implements Plugin {
    @Override
    public Iterable<SystemAccessControlFactory> getSystemAccessControlFactories() {
        return List.of(
                factory(TableProcedureAccessControl.NAME, TableProcedureAccessControl::create),
                factory(UnreviewedColumnMasks.NAME, UnreviewedColumnMasks::create));
    }

    private static SystemAccessControlFactory factory(String name, Function<Map<String, String>, SystemAccessControl> create) {
        return new SystemAccessControlFactory() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public SystemAccessControl create(Map<String, String> config, SystemAccessControlContext context) {
                return create.apply(config);
            }
        };
    }

    @Override
    public Iterable<EventListenerFactory> getEventListenerFactories() {
        return List.of(new EventListenerFactory() {
            @Override
            public String getName() {
                return "pororoca-audit";
            }

            @Override
            public EventListener create(Map<String, String> config, EventListenerContext context) {
                return new AuditListener(config);
            }
        });
    }
}
