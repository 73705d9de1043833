-- Login throttling: failed logins counted per account and per client address, in the
-- database so that every instance of the (stateless) service sees the same counts.
--
-- subject is 'account:' || sha-256 of the normalized email (no address in clear, known or
--            not), or 'address:' || the client's IP;
-- failures  counts the failed logins of the window that started at window_started_at.
-- A login is refused while a subject has too many failures in its current window; the
-- next failure after the window has passed starts a new one (LoginThrottle).
CREATE TABLE login_attempts (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    subject           varchar(80) NOT NULL,
    failures          integer     NOT NULL,
    window_started_at timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT login_attempts_subject_key UNIQUE (subject)
);
-- Removing the windows that ended long ago.
CREATE INDEX login_attempts_window_idx ON login_attempts (window_started_at);

-- Not user data, so no row-level security: the service reads and writes any subject.
GRANT SELECT, INSERT, UPDATE, DELETE ON login_attempts TO "${app_role}";
