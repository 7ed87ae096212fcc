-- Replace the sellable units of one shop; a held unit stays held, and is free again when its
-- hold ends only if it is still sellable. A unit listed here that another shop had moves here.
-- KEYS: the first 14 sale keys. ARGV: shop, unit ids... Returns 0 when the sale is unknown.
if redis.call('EXISTS', META) == 0 then return 0 end
local shop = ARGV[1]
local lead = #shop + 2
local old = redis.call('ZRANGE', SHOP_UNITS, '[' .. shop .. NUL, '(' .. shop .. '\1', 'BYLEX')
for _, member in ipairs(old) do
    local unit = string.sub(member, lead)
    redis.call('HDEL', UNITS, unit)
    redis.call('ZREM', FREE_UNITS, unit)
    redis.call('ZREM', FREE_SHOP_UNITS, member)
    redis.call('ZREM', SHOP_UNITS, member)
end
for i = 2, #ARGV do
    local unit = ARGV[i]
    local member = shop .. NUL .. unit
    local before = redis.call('HGET', UNITS, unit)
    if before then
        redis.call('ZREM', SHOP_UNITS, before .. NUL .. unit)
        redis.call('ZREM', FREE_SHOP_UNITS, before .. NUL .. unit)
    end
    redis.call('HSET', UNITS, unit, shop)
    redis.call('ZADD', SHOP_UNITS, 0, member)
    if redis.call('HEXISTS', UNIT_HOLDS, unit) == 0 then
        redis.call('ZADD', FREE_UNITS, 0, unit)
        redis.call('ZADD', FREE_SHOP_UNITS, 0, member)
    end
end
return 1
