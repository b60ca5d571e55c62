-- The event journal: one row per event; (stream_id, seq) is the fence that keeps two writers of one pool apart.
CREATE TABLE events (
  stream_id   text        NOT NULL,
  seq         bigint      NOT NULL CHECK (seq > 0),
  type        text        NOT NULL,
  payload     jsonb       NOT NULL,
  metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  tx_id       xid8        NOT NULL DEFAULT pg_current_xact_id(),
  position    bigint      GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (stream_id, seq)
);

-- Feed readers walk (tx_id, position) below the oldest open transaction, so late commits are never skipped.
CREATE INDEX events_feed_order ON events (tx_id, position);

CREATE TABLE snapshots (
  stream_id text        PRIMARY KEY,
  seq       bigint      NOT NULL,
  state     jsonb       NOT NULL,
  taken_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pool_view (
  pool_id    text        PRIMARY KEY,
  seq        bigint      NOT NULL,
  capacity   integer     NOT NULL,
  reserved   bigint      NOT NULL,
  status     text        NOT NULL,
  slot_start timestamptz NOT NULL,
  slot_end   timestamptz NOT NULL,
  regions    text[]      NOT NULL
);

CREATE TABLE checkpoints (
  name     text   PRIMARY KEY,
  tx_id    xid8   NOT NULL,
  position bigint NOT NULL
);
