-- For each call, the user's live ticket (waiting, or admitted less than the rules' ttl ago and
-- unused), or the call's ticket appended at the end. KEYS: all 19 sale keys. ARGV[1]: a JSON
-- array of calls, each [user, ticket, now_ms]. Returns one place per call (see place() in lib.lua),
-- or nil when the sale is unknown.
local ttl = redis.call('HGET', META, 'ttl')
if not ttl then return false end

local function enter(user, ticket, now)
    local live = redis.call('HGET', USER_TICKETS, user)
    if live then
        local p = place(live)
        if p and (p[3] > 0 or (now - tonumber(p[4]) < tonumber(ttl) and p[5] == 0)) then
            return p
        end
    end
    local seq = redis.call('HINCRBY', QUEUE, 'seq', 1)
    redis.call('ZADD', WAITING, seq, ticket)
    redis.call('HSET', WAITING_USERS, ticket, user)
    redis.call('HSET', USER_TICKETS, user, ticket)
    return {ticket, user, redis.call('ZCARD', WAITING), '', 0}
end

local places = {}
for n, c in ipairs(cjson.decode(ARGV[1])) do places[n] = enter(c[1], c[2], tonumber(c[3])) end
return places
