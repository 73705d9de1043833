package io.rxsync.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How many failed logins an account and a client address may have before logins are refused. */
@ConfigMapping(prefix = "rxsync.login")
public interface LoginThrottleConfig {

    /** Failed logins per account (email) in one window; then its logins get 429 until the window ends. */
    @WithDefault("5")
    int maxFailuresPerAccount();

    /** Failed logins per client address in one window (many accounts tried from one place). */
    @WithDefault("50")
    int maxFailuresPerAddress();

    /** Length of a counting window, from its first failure. */
    @WithDefault("PT15M")
    Duration window();
}
