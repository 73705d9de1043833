package io.rxsync.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * An external OpenID Connect provider whose access tokens the sync routes accept beside the
 * built-in ones (README, External identity providers). Off while no issuer is set.
 */
@ConfigMapping(prefix = "rxsync.oidc")
public interface OidcConfig {

    /** The provider's issuer, exactly as its tokens carry it in {@code iss}; its discovery document is read from it. */
    Optional<String> issuer();

    /** The provider's JWKS URL, when it is not the one its discovery document names (or there is none). */
    Optional<String> jwksUrl();

    /** The audience a token must carry in {@code aud}: required with an issuer. */
    Optional<String> audience();

    /** The claim holding the user's id at the provider: an opaque string. */
    @WithDefault("sub")
    String userIdClaim();

    /** A claim (dotted path into nested objects, e.g. realm_access.roles) holding the user's groups. */
    Optional<String> groupsClaim();

    /** The claims that fill a new account's profile on first sight. */
    @WithDefault("email")
    String emailClaim();

    @WithDefault("name")
    String nameClaim();

    /** Least time between two JWKS fetches: a flood of unknown key ids costs one fetch per interval. */
    @WithDefault("PT30S")
    Duration jwksMinRefreshInterval();

    /** Keys older than this are fetched again in the background (a key the provider withdrew stops working). */
    @WithDefault("PT10M")
    Duration jwksMaxAge();

    /** The provider's public client the web app logs in with (authorization code and PKCE); none: the web app offers built-in accounts only. */
    Optional<String> webClientId();

    /** How long one fetch from the provider may take. */
    @WithDefault("PT5S")
    Duration fetchTimeout();
}
