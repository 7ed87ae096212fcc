-- Drop a waiting ticket, or else an admitted one. KEYS: all 19 sale keys. ARGV: ticket.
-- Returns 1 when it was there, else 0.
local ticket, user = ARGV[1], nil
if redis.call('ZREM', WAITING, ticket) == 1 then
    user = redis.call('HGET', WAITING_USERS, ticket)
    redis.call('HDEL', WAITING_USERS, ticket)
else
    local admitted = redis.call('HGET', ADMITTED, ticket)
    if not admitted then return 0 end
    redis.call('HDEL', ADMITTED, ticket)
    user = string.sub(admitted, string.find(admitted, '\n', 1, true) + 1)
end
if redis.call('HGET', USER_TICKETS, user) == ticket then
    redis.call('HDEL', USER_TICKETS, user)
end
return 1
