-- Stock left, free seats, free units, or 1/0 for a rentable car with no live hold.
-- KEYS: the first 14 sale keys. Returns 0 for an unknown sale.
local m = redis.call('HMGET', META, 'kind', 'stock', 'taken', 'free_seats', 'rentable')
local kind = m[1]
if not kind then return 0 end
if kind == 'stock' then return math.max(0, tonumber(m[2]) - tonumber(m[3])) end
if kind == 'seats' then return tonumber(m[4]) end
if kind == 'unit' then return redis.call('ZCARD', FREE_UNITS) end
if m[5] == '1' and redis.call('HLEN', HOLDS) == 0 then return 1 end
return 0
