-- The atomic hold step (hot path), for a batch of requests to one sale, each decided in turn
-- exactly as if it ran alone (a later request sees what an earlier one took).
-- KEYS: the first 15 sale keys. ARGV[1]: a JSON array with, for each request, an array of
-- strings: 13 fields then its seat ids:
-- hold_id, user, kind, expires_ms, now_ms, ticket?, idempotency_key?, quantity, unit?, shop?,
-- first_day, end_day, seat count ("?" = optional: "" or "=" .. value).
-- Returns one reply per request: a verdict string ("granted" or a rejection),
-- {"granted", chosen unit} or {"replayed", record}. Checks run in the order of the inventory
-- docstring.
-- The sale's rules and counts, read once per batch: a grant changes only 'taken' (re-read).
local m = redis.call('HMGET', META, 'kind', 'limit', 'waiting_room', 'opens', 'closes', 'ttl',
    'rentable', 'stock', 'taken')

local function hold_one(a, nseats)
    local hid, user, kind = a[1], a[2], a[3]
    local ticket, key = opt(a[6]), opt(a[7])
    if key then
        local first = redis.call('HGET', IDEM, user .. '\n' .. key)
        if first then return {'replayed', redis.call('HGET', HOLDS, first)} end
    end
    if m[1] ~= kind then return 'unknown' end
    local now, opens, closes = tonumber(a[5]), tonumber(m[4]), tonumber(m[5])
    if (opens ~= 0 and now < opens) or (closes ~= 0 and now >= closes)
        or (kind == 'dates' and m[7] ~= '1') then
        return 'closed'
    end
    if m[3] == '1' then
        local admitted = redis.call('HGET', ADMITTED, ticket or '')
        if not admitted then return 'not_admitted' end
        local i = string.find(admitted, '\n', 1, true)
        if string.sub(admitted, i + 1) ~= user then return 'not_admitted' end
        if ticket and redis.call('SISMEMBER', USED, ticket) == 1 then return 'token_used' end
        if now - tonumber(string.sub(admitted, 1, i - 1)) >= tonumber(m[6]) then
            return 'not_admitted'
        end
    end
    local limit = tonumber(m[2])
    if limit ~= 0 then
        local pieces = 1
        if kind == 'stock' then
            pieces = tonumber(a[8])
        elseif kind == 'seats' then
            pieces = nseats
        end
        if (tonumber(redis.call('HGET', PIECES, user)) or 0) + pieces > limit then
            return 'over_limit'
        end
    end
    local unit, chosen = opt(a[9]), false
    if kind == 'stock' then
        if tonumber(m[9]) + tonumber(a[8]) > tonumber(m[8]) then return 'sold_out' end
    elseif kind == 'seats' then
        if nseats > 0 then
            local holders, taken = redis.call('HMGET', SEATS, unpack(a, 14, 13 + nseats)), false
            for i = 1, nseats do
                if not holders[i] then return 'unknown' end
                if holders[i] ~= '' then taken = true end
            end
            if taken then return 'taken' end
        end
    elseif kind == 'unit' then
        if unit then
            if redis.call('HEXISTS', UNIT_HOLDS, unit) == 1 then return 'taken' end
            if redis.call('HEXISTS', UNITS, unit) == 0 then return 'unknown' end
        else
            local shop = opt(a[10])
            if shop then
                local member = redis.call('ZRANGE', FREE_SHOP_UNITS, '[' .. shop .. NUL,
                    '(' .. shop .. '\1', 'BYLEX', 'LIMIT', 0, 1)[1]
                if not member then return 'taken' end
                unit = string.sub(member, #shop + 2)
            else
                unit = redis.call('ZRANGE', FREE_UNITS, 0, 0)[1]
                if not unit then return 'taken' end
            end
            chosen = true
        end
    else
        local first, stop = tonumber(a[11]), tonumber(a[12])
        if stop > first then
            local days = {}
            for d = first, stop - 1 do days[#days + 1] = day_field(d) end
            local holders = redis.call('HMGET', DAYS, unpack(days))
            for i = 1, #days do
                if holders[i] then return 'taken' end
            end
        end
    end
    local seats = {}
    for i = 14, 13 + nseats do seats[#seats + 1] = a[i] end
    local h = {hid, user, kind, a[4], a[8], seats, unit or NULL, a[11], a[12],
        ticket or NULL, key or NULL}
    take(h, cjson.encode(h))
    m[9] = redis.call('HGET', META, 'taken')
    if chosen then return {'granted', unit} end
    return 'granted'
end

local replies = {}
for n, a in ipairs(cjson.decode(ARGV[1])) do replies[n] = hold_one(a, tonumber(a[13])) end
return replies
