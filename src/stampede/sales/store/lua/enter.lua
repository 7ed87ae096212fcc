-- The user's live ticket (waiting, or admitted less than the rules' ttl ago and unused), or
-- ARGV ticket appended at the end. KEYS: all 19 sale keys. ARGV: user, ticket, now_ms.
-- Returns a place (see place() in lib.lua), or nil when the sale is unknown.
local ttl = redis.call('HGET', META, 'ttl')
if not ttl then return false end
local user, ticket = ARGV[1], ARGV[2]
local live = redis.call('HGET', USER_TICKETS, user)
if live then
    local p = place(live)
    if p and (p[3] > 0 or (tonumber(ARGV[3]) - tonumber(p[4]) < tonumber(ttl) and p[5] == 0)) then
        return p
    end
end
local seq = redis.call('HINCRBY', QUEUE, 'seq', 1)
redis.call('ZADD', WAITING, seq, ticket)
redis.call('HSET', WAITING_USERS, ticket, user)
redis.call('HSET', USER_TICKETS, user, ticket)
return {ticket, user, redis.call('ZCARD', WAITING), '', 0}
