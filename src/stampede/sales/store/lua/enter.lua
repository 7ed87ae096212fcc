-- For each call, the user's live ticket (waiting, or admitted less than the rules' ttl ago and
-- unused), or the call's ticket appended at the end. KEYS: all 19 sale keys. ARGV: user,
-- ticket, now_ms for each call in turn. Returns one place per call (see place() in lib.lua),
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
for i = 1, #ARGV, 3 do
    places[#places + 1] = enter(ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]))
end
return places
