"""The schema: every migration in order, and bringing a database file up to the latest.

``PRAGMA user_version`` is the number of migrations applied. Migrations only ever append; a
file whose version is above ``len(MIGRATIONS)`` was written by a newer program (``ssme check``
and ``ssme restore`` refuse it, see :mod:`bot.storage.inspect`).
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema.
    """
    CREATE TABLE clusters (
        cluster_id TEXT PRIMARY KEY,
        nombre TEXT NOT NULL,
        departamento TEXT NOT NULL,
        municipio TEXT,
        sector TEXT NOT NULL,
        subsector TEXT,
        entidad_gestora TEXT NOT NULL,
        entidad_gestora_tipo TEXT NOT NULL,
        anio_creacion INTEGER,
        estado TEXT NOT NULL DEFAULT 'activa',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE campaigns (
        campaign_id TEXT PRIMARY KEY,
        reference_year INTEGER NOT NULL,
        opens_at TEXT NOT NULL,
        closes_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'open', 'closed')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE managers (
        cluster_id TEXT PRIMARY KEY REFERENCES clusters(cluster_id),
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        name TEXT,
        registered_at TEXT NOT NULL,
        consent_at TEXT,
        consent_version TEXT,
        unreachable_at TEXT
    );
    CREATE INDEX managers_user ON managers(user_id, registered_at);
    CREATE TABLE invitations (
        token TEXT PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by INTEGER,
        created_by TEXT NOT NULL
    );
    CREATE INDEX invitations_cluster ON invitations(cluster_id);
    CREATE TABLE responses (
        response_id INTEGER PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
        questionnaire_version TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'telegram',
        cursor_question TEXT,
        cursor_mode TEXT,
        pending TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        submitted_at TEXT,
        UNIQUE (cluster_id, campaign_id)
    );
    CREATE TABLE answers (
        response_id INTEGER NOT NULL REFERENCES responses(response_id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        value TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        answered_by INTEGER,
        PRIMARY KEY (response_id, question_id)
    ) WITHOUT ROWID;
    CREATE TABLE results (
        result_id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(response_id),
        submitted_at TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        ims REAL NOT NULL,
        level TEXT NOT NULL,
        scores TEXT NOT NULL,
        answers TEXT NOT NULL
    );
    CREATE INDEX results_response ON results(response_id, result_id);
    CREATE TABLE seen_updates (
        update_id INTEGER PRIMARY KEY,
        seen_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        audit_id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        cluster_id TEXT,
        detail TEXT
    );
    """,
    # 2: reminders. A send is recorded as 'sending' before the call and settled after it, so a
    # crash in between can never make it go out twice (it counts as sent).
    """
    CREATE TABLE reminder_prefs (
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        opted_out_at TEXT,
        snoozed_until TEXT,
        PRIMARY KEY (cluster_id, campaign_id)
    );
    CREATE TABLE reminders (
        reminder_id INTEGER PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        user_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        -- n-th reminder of this cluster in this campaign: two senders (the bot's timer and an
        -- admin's command) cannot both claim it; a failed send frees it (NULL).
        slot INTEGER,
        status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
        created_at TEXT NOT NULL,
        settled_at TEXT,
        message_id INTEGER,
        error TEXT
    );
    CREATE UNIQUE INDEX reminders_slot ON reminders(campaign_id, cluster_id, slot);
    """,
    # 3: requests under Ley 1581 de 2012 (habeas data).
    """
    CREATE TABLE data_requests (
        request_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        cluster_id TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('deletion')),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
        created_at TEXT NOT NULL,
        handled_at TEXT,
        handled_by TEXT
    );
    """,
    # 4: the question the manager last saw and its message (Telegram's ids in a chat only grow):
    # a typed answer sent before that message is not taken for that question's.
    # The inbox: every update as fetched, until it is replied to (then only its id, for a week),
    # so one confirmed to Telegram but killed before its reply is handled at the next start.
    # The outbox: a result owed to the manager, written with the submission, cleared when its
    # photo is delivered, drained when the bot starts (a kill between the two loses nothing).
    """
    ALTER TABLE responses ADD COLUMN shown_question TEXT;
    ALTER TABLE responses ADD COLUMN shown_message INTEGER;
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        body TEXT,
        received_at TEXT NOT NULL,
        replied_at TEXT
    );
    CREATE TABLE outbox (
        response_id INTEGER PRIMARY KEY REFERENCES responses(response_id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    # 5 (branch i12a): plausibility confirmations, one per rule and values
    # (bot/storage/corrections.py).
    """
    CREATE TABLE confirmations (
        response_id INTEGER NOT NULL REFERENCES responses(response_id) ON DELETE CASCADE,
        confirmation TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        PRIMARY KEY (response_id, confirmation)
    );
    """,
    # 6 (branch i12b): a submission is a record of its own: the response's n-th sent version
    # (id, version, when, who), pointing at the result that snapshots its answers and scores.
    # The official figures read the latest submission, whatever the draft (the answers table)
    # does meanwhile, so a correction in progress never takes a cluster out of them. Every
    # stored result was a submission: each is carried over, numbered in order (a response
    # reopened by the old /revisar keeps its last sent version counting). Who sent it was not
    # recorded before (NULL). ``paused_at``: /cancelar holds the typed answers until /continuar.
    """
    CREATE TABLE submissions (
        submission_id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(response_id),
        version INTEGER NOT NULL,
        result_id INTEGER NOT NULL UNIQUE REFERENCES results(result_id),
        submitted_at TEXT NOT NULL,
        submitted_by TEXT,
        UNIQUE (response_id, version)
    );
    INSERT INTO submissions (response_id, version, result_id, submitted_at)
    SELECT r.response_id,
           (SELECT count(*) FROM results e
            WHERE e.response_id = r.response_id AND e.result_id <= r.result_id),
           r.result_id, r.submitted_at
    FROM results r ORDER BY r.result_id;
    ALTER TABLE responses ADD COLUMN paused_at TEXT;
    """,
    # 7 (branch i15): results of an earlier wave as they were published (``ssme import-results``).
    # Each is
    # a submitted response (source 'published') with one result; this row marks it as imported
    # and keeps the file's figures as they came.
    """
    CREATE TABLE published_results (
        response_id INTEGER PRIMARY KEY REFERENCES responses(response_id) ON DELETE CASCADE,
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        cluster_id TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL,
        published TEXT NOT NULL
    );
    """,
    # 8 (branch i13) the analyst's desk: a cluster's history (the audit lines by cluster), and
    # the review of each submitted response (every one submitted so far starts pending).
    """
    CREATE INDEX audit_cluster ON audit(cluster_id, audit_id);
    CREATE TABLE reviews (
        response_id INTEGER PRIMARY KEY REFERENCES responses(response_id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('pendiente', 'aprobada', 'requiere_ajuste')),
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        note TEXT
    );
    INSERT INTO reviews (response_id, status, changed_at, changed_by)
        SELECT s.response_id, 'pendiente', max(s.submitted_at), 'migration'
        FROM submissions s GROUP BY s.response_id;
    """,
    # 9 (branch i13) evidence files attached to answers, and the question a file is awaited for.
    """
    CREATE TABLE evidence (
        evidence_id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(response_id) ON DELETE CASCADE,
        cluster_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        uploaded_by INTEGER NOT NULL,
        uploaded_at TEXT NOT NULL
    );
    CREATE INDEX evidence_response ON evidence(response_id);
    CREATE INDEX evidence_uploader ON evidence(uploaded_by);
    CREATE TABLE evidence_wait (
        response_id INTEGER PRIMARY KEY REFERENCES responses(response_id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        since TEXT NOT NULL
    );
    """,
    # 10 (issue 16's foundation): a person holds any number of clusters, each in a role. The
    # one-manager-per-cluster table becomes `members` (a cluster's manager and collaborators,
    # one row per person and cluster); `managers` stays as a view of the manager role, so what
    # reads "the cluster's manager" reads it unchanged. `chosen`: the person's clusters in the
    # order they were last chosen (an invitation accepted, /cambiar; a counter per person, as
    # two choices can fall in one second); the highest is the one they stand on.
    """
    CREATE TABLE members (
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        name TEXT,
        role TEXT NOT NULL DEFAULT 'manager' CHECK (role IN ('manager', 'collaborator')),
        registered_at TEXT NOT NULL,
        consent_at TEXT,
        consent_version TEXT,
        unreachable_at TEXT,
        chosen INTEGER NOT NULL DEFAULT 0,
        invited_by INTEGER,
        PRIMARY KEY (cluster_id, user_id)
    );
    CREATE UNIQUE INDEX members_one_manager ON members(cluster_id) WHERE role = 'manager';
    CREATE INDEX members_user ON members(user_id, chosen);
    INSERT INTO members (cluster_id, user_id, chat_id, name, role, registered_at, consent_at,
        consent_version, unreachable_at, chosen)
    SELECT cluster_id, user_id, chat_id, name, 'manager', registered_at, consent_at,
        consent_version, unreachable_at,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY registered_at, cluster_id)
    FROM managers;
    DROP TABLE managers;
    CREATE VIEW managers AS
    SELECT cluster_id, user_id, chat_id, name, registered_at, consent_at, consent_version,
        unreachable_at FROM members WHERE role = 'manager';
    ALTER TABLE invitations ADD COLUMN role TEXT NOT NULL DEFAULT 'manager'
        CHECK (role IN ('manager', 'collaborator'));
    ALTER TABLE invitations ADD COLUMN invited_by INTEGER;
    """,
    # 11 (branch i13r) the analyst's desk: each submission's level beside it (a copy of its
    # result's, so the queue reads no result row), its checks as the review queue reads
    # them (bot/storage/checks.py: computed under ``rules``; the existing submissions get theirs
    # from their answers at the first queue, as a submission whose rules changed does), and an
    # admin's desk input awaited in the chat (bot/storage/desk_inputs.py: the questions picked
    # for a follow-up or a correction, the step; it outlives a restart).
    """
    ALTER TABLE submissions ADD COLUMN level TEXT;
    UPDATE submissions SET level = (SELECT r.level FROM results r
                                    WHERE r.result_id = submissions.result_id);
    CREATE TABLE submission_checks (
        submission_id INTEGER PRIMARY KEY
            REFERENCES submissions(submission_id) ON DELETE CASCADE,
        rules TEXT NOT NULL,
        findings TEXT,
        sales_per_firm REAL,
        jobs_per_firm REAL
    );
    CREATE TABLE desk_inputs (
        user_id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('ask', 'correct')),
        cluster_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        questions TEXT NOT NULL,
        step TEXT NOT NULL,
        value TEXT,
        reason TEXT,
        page INTEGER NOT NULL DEFAULT 1,
        since TEXT NOT NULL
    );
    """,
    # 12 (branch i16b) collaborators (bot/storage/members.py): a person answering a shared
    # response has a cursor of their own (`cursors`: where they stand, what waits on them, the
    # question last delivered to their chat, /cancelar), keyed by response and person; the
    # response's own columns stay the manager's (the single-person path reads and writes them as
    # before). `shown_at`: when that question was delivered, to tell a person whose screen was
    # stale (someone else answered it after). `cluster_settings.collaborators_send`: whether
    # the manager lets collaborators press «Enviar». `evidence_wait.user_id`: whose file is
    # awaited (someone else's file is never taken for it).
    """
    CREATE TABLE cursors (
        response_id INTEGER NOT NULL REFERENCES responses(response_id),
        user_id INTEGER NOT NULL,
        cursor_question TEXT,
        cursor_mode TEXT,
        pending TEXT,
        shown_question TEXT,
        shown_message INTEGER,
        shown_at TEXT,
        paused_at TEXT,
        PRIMARY KEY (response_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX cursors_user ON cursors(user_id);
    ALTER TABLE responses ADD COLUMN shown_at TEXT;
    CREATE TABLE cluster_settings (
        cluster_id TEXT PRIMARY KEY REFERENCES clusters(cluster_id),
        collaborators_send INTEGER NOT NULL DEFAULT 0,
        changed_at TEXT,
        changed_by INTEGER
    );
    ALTER TABLE evidence_wait ADD COLUMN user_id INTEGER;
    """,
)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations the file lacks, with their version bumps.

    A job for the write batches (``Storage.open`` runs it before anything else): all the
    missing migrations land in one transaction or none do. A script is run statement by
    statement (``executescript`` would commit the batch's transaction).
    """
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        for statement in _statements(script):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")


def _statements(script: str) -> list[str]:
    """The statements of a script, split where SQLite says one is complete (so a ``;`` in a
    comment or a string does not split one)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current)
            current = ""
    return statements
