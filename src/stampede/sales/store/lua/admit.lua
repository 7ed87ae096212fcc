-- Token bucket: the first call starts it empty at ARGV now_ms; each later call adds
-- rate × elapsed (at most burst) and moves that many whole tickets from the head of the queue
-- to admitted. KEYS: all 19 sale keys. ARGV: now_ms, rate_per_s, burst.
-- Returns the tickets admitted now, or nil when the sale is unknown. Tokens are stored as
-- "%.17g" so the fraction survives exactly between calls.
if redis.call('EXISTS', META) == 0 then return false end
local state = redis.call('HMGET', QUEUE, 'tokens', 'last')
if not state[2] then
    redis.call('HSET', QUEUE, 'last', ARGV[1])
    return {}
end
local elapsed = math.max(0, tonumber(ARGV[1]) - tonumber(state[2]))
local tokens = math.min(tonumber(ARGV[3]),
    (tonumber(state[1]) or 0) + elapsed * tonumber(ARGV[2]) / 1000)
local count = 0
if tokens >= 1 then count = math.min(math.floor(tokens), redis.call('ZCARD', WAITING)) end
local tickets = {}
if count > 0 then
    tickets = redis.call('ZRANGE', WAITING, 0, count - 1)
    redis.call('ZREMRANGEBYRANK', WAITING, 0, count - 1)
    local stamp = ARGV[1] .. '\n'
    for _, ticket in ipairs(tickets) do
        redis.call('HSET', ADMITTED, ticket, stamp .. redis.call('HGET', WAITING_USERS, ticket))
        redis.call('HDEL', WAITING_USERS, ticket)
    end
end
redis.call('HSET', QUEUE, 'tokens', string.format('%.17g', tokens - count), 'last', ARGV[1])
return tickets
