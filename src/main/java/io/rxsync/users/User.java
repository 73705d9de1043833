package io.rxsync.users;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/** An account. Also the owner of every replicated document, and its own `users` document. */
@Entity
@Table(name = "users")
public class User {

    @Id
    @GeneratedValue
    public UUID id;

    @Column(nullable = false, length = 320)
    public String email;

    @Column(name = "display_name", nullable = false, length = 100)
    public String displayName;

    /** Never leaves the server: not in any document, response or log. Null for an external provider's user (V25). */
    @Column(name = "hashed_password")
    public String hashedPassword;

    @Column(nullable = false)
    public boolean deleted;

    @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at", nullable = false, insertable = false, updatable = false)
    public OffsetDateTime updatedAt;
}
