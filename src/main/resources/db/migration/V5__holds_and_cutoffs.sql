-- Holds count against capacity beside reservations, and a pool may stop taking orders at a cut-off. The owner of
-- a pool expires its holds when their time comes; next_expiry lets whichever node owns the pool's shard find the
-- pools with holds to expire without loading every pool (after a crash, a takeover or an eviction).
ALTER TABLE pool_view ADD COLUMN held bigint NOT NULL DEFAULT 0;
ALTER TABLE pool_view ADD COLUMN next_expiry timestamptz;
ALTER TABLE pool_view ADD COLUMN cutoff timestamptz;
CREATE INDEX pool_view_next_expiry ON pool_view (next_expiry) WHERE next_expiry IS NOT NULL;

-- The demand report counts holds apart from reservations: placed (and their units), and how they ended. A confirmed
-- hold is also counted as the reservation it became. Existing rows saw no holds, so zero is their truth.
ALTER TABLE demand_v2_daily ADD COLUMN holds bigint NOT NULL DEFAULT 0;
ALTER TABLE demand_v2_daily ADD COLUMN held_units bigint NOT NULL DEFAULT 0;
ALTER TABLE demand_v2_daily ADD COLUMN holds_confirmed bigint NOT NULL DEFAULT 0;
ALTER TABLE demand_v2_daily ADD COLUMN holds_expired bigint NOT NULL DEFAULT 0;
ALTER TABLE demand_v2_daily ADD COLUMN holds_cancelled bigint NOT NULL DEFAULT 0;
