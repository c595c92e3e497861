-- DTM's server tables (spec §10.1), with DTM's column types and key names so that the Go server and jdtm can share
-- one database. Every statement is "if not exists": on a database that DTM's own script created, Flyway baselines
-- at version 0 and this migration adopts the existing tables unchanged (V2 adds what older DTM versions lack).
-- Unqualified names: the connection's database is Store.Db.
-- Times are datetime (second precision, no zone): jdtm writes UTC wall-clock time.

CREATE TABLE IF NOT EXISTS trans_global (
  `id` bigint(22) NOT NULL AUTO_INCREMENT,
  `gid` varchar(128) NOT NULL COMMENT 'global transaction id',
  `trans_type` varchar(45) NOT NULL COMMENT 'saga | xa | tcc | msg | workflow',
  `status` varchar(12) NOT NULL COMMENT 'prepared | submitted | aborting | succeed | failed',
  `query_prepared` varchar(1024) NOT NULL COMMENT 'url to check for msg | workflow',
  `protocol` varchar(45) NOT NULL COMMENT 'http | grpc | json-rpc',
  `create_time` datetime DEFAULT NULL,
  `update_time` datetime DEFAULT NULL,
  `finish_time` datetime DEFAULT NULL,
  `rollback_time` datetime DEFAULT NULL,
  `options` varchar(1024) DEFAULT '' COMMENT 'options JSON: timeout_to_fail, request_timeout, ...',
  `custom_data` varchar(1024) DEFAULT '',
  `next_cron_interval` int(11) DEFAULT NULL COMMENT 'seconds',
  `next_cron_time` datetime DEFAULT NULL COMMENT 'when the poller takes this transaction next (UTC)',
  `owner` varchar(128) NOT NULL DEFAULT '' COMMENT 'token of the last poller claim',
  `ext_data` TEXT,
  `result` varchar(1024) DEFAULT '',
  `rollback_reason` varchar(1024) DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `gid` (`gid`),
  KEY `owner` (`owner`),
  KEY `status_next_cron_time` (`status`, `next_cron_time`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS trans_branch_op (
  `id` bigint(22) NOT NULL AUTO_INCREMENT,
  `gid` varchar(128) NOT NULL,
  `url` varchar(1024) NOT NULL,
  `data` TEXT COMMENT 'deprecated, unused',
  `bin_data` BLOB,
  `branch_id` varchar(128) NOT NULL,
  `op` varchar(45) NOT NULL,
  `status` varchar(45) NOT NULL,
  `finish_time` datetime DEFAULT NULL,
  `rollback_time` datetime DEFAULT NULL,
  `create_time` datetime DEFAULT NULL,
  `update_time` datetime DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `gid_uniq` (`gid`, `branch_id`, `op`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS kv (
  `id` bigint(22) NOT NULL AUTO_INCREMENT,
  `cat` varchar(45) NOT NULL,
  `k` varchar(128) NOT NULL,
  `v` TEXT,
  `version` bigint(22) DEFAULT 1,
  `create_time` datetime DEFAULT NULL,
  `update_time` datetime DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uniq_k` (`cat`, `k`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
