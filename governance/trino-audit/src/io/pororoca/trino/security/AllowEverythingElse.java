package io.pororoca.trino.security;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The answer of a control that decides one thing to the SPI's ~80 other checks: allow, filter nothing, add no
 * mask or filter. Our controls run beside the file-based rules (every control must allow), so those rules alone
 * decide everything else, including checks a Trino upgrade adds (they stay decided there instead of failing
 * closed here for everyone).
 */
final class AllowEverythingElse {
    private AllowEverythingElse() {
    }

    static Object answer(String control, Method method, Object[] args, Class<?> returns) {
        if (returns == void.class) {
            return null;
        }
        if (returns == boolean.class) {
            return true;
        }
        if (returns == Optional.class) {
            return Optional.empty();
        }
        if (method.getName().startsWith("filter") && args != null) {
            // filterX(context, ..., candidates): every candidate stays.
            for (int i = args.length - 1; i >= 0; i--) {
                if (args[i] != null && returns.isInstance(args[i])) {
                    return args[i];
                }
            }
        }
        if (Map.class.isAssignableFrom(returns)) {
            return Map.of();
        }
        if (Set.class.isAssignableFrom(returns)) {
            return Set.of();
        }
        if (List.class.isAssignableFrom(returns) || Collection.class.isAssignableFrom(returns) || Iterable.class.isAssignableFrom(returns)) {
            return List.of();
        }
        throw new UnsupportedOperationException(control + ": no answer for " + method);
    }
}
