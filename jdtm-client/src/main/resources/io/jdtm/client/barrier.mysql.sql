-- jdtm / DTM sub-transaction barrier table for MySQL and MariaDB (spec §9.1).
-- Create it in the same database server as the business tables whose changes it protects: the barrier insert and
-- the business SQL must run in one local transaction. Safe to run twice.
create database if not exists dtm_barrier /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
create table if not exists dtm_barrier.barrier (
  id bigint not null auto_increment primary key,
  trans_type varchar(45) default '',
  gid varchar(128) default '',
  branch_id varchar(128) default '',
  op varchar(45) default '',
  barrier_id varchar(45) default '',
  reason varchar(45) default '' comment 'the op whose call inserted this row',
  create_time datetime default current_timestamp,
  update_time datetime default current_timestamp,
  key create_time (create_time),
  key update_time (update_time),
  unique key uniq_barrier (gid, branch_id, op, barrier_id)
);
