-- File one live hold for expiry at ARGV[2] (ms): its record and its place in the expiry zset.
-- KEYS: the first 14 sale keys. ARGV: hold_id, expires_ms. Returns 1, or 0 when it is not live.
local rec = redis.call('HGET', HOLDS, ARGV[1])
if not rec then return 0 end
local h = cjson.decode(rec)
h[4] = ARGV[2]
redis.call('HSET', HOLDS, ARGV[1], cjson.encode(h))
redis.call('ZADD', EXPIRY, ARGV[2], ARGV[1])
return 1
