-- An operator may pause an async projection (say, while its tables are being repaired) and resume it later. The
-- pause is kept with the checkpoint, so that it holds whichever node runs the projection and across restarts, and
-- the runner moves the checkpoint only while the projection is not paused.
ALTER TABLE checkpoints ADD COLUMN paused_at timestamptz;
ALTER TABLE checkpoints ADD COLUMN pause_reason text;
