-- Accounts. A user is also the owner of every replicated document and replicates
-- their own profile as the `users` collection.
CREATE TABLE users (
    id              uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    email           varchar(320) NOT NULL,
    display_name    varchar(100) NOT NULL,
    hashed_password varchar(255) NOT NULL,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    -- the service stores emails lower-cased, so the unique key is case-insensitive
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);
