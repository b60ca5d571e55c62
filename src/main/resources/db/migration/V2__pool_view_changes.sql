-- Which transaction last changed each pool's view, so readers can catch up on every change after a horizon:
-- a transaction that commits later always has an id at or above the oldest one running now.
ALTER TABLE pool_view ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX pool_view_changes ON pool_view (tx_id);
