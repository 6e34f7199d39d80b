package io.pororoca.trino.audit;

import io.trino.spi.Plugin;
import io.trino.spi.eventlistener.EventListener;
import io.trino.spi.eventlistener.EventListenerFactory;
import io.trino.spi.security.SystemAccessControl;
import io.trino.spi.security.SystemAccessControlFactory;
import io.pororoca.trino.security.TableProcedureAccessControl;

import java.util.List;
import java.util.Map;

public final class AuditPlugin implements Plugin {
    @Override
    public Iterable<SystemAccessControlFactory> getSystemAccessControlFactories() {
        return List.of(new SystemAccessControlFactory() {
            @Override
            public String getName() {
                return TableProcedureAccessControl.NAME;
            }

            @Override
            public SystemAccessControl create(Map<String, String> config, SystemAccessControlContext context) {
                return TableProcedureAccessControl.create(config);
            }
        });
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
