-- Add seats (free), then remove seats: a free one at once, a held one when its hold ends
-- (adding it again before then keeps it). KEYS: the first 14 sale keys.
-- ARGV: number of seats to add, those seats, seats to remove. 0 when the sale is unknown.
if redis.call('EXISTS', META) == 0 then return 0 end
local adds, delta = tonumber(ARGV[1]), 0
for i = 2, adds + 1 do
    if redis.call('HSETNX', SEATS, ARGV[i], '') == 1 then
        delta = delta + 1
    else
        redis.call('SREM', GONE_SEATS, ARGV[i])
    end
end
for i = adds + 2, #ARGV do
    local holder = redis.call('HGET', SEATS, ARGV[i])
    if holder == '' then
        redis.call('HDEL', SEATS, ARGV[i])
        delta = delta - 1
    elseif holder then
        redis.call('SADD', GONE_SEATS, ARGV[i])
    end
end
if delta ~= 0 then redis.call('HINCRBY', META, 'free_seats', delta) end
return 1
