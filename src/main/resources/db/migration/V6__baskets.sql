-- A basket (one order over several pools, all or none) keeps its progress as a stream of its own, so that any node
-- can finish or undo it after the node coordinating it crashed. The primary key is the fence: two coordinators of
-- one basket never both record its next step. Basket streams live apart from pool streams, so that no pool reader
-- (the feed, projections, the audit's replay, migrations) meets an event it has no use for.
CREATE TABLE basket_events (
  basket_id   text        NOT NULL,
  seq         integer     NOT NULL,
  type        text        NOT NULL,
  payload     jsonb       NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (basket_id, seq)
);

-- The baskets not yet finished, kept by the same transaction that records each step: recovery looks here for
-- baskets whose coordinator has not moved them on for a while, without reading every basket.
CREATE TABLE open_baskets (
  basket_id  text        PRIMARY KEY,
  touched_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX open_baskets_touched ON open_baskets (touched_at);
