-- jdtm / DTM sub-transaction barrier table for PostgreSQL (spec §9.1).
-- The constraint must be called uniq_barrier: the barrier's insert names it in ON CONFLICT. Create it in the same
-- database as the business tables it protects. Safe to run twice.
create schema if not exists dtm_barrier;
create sequence if not exists dtm_barrier.barrier_seq;
create table if not exists dtm_barrier.barrier (
  id bigint not null default nextval('dtm_barrier.barrier_seq'),
  trans_type varchar(45) default '',
  gid varchar(128) default '',
  branch_id varchar(128) default '',
  op varchar(45) default '',
  barrier_id varchar(45) default '',
  reason varchar(45) default '',
  create_time timestamp(0) with time zone default now(),
  update_time timestamp(0) with time zone default now(),
  primary key (id),
  constraint uniq_barrier unique (gid, branch_id, op, barrier_id)
);
