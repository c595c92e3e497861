-- jdtm's attempt history (docs/storage.md, "Attempt history"): one row per branch call the TM made. Not a DTM
-- table; DTM's server ignores it. Times are epoch milliseconds. Rows are deleted with their transaction.
CREATE TABLE IF NOT EXISTS jdtm_attempt (
  id bigint NOT NULL AUTO_INCREMENT,
  gid varchar(128) NOT NULL,
  branch_id varchar(128) NOT NULL,
  op varchar(45) NOT NULL,
  start_ms bigint NOT NULL,
  latency_ms bigint NOT NULL,
  outcome varchar(16) NOT NULL,
  code varchar(32) NOT NULL DEFAULT '',
  answer varchar(1024) NOT NULL DEFAULT '',
  next_try_ms bigint DEFAULT NULL,
  interval_s bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY jdtm_attempt_gid (gid)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
