-- The second schema of the demand projection. Since capacity.reserved.v2 a reservation may record its order's
-- region, so each reservation counts once, in that region. A reservation whose region is not recorded counts for
-- its pool's region when the pool serves only one; otherwise once under region '' (unknown), never once for each
-- region of its pool. The projection has its own checkpoint, so nodes of the previous release go on feeding
-- demand_daily during a rolling upgrade; a later release drops demand_daily and demand_pools.
CREATE TABLE demand_v2_pools (
  pool_id text    PRIMARY KEY,
  day     date    NOT NULL,
  regions text[]  NOT NULL
);

CREATE TABLE demand_v2_daily (
  region         text   NOT NULL,
  day            date   NOT NULL,
  reservations   bigint NOT NULL DEFAULT 0,
  units          bigint NOT NULL DEFAULT 0,
  releases       bigint NOT NULL DEFAULT 0,
  released_units bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (region, day)
);

-- Why a projection's runner last failed to apply a batch (for example an event this release cannot read), so that
-- every node's projection status can say why the projection is not moving. Cleared by the next batch applied.
ALTER TABLE checkpoints ADD COLUMN last_failure text;
