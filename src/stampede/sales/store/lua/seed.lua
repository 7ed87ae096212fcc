-- Replace everything about one sale except its waiting room. KEYS: the first 14 sale keys.
-- ARGV[1]: JSON [[kind, limit, waiting_room, opens, closes, ttl], stock, rentable (1/0),
-- [seat...], [[unit, shop]...], [used ticket...], [hold record...]]; numbers as strings.
redis.call('DEL', unpack(KEYS, 1, 14))
local s = cjson.decode(ARGV[1])
local r = s[1]
rules_fields(r[1], r[2], r[3], r[4], r[5], r[6])
local free_seats = 0
for _, seat in ipairs(s[4]) do
    free_seats = free_seats + redis.call('HSETNX', SEATS, seat, '')
end
redis.call('HSET', META, 'stock', s[2], 'taken', 0, 'rentable', s[3], 'free_seats', free_seats)
for _, pair in ipairs(s[5]) do
    local unit, shop = pair[1], pair[2]
    redis.call('HSET', UNITS, unit, shop)
    redis.call('ZADD', SHOP_UNITS, 0, shop .. NUL .. unit)
    redis.call('ZADD', FREE_UNITS, 0, unit)
    redis.call('ZADD', FREE_SHOP_UNITS, 0, shop .. NUL .. unit)
end
for _, ticket in ipairs(s[6]) do
    redis.call('SADD', USED, ticket)
end
for _, h in ipairs(s[7]) do
    take(h, cjson.encode(h))
end
return 1
