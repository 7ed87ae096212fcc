-- Prepended to every script of RedisInventory (redis.py). The keys of one sale, always passed
-- in this order (a script gets the first 14, 15 or all 19); every one carries the hash tag
-- {listing_id}, so a script only ever touches one cluster slot. Same order as _SUFFIXES there.
local META, HOLDS, EXPIRY, PIECES, IDEM = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local USED, SEATS, UNITS, UNIT_HOLDS = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local FREE_UNITS, SHOP_UNITS, FREE_SHOP_UNITS, DAYS = KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local GONE_SEATS = KEYS[14] -- seats removed while held: deleted when their hold ends
local ADMITTED, QUEUE, WAITING, WAITING_USERS, USER_TICKETS =
    KEYS[15], KEYS[16], KEYS[17], KEYS[18], KEYS[19]
local NUL = '\0' -- joins shop and unit in SHOP_UNITS / FREE_SHOP_UNITS: "shop\0unit"
local NULL = cjson.null

-- An optional argument: "" is nil, otherwise the value behind a one-character "=" prefix.
local function opt(arg)
    if arg == '' then return nil end
    return string.sub(arg, 2)
end

local function day_field(d)
    return string.format('%d', d)
end

-- A hold record: {hold_id, user, kind, expires_ms, quantity, seats, unit|null, first_day,
-- end_day, ticket|null, idempotency_key|null}; numbers are decimal strings (exact).
local function pieces_of(h)
    if h[3] == 'stock' then return tonumber(h[5]) end
    if h[3] == 'seats' then return #h[6] end
    return 1
end

-- File a hold: its record, expiry, the user's pieces, ticket, idempotency key and goods.
local function take(h, rec)
    local hid, user = h[1], h[2]
    redis.call('HSET', HOLDS, hid, rec)
    redis.call('ZADD', EXPIRY, h[4], hid)
    redis.call('HINCRBY', PIECES, user, pieces_of(h))
    if h[10] ~= NULL then redis.call('SADD', USED, h[10]) end
    if h[11] ~= NULL then redis.call('HSET', IDEM, user .. '\n' .. h[11], hid) end
    if h[3] == 'stock' then redis.call('HINCRBY', META, 'taken', h[5]) end
    local newly_held = 0
    for _, seat in ipairs(h[6]) do
        local holder = redis.call('HGET', SEATS, seat)
        if holder == '' then
            newly_held = newly_held + 1
        elseif not holder then -- not for sale (a seeded hold): gone when the hold ends
            redis.call('SADD', GONE_SEATS, seat)
        end
        redis.call('HSET', SEATS, seat, hid)
    end
    if newly_held > 0 then redis.call('HINCRBY', META, 'free_seats', -newly_held) end
    local unit = h[7]
    if unit ~= NULL then
        redis.call('HSET', UNIT_HOLDS, unit, hid)
        local shop = redis.call('HGET', UNITS, unit)
        if shop then
            redis.call('ZREM', FREE_UNITS, unit)
            redis.call('ZREM', FREE_SHOP_UNITS, shop .. NUL .. unit)
        end
    end
    for d = tonumber(h[8]), tonumber(h[9]) - 1 do
        redis.call('HSET', DAYS, day_field(d), hid)
    end
end

-- Undo take() for one live hold; its record, or false when it is not live. (Decrements are
-- 0 - n, not -n: a Lua -0 reaches Redis as "-0", which HINCRBY refuses.)
local function free(hid)
    local rec = redis.call('HGET', HOLDS, hid)
    if not rec then return false end
    local h = cjson.decode(rec)
    local user = h[2]
    redis.call('HDEL', HOLDS, hid)
    redis.call('ZREM', EXPIRY, hid)
    if redis.call('HINCRBY', PIECES, user, 0 - pieces_of(h)) <= 0 then
        redis.call('HDEL', PIECES, user)
    end
    if h[11] ~= NULL then redis.call('HDEL', IDEM, user .. '\n' .. h[11]) end
    if h[3] == 'stock' then redis.call('HINCRBY', META, 'taken', 0 - tonumber(h[5])) end
    local freed = 0
    for _, seat in ipairs(h[6]) do
        local holder = redis.call('HGET', SEATS, seat)
        if holder and holder ~= '' then
            if redis.call('SREM', GONE_SEATS, seat) == 1 then
                redis.call('HDEL', SEATS, seat)
            else
                freed = freed + 1
                redis.call('HSET', SEATS, seat, '')
            end
        end
    end
    if freed > 0 then redis.call('HINCRBY', META, 'free_seats', freed) end
    local unit = h[7]
    if unit ~= NULL then
        redis.call('HDEL', UNIT_HOLDS, unit)
        local shop = redis.call('HGET', UNITS, unit)
        if shop then
            redis.call('ZADD', FREE_UNITS, 0, unit)
            redis.call('ZADD', FREE_SHOP_UNITS, 0, shop .. NUL .. unit)
        end
    end
    for d = tonumber(h[8]), tonumber(h[9]) - 1 do
        redis.call('HDEL', DAYS, day_field(d))
    end
    return rec
end

-- Where a ticket stands: {ticket, user, position, admitted_ms or "", used 0/1}, or false.
local function place(ticket)
    local rank = redis.call('ZRANK', WAITING, ticket)
    if rank then
        return {ticket, redis.call('HGET', WAITING_USERS, ticket), rank + 1, '', 0}
    end
    local admitted = redis.call('HGET', ADMITTED, ticket)
    if not admitted then return false end
    local i = string.find(admitted, '\n', 1, true)
    return {ticket, string.sub(admitted, i + 1), 0, string.sub(admitted, 1, i - 1),
        redis.call('SISMEMBER', USED, ticket)}
end

local function rules_fields(kind, limit, waiting_room, opens, closes, ttl)
    redis.call('HSET', META, 'kind', kind, 'limit', limit, 'waiting_room', waiting_room,
        'opens', opens, 'closes', closes, 'ttl', ttl)
end
