package io.jdtm.server.store.redis;

/**
 * The Lua scripts of {@link RedisTransStore}. Redis runs each script atomically, so every multi-key change (a
 * status check and the write it guards, a row and its indexes) happens as one step. Failures the contract names
 * come back as error replies {@code NOT_FOUND} / {@code UNIQUE_CONFLICT}. Keys a script derives at run time (the
 * poller's candidates) are built from the prefix passed in (the store's, or on a cluster the shard's); it is a
 * hash tag, such as DTM's {@code {a}}, so they all live in the slot of the declared keys. Scripts that allocate ids
 * take an id spec (see {@code next_id}): DTM's INCR on one node, ids unique across shards on a cluster.
 */
final class RedisScripts {
    private RedisScripts() {}

    static final String NOT_FOUND = "NOT_FOUND";
    static final String UNIQUE_CONFLICT = "UNIQUE_CONFLICT";

    /** Sets (ttl > 0) or removes (ttl <= 0: keep forever) the expiry of each key. */
    private static final String PRELUDE = """
            local function expire(keys, ttl)
              for _, k in ipairs(keys) do
                if ttl > 0 then redis.call('EXPIRE', k, ttl) else redis.call('PERSIST', k) end
              end
            end
            local function bkey(b) return b['branch_id'] .. '\\0' .. b['op'] end
            -- The next id of counter k. One node (spec ''): DTM's INCR. A cluster (spec 'shards:shard:ms'): a value
            -- v = max(previous v + 1, ms) kept in k, returned as v * shards + shard, so ids are unique across shards
            -- and ordered by creation time (RedisShards.ID_EPOCH_MS).
            local function next_id(k, spec)
              if spec == '' then return redis.call('INCR', k) end
              local n, shard, ms = string.match(spec, '^(%d+):(%d+):(%-?%d+)$')
              local v = math.max((tonumber(redis.call('GET', k)) or 0) + 1, tonumber(ms))
              redis.call('SET', k, string.format('%d', v))
              return v * tonumber(n) + tonumber(shard)
            end
            -- A row's json with its id set. The server writes "id" first, so the common case is a splice with no
            -- decode; anything else goes through cjson.
            local function with_id(json, id)
              local rest = string.match(json, '^{"id":%-?%d+,(.*)$')
              if rest then return '{"id":' .. id .. ',' .. rest end
              local t = cjson.decode(json)
              t['id'] = id
              return cjson.encode(t)
            end
            -- The (branch_id, op) key of a stored row read off its json without decoding it, or nil when a value
            -- holds an escape (then the caller decodes). Inside a json string every quote is escaped, so the first
            -- unescaped "branch_id":" is the key itself.
            local function raw_bkey(json)
              local id = string.match(json, '"branch_id":"([^"\\\\]*)"')
              local op = string.match(json, '"op":"([^"\\\\]*)"')
              if id and op then return id .. '\\0' .. op end
              return nil
            end
            """;

    /**
     * KEYS g, b, s, u, a, f, seq_g, seq_b. ARGV gid, global json, status, poll score ('' = none), ttl,
     * finished ('1'/'0'), update ms, id spec (see next_id), branch jsons... Returns the new id.
     */
    static final String SAVE_NEW = PRELUDE + """
            if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('UNIQUE_CONFLICT') end
            local id = next_id(KEYS[7], ARGV[8])
            redis.call('SET', KEYS[1], with_id(ARGV[2], id))
            redis.call('SET', KEYS[3], ARGV[3])
            if ARGV[6] == '1' then
              redis.call('ZADD', KEYS[6], ARGV[7], ARGV[1])
            elseif ARGV[4] ~= '' then
              redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
            end
            redis.call('ZADD', KEYS[5], id, ARGV[1])
            for i = 9, #ARGV do
              redis.call('RPUSH', KEYS[2], with_id(ARGV[i], next_id(KEYS[8], ARGV[8])))
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[5]))
            return id
            """;

    /** KEYS g, b, s, seq_b. ARGV expected status, ttl, id spec, branch jsons... Returns how many were appended. */
    static final String APPEND_BRANCHES = PRELUDE + """
            if redis.call('GET', KEYS[3]) ~= ARGV[1] then return redis.error_reply('NOT_FOUND') end
            local seen = {}
            for _, e in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do seen[bkey(cjson.decode(e))] = true end
            local new = {}
            for i = 4, #ARGV do
              local b = cjson.decode(ARGV[i])
              if seen[bkey(b)] then return redis.error_reply('UNIQUE_CONFLICT') end
              seen[bkey(b)] = true
              new[#new + 1] = b
            end
            for _, b in ipairs(new) do
              b['id'] = next_id(KEYS[4], ARGV[3])
              redis.call('RPUSH', KEYS[2], cjson.encode(b))
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[2]))
            return #new
            """;

    /**
     * write_branches(list key, first): sets status, finish_time and update_time of the branch rows named by the
     * 5-tuples (branch_id, op, status, finish_time, update_time) of ARGV from index {@code first} on; returns how
     * many rows it wrote. Only the rows being written are decoded.
     */
    private static final String BRANCH_WRITES = """
            local function write_branches(list, first)
              if first > #ARGV then return 0 end
              local want = {}
              for i = first, #ARGV, 5 do want[ARGV[i] .. '\\0' .. ARGV[i + 1]] = i end
              local n = 0
              for idx, e in ipairs(redis.call('LRANGE', list, 0, -1)) do
                local k = raw_bkey(e)
                local b = nil
                if not k then
                  b = cjson.decode(e)
                  k = bkey(b)
                end
                local i = want[k]
                if i then
                  b = b or cjson.decode(e)
                  b['status'] = ARGV[i + 2]
                  if ARGV[i + 3] == '' then b['finish_time'] = nil else b['finish_time'] = ARGV[i + 3] end
                  if ARGV[i + 4] == '' then b['update_time'] = nil else b['update_time'] = ARGV[i + 4] end
                  redis.call('LSET', list, idx - 1, cjson.encode(b))
                  n = n + 1
                end
              end
              return n
            end
            """;

    /**
     * KEYS g, b, s. ARGV expected status, ttl, then per branch: branch_id, op, status, finish_time, update_time
     * ('' = none). Rewrites matching rows in place; returns how many matched.
     */
    static final String UPDATE_BRANCHES = PRELUDE + BRANCH_WRITES + """
            if redis.call('GET', KEYS[3]) ~= ARGV[1] then return redis.error_reply('NOT_FOUND') end
            local n = write_branches(KEYS[2], 3)
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[2]))
            return n
            """;

    /**
     * KEYS g, b, s, u, f. ARGV gid, from, to, now, now ms, rollback_reason, result, ttl, then the branch writes
     * of {@code write_branches} (none: a plain status change). Returns the new global json. A final status leaves
     * the poll index and enters the retention index.
     */
    static final String CHANGE_STATUS = PRELUDE + BRANCH_WRITES + """
            if redis.call('GET', KEYS[3]) ~= ARGV[2] then return redis.error_reply('NOT_FOUND') end
            local raw = redis.call('GET', KEYS[1])
            if not raw then return redis.error_reply('NOT_FOUND') end
            local g = cjson.decode(raw)
            g['status'] = ARGV[3]
            g['update_time'] = ARGV[4]
            if ARGV[3] == 'succeed' then g['finish_time'] = ARGV[4] end
            if ARGV[3] == 'failed' then g['rollback_time'] = ARGV[4] end
            if ARGV[6] ~= '' then g['rollback_reason'] = ARGV[6] end
            if ARGV[7] ~= '' then g['result'] = ARGV[7] end
            write_branches(KEYS[2], 9)
            local out = cjson.encode(g)
            redis.call('SET', KEYS[1], out)
            redis.call('SET', KEYS[3], ARGV[3])
            if ARGV[3] == 'succeed' or ARGV[3] == 'failed' then
              redis.call('ZREM', KEYS[4], ARGV[1])
              redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[8]))
            return out
            """;

    /**
     * The lease of {@code TransStore.leased} and the index walk of the claim and the reset. Liveness is read off
     * the row, not its poll score, so it answers as the other engines do for a finished row (out of the poll index)
     * too, and exactly at any precision of the times.
     */
    private static final String LEASES = """
            -- An RFC 3339 time as unix seconds and nanoseconds, or nil when t is not one. Two numbers, so that a
            -- comparison is exact at any precision (a double holds no nanosecond epoch).
            local function epoch(t)
              local y, mo, d, h, mi, s, rest = string.match(t, '^(%d+)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)(.*)$')
              if not y then return nil end
              local ns = 0
              local frac = string.match(rest, '^%.(%d+)')
              if frac then
                ns = tonumber(string.sub(frac .. '000000000', 1, 9))
                rest = string.sub(rest, #frac + 2)
              end
              local off = 0
              if rest ~= 'Z' then
                local sign, oh, om = string.match(rest, '^([+-])(%d%d):(%d%d)$')
                if not sign then return nil end
                off = (tonumber(oh) * 60 + tonumber(om)) * 60
                if sign == '-' then off = -off end
              end
              -- days since 1970-01-01 of the proleptic Gregorian date (H. Hinnant's days_from_civil)
              y, mo = tonumber(y), tonumber(mo)
              if mo <= 2 then y = y - 1 end
              local era = math.floor(y / 400)
              local yoe = y - era * 400
              local doy = math.floor((153 * ((mo + 9) % 12) + 2) / 5) + tonumber(d) - 1
              local days = era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
              return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s) - off, ns
            end
            -- Whether row g is under a live lease at now (TransStore.leased): its owner starts with 'lease:' and its
            -- next_cron_time is after now. Other owners (DTM's tokens, jdtm before leases) hold none.
            local function live(g, now_s, now_ns)
              local owner, t = g['owner'], g['next_cron_time']
              if type(owner) ~= 'string' or string.sub(owner, 1, 6) ~= 'lease:' or type(t) ~= 'string' then
                return false
              end
              local s, ns = epoch(t)
              if not s then return false end
              return s > now_s or (s == now_s and ns > now_ns)
            end
            local function final(g) return g['status'] == 'succeed' or g['status'] == 'failed' end
            -- The first `want` members of the poll index scored in [lo, hi], in score order, whose row is unfinished
            -- and under no live lease: {gid, key, row} each. Leased rows are passed over, so passes in flight inside
            -- the range (a look-ahead reaches their leases) never hide the free rows behind them, but at most `skips`
            -- of them, so that a crowd of passes costs a bounded scan. Also returns the stale members ({gid, true when
            -- the row is gone, false when it is final}) and whether further members may remain. Reads only, so the
            -- pages' offsets hold: the caller writes afterwards.
            local function pick(prefix, index, lo, hi, want, skips, now_s, now_ns)
              local picked, stale = {}, {}
              local page = want + 16
              local offset, skipped = 0, 0
              while true do
                local members = redis.call('ZRANGEBYSCORE', index, lo, hi, 'LIMIT', offset, page)
                for _, gid in ipairs(members) do
                  if #picked >= want then return picked, stale, true end
                  local gk = prefix .. '_g_' .. gid
                  local raw = redis.call('GET', gk)
                  local g = raw and cjson.decode(raw)
                  if not g then
                    stale[#stale + 1] = {gid, true}
                  elseif final(g) then
                    stale[#stale + 1] = {gid, false}
                  elseif live(g, now_s, now_ns) then
                    skipped = skipped + 1
                    if skipped > skips then return picked, stale, true end
                  else
                    picked[#picked + 1] = {gid, gk, g}
                  end
                end
                if #members < page then return picked, stale, false end
                offset = offset + page
              end
            end
            -- Drops stale members from the poll index, and gone ones from the listing index too.
            local function drop(stale, u, a)
              for _, m in ipairs(stale) do
                redis.call('ZREM', u, m[1])
                if m[2] then redis.call('ZREM', a, m[1]) end
              end
            end
            """;

    /**
     * KEYS g, u. ARGV gid, owner, now s, now ns, until, until score. Stamps owner and next_cron_time = until, and
     * re-scores the poll index to until, when the row is unfinished and under no live lease. Returns the new global
     * json, or nil.
     */
    static final String ACQUIRE = LEASES + """
            local raw = redis.call('GET', KEYS[1])
            if not raw then return false end
            local g = cjson.decode(raw)
            if final(g) or live(g, tonumber(ARGV[3]), tonumber(ARGV[4])) then return false end
            g['owner'] = ARGV[2]
            g['next_cron_time'] = ARGV[5]
            local out = cjson.encode(g)
            redis.call('SET', KEYS[1], out, 'KEEPTTL')
            redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
            return out
            """;

    /**
     * KEYS g, u. ARGV gid, owner, until, until score. Moves next_cron_time (and the poll score) to until when the row
     * is unfinished and its owner is exactly owner. Returns 1 when written, 0 when the lease was lost.
     */
    static final String RENEW = LEASES + """
            local raw = redis.call('GET', KEYS[1])
            if not raw then return 0 end
            local g = cjson.decode(raw)
            if g['owner'] ~= ARGV[2] or final(g) then return 0 end
            g['next_cron_time'] = ARGV[3]
            redis.call('SET', KEYS[1], cjson.encode(g), 'KEEPTTL')
            redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
            return 1
            """;

    /**
     * KEYS g, b, s, u, f. ARGV gid, owner, interval, next ('' = none), next score, now, now ms, ttl, finished ttl.
     * When the owner is exactly owner, whatever the status: clears it and writes the schedule and update_time;
     * an unfinished row is re-scored in the poll index, a finished one in the retention index (scored by update
     * time). Refreshes the expiry as every write of the row does (the ttl of its status). Returns 1 when written,
     * 0 when the caller no longer held the lease.
     */
    static final String RELEASE = PRELUDE + LEASES + """
            local raw = redis.call('GET', KEYS[1])
            if not raw then return 0 end
            local g = cjson.decode(raw)
            if g['owner'] ~= ARGV[2] then return 0 end
            g['owner'] = ''
            g['next_cron_interval'] = tonumber(ARGV[3])
            if ARGV[4] == '' then g['next_cron_time'] = nil else g['next_cron_time'] = ARGV[4] end
            g['update_time'] = ARGV[6]
            redis.call('SET', KEYS[1], cjson.encode(g))
            local ttl = tonumber(ARGV[8])
            if final(g) then
              ttl = tonumber(ARGV[9])
              redis.call('ZADD', KEYS[5], 'XX', ARGV[7], ARGV[1])
            elseif ARGV[5] == '' then
              redis.call('ZREM', KEYS[4], ARGV[1])
            else
              redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, ttl)
            return 1
            """;

    /**
     * KEYS u, a. ARGV prefix, due score, until score, until, owner, limit, now s, now ns, skips. Takes the due
     * members of the poll index in score order, passing over rows under a live lease, re-scores each to the end of
     * the lease and stamps the owner; returns their jsons, oldest due first. Members whose row expired (TTL) or is
     * final are dropped from the indexes on the way.
     */
    static final String CLAIM_DUE = LEASES + """
            local picked, stale = pick(ARGV[1], KEYS[1], '-inf', ARGV[2], tonumber(ARGV[6]), tonumber(ARGV[9]),
              tonumber(ARGV[7]), tonumber(ARGV[8]))
            drop(stale, KEYS[1], KEYS[2])
            local out = {}
            for _, m in ipairs(picked) do
              local g = m[3]
              g['next_cron_time'] = ARGV[4]
              g['owner'] = ARGV[5]
              local enc = cjson.encode(g)
              redis.call('SET', m[2], enc, 'KEEPTTL')
              redis.call('ZADD', KEYS[1], ARGV[3], m[1])
              out[#out + 1] = enc
            end
            return out
            """;

    /**
     * KEYS u, a. ARGV prefix, after score, now score, now, limit, now s, now ns, skips. Pulls up to limit members
     * scored after "after" back to now, passing over rows under a live lease (and dropping stale members as the
     * claim does); returns {count, 1 if more may remain}.
     */
    static final String RESET_CRON = LEASES + """
            local picked, stale, more = pick(ARGV[1], KEYS[1], '(' .. ARGV[2], '+inf', tonumber(ARGV[5]),
              tonumber(ARGV[8]), tonumber(ARGV[6]), tonumber(ARGV[7]))
            drop(stale, KEYS[1], KEYS[2])
            for _, m in ipairs(picked) do
              local g = m[3]
              g['next_cron_time'] = ARGV[4]
              redis.call('SET', m[2], cjson.encode(g), 'KEEPTTL')
              redis.call('ZADD', KEYS[1], ARGV[3], m[1])
            end
            if more then return {#picked, 1} end
            return {#picked, 0}
            """;

    /**
     * KEYS g, u, f. ARGV gid, now, now score, now ms, now s, now ns. Unless the row is under a live lease, sets
     * next_cron_time = update_time = now and moves the index scores with them: an unfinished row enters the poll
     * index even if it was missing there (so the poller does pick it up now), a finished one is re-scored in the
     * retention index. Returns 1 when written, 0 under a live lease.
     */
    static final String RESET_NEXT_CRON = LEASES + """
            local raw = redis.call('GET', KEYS[1])
            if not raw then return redis.error_reply('NOT_FOUND') end
            local g = cjson.decode(raw)
            if live(g, tonumber(ARGV[5]), tonumber(ARGV[6])) then return 0 end
            g['next_cron_time'] = ARGV[2]
            g['update_time'] = ARGV[2]
            redis.call('SET', KEYS[1], cjson.encode(g), 'KEEPTTL')
            if final(g) then
              redis.call('ZADD', KEYS[3], 'XX', ARGV[4], ARGV[1])
            else
              redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
            end
            return 1
            """;

    /**
     * KEYS f, a, u. ARGV prefix, cutoff ms, limit. Deletes finished transactions last written before the cutoff
     * with their branches and index entries; returns how many rows were still there (the rest had expired).
     */
    static final String DELETE_FINISHED = """
            local c = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
            local n = 0
            for _, gid in ipairs(c) do
              n = n + redis.call('DEL', ARGV[1] .. '_g_' .. gid)
              redis.call('DEL', ARGV[1] .. '_b_' .. gid, ARGV[1] .. '_s_' .. gid)
              redis.call('DEL', ARGV[1] .. '_at_' .. gid, ARGV[1] .. '_an_' .. gid)
              redis.call('ZREM', KEYS[1], gid)
              redis.call('ZREM', KEYS[2], gid)
              redis.call('ZREM', KEYS[3], gid)
            end
            return n
            """;

    /**
     * KEYS g, at (attempt list), an (attempt counters). ARGV max length, then pairs (counter field, attempt json
     * starting with {@code {"attempt":0,}). Appends each attempt numbered by its counter, keeps the newest max, and
     * gives both keys the transaction's remaining TTL; writes nothing when the transaction is gone.
     */
    static final String RECORD_ATTEMPTS = """
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl == -2 then return 0 end
            for i = 2, #ARGV, 2 do
              local n = redis.call('HINCRBY', KEYS[3], ARGV[i], 1)
              redis.call('RPUSH', KEYS[2], '{"attempt":' .. n .. ',' .. string.sub(ARGV[i + 1], 14))
            end
            redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
            if ttl > 0 then
              redis.call('PEXPIRE', KEYS[2], ttl)
              redis.call('PEXPIRE', KEYS[3], ttl)
            else
              redis.call('PERSIST', KEYS[2])
              redis.call('PERSIST', KEYS[3])
            end
            return 1
            """;

    /** KEYS kv, kvi, kvc, seq_kv. ARGV json, key, cat, id spec. */
    static final String CREATE_KV = PRELUDE + """
            if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('UNIQUE_CONFLICT') end
            local id = next_id(KEYS[4], ARGV[4])
            local r = cjson.decode(ARGV[1])
            r['id'] = id
            redis.call('SET', KEYS[1], cjson.encode(r))
            redis.call('ZADD', KEYS[2], id, ARGV[2])
            redis.call('SADD', KEYS[3], ARGV[3])
            return id
            """;

    /** KEYS kv. ARGV id, version, value, now. Compare-and-set on (id, version). */
    static final String UPDATE_KV = """
            local raw = redis.call('GET', KEYS[1])
            if not raw then return redis.error_reply('NOT_FOUND') end
            local r = cjson.decode(raw)
            if r['id'] ~= tonumber(ARGV[1]) or r['version'] ~= tonumber(ARGV[2]) then
              return redis.error_reply('NOT_FOUND')
            end
            r['v'] = ARGV[3]
            r['version'] = r['version'] + 1
            r['update_time'] = ARGV[4]
            redis.call('SET', KEYS[1], cjson.encode(r))
            return r['version']
            """;

    /** KEYS kv, kvi. ARGV key. */
    static final String DELETE_KV = """
            if redis.call('DEL', KEYS[1]) == 0 then return redis.error_reply('NOT_FOUND') end
            redis.call('ZREM', KEYS[2], ARGV[1])
            return 1
            """;
}
