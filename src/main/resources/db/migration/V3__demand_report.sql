-- An async projection fed by the event feed: reservations per region per day, for demand reports.
-- The pools it has seen, so that a reservation can be counted for the regions and day of its pool.
CREATE TABLE demand_pools (
  pool_id text    PRIMARY KEY,
  day     date    NOT NULL,
  regions text[]  NOT NULL
);

-- A reservation on a pool counts once for each region the pool serves.
CREATE TABLE demand_daily (
  region         text   NOT NULL,
  day            date   NOT NULL,
  reservations   bigint NOT NULL DEFAULT 0,
  units          bigint NOT NULL DEFAULT 0,
  releases       bigint NOT NULL DEFAULT 0,
  released_units bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (region, day)
);
