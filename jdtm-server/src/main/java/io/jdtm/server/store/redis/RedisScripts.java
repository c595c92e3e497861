package io.jdtm.server.store.redis;

/**
 * The Lua scripts of {@link RedisTransStore}. Redis runs each script atomically, so every multi-key change (a
 * status check and the write it guards, a row and its indexes) happens as one step. Failures the contract names
 * come back as error replies {@code NOT_FOUND} / {@code UNIQUE_CONFLICT}. Keys a script derives at run time (the
 * poller's candidates) are built from the prefix; with a hash-tag prefix such as DTM's {@code {a}} they all live in
 * the slot of the declared keys.
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
     * finished ('1'/'0'), update ms, branch jsons... Returns the new id.
     */
    static final String SAVE_NEW = PRELUDE + """
            if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('UNIQUE_CONFLICT') end
            local id = redis.call('INCR', KEYS[7])
            redis.call('SET', KEYS[1], with_id(ARGV[2], id))
            redis.call('SET', KEYS[3], ARGV[3])
            if ARGV[6] == '1' then
              redis.call('ZADD', KEYS[6], ARGV[7], ARGV[1])
            elseif ARGV[4] ~= '' then
              redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
            end
            redis.call('ZADD', KEYS[5], id, ARGV[1])
            for i = 8, #ARGV do
              redis.call('RPUSH', KEYS[2], with_id(ARGV[i], redis.call('INCR', KEYS[8])))
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[5]))
            return id
            """;

    /** KEYS g, b, s, seq_b. ARGV expected status, ttl, branch jsons... Returns how many were appended. */
    static final String APPEND_BRANCHES = PRELUDE + """
            if redis.call('GET', KEYS[3]) ~= ARGV[1] then return redis.error_reply('NOT_FOUND') end
            local seen = {}
            for _, e in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do seen[bkey(cjson.decode(e))] = true end
            local new = {}
            for i = 3, #ARGV do
              local b = cjson.decode(ARGV[i])
              if seen[bkey(b)] then return redis.error_reply('UNIQUE_CONFLICT') end
              seen[bkey(b)] = true
              new[#new + 1] = b
            end
            for _, b in ipairs(new) do
              b['id'] = redis.call('INCR', KEYS[4])
              redis.call('RPUSH', KEYS[2], cjson.encode(b))
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[2]))
            return #new
            """;

    /**
     * KEYS g, b, s. ARGV expected status, ttl, then per branch: branch_id, op, status, finish_time, update_time
     * ('' = none). Rewrites matching rows in place; returns how many matched.
     */
    static final String UPDATE_BRANCHES = PRELUDE + """
            if redis.call('GET', KEYS[3]) ~= ARGV[1] then return redis.error_reply('NOT_FOUND') end
            local want = {}
            for i = 3, #ARGV, 5 do want[ARGV[i] .. '\\0' .. ARGV[i + 1]] = i end
            local n = 0
            for idx, e in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
              -- only the rows being written are decoded
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
                redis.call('LSET', KEYS[2], idx - 1, cjson.encode(b))
                n = n + 1
              end
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[2]))
            return n
            """;

    /**
     * KEYS g, b, s, u, f. ARGV gid, from, to, now, now ms, rollback_reason, result, ttl. Returns the new global
     * json. A final status leaves the poll index and enters the retention index.
     */
    static final String CHANGE_STATUS = PRELUDE + """
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
     * KEYS g, b, s, u. ARGV gid, expected, interval, next ('' = none), next score, now, ttl, indexed ('1' when
     * the status is unfinished). Returns 1 when written, 0 when the status differs.
     */
    static final String TOUCH_CRON = PRELUDE + """
            if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
            local raw = redis.call('GET', KEYS[1])
            if not raw then return 0 end
            local g = cjson.decode(raw)
            g['next_cron_interval'] = tonumber(ARGV[3])
            if ARGV[4] == '' then g['next_cron_time'] = nil else g['next_cron_time'] = ARGV[4] end
            g['update_time'] = ARGV[6]
            redis.call('SET', KEYS[1], cjson.encode(g))
            if ARGV[8] == '1' then
              if ARGV[5] == '' then redis.call('ZREM', KEYS[4], ARGV[1]) else redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1]) end
            end
            expire({KEYS[1], KEYS[2], KEYS[3]}, tonumber(ARGV[7]))
            return 1
            """;

    /**
     * KEYS u, a. ARGV prefix, due score, until score, until, owner, limit. Takes the due members of the poll index
     * in score order, re-scores each to the end of the lease and stamps the owner; returns their jsons, oldest due
     * first. Members whose row expired (TTL) or is final are dropped from the indexes on the way.
     */
    static final String CLAIM_DUE = """
            local limit = tonumber(ARGV[6])
            local cands = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, limit * 2 + 16)
            local out = {}
            for _, gid in ipairs(cands) do
              if #out >= limit then break end
              local gk = ARGV[1] .. '_g_' .. gid
              local raw = redis.call('GET', gk)
              local g = raw and cjson.decode(raw)
              if not g then
                redis.call('ZREM', KEYS[1], gid)
                redis.call('ZREM', KEYS[2], gid)
              elseif g['status'] == 'succeed' or g['status'] == 'failed' then
                redis.call('ZREM', KEYS[1], gid)
              else
                g['next_cron_time'] = ARGV[4]
                g['owner'] = ARGV[5]
                local enc = cjson.encode(g)
                redis.call('SET', gk, enc, 'KEEPTTL')
                redis.call('ZADD', KEYS[1], ARGV[3], gid)
                out[#out + 1] = enc
              end
            end
            return out
            """;

    /**
     * KEYS u. ARGV prefix, after score, now score, now, limit. Pulls up to limit members scored after "after"
     * back to now; returns {count, 1 if more remain}.
     */
    static final String RESET_CRON = """
            local limit = tonumber(ARGV[5])
            local c = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf', 'LIMIT', 0, limit + 1)
            local n = 0
            for i, gid in ipairs(c) do
              if i > limit then break end
              redis.call('ZADD', KEYS[1], ARGV[3], gid)
              local gk = ARGV[1] .. '_g_' .. gid
              local raw = redis.call('GET', gk)
              if raw then
                local g = cjson.decode(raw)
                g['next_cron_time'] = ARGV[4]
                redis.call('SET', gk, cjson.encode(g), 'KEEPTTL')
              end
              n = n + 1
            end
            local more = 0
            if #c > limit then more = 1 end
            return {n, more}
            """;

    /** KEYS g, u, f. ARGV gid, now, now score, now ms. */
    static final String RESET_NEXT_CRON = """
            local raw = redis.call('GET', KEYS[1])
            if not raw then return redis.error_reply('NOT_FOUND') end
            local g = cjson.decode(raw)
            g['next_cron_time'] = ARGV[2]
            g['update_time'] = ARGV[2]
            redis.call('SET', KEYS[1], cjson.encode(g), 'KEEPTTL')
            redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
            redis.call('ZADD', KEYS[3], 'XX', ARGV[4], ARGV[1])
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
              redis.call('ZREM', KEYS[1], gid)
              redis.call('ZREM', KEYS[2], gid)
              redis.call('ZREM', KEYS[3], gid)
            end
            return n
            """;

    /** KEYS kv, kvi, kvc, seq_kv. ARGV json, key, cat. */
    static final String CREATE_KV = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('UNIQUE_CONFLICT') end
            local id = redis.call('INCR', KEYS[4])
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
