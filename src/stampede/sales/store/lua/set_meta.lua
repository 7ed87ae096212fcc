-- Set one field of a known sale (stock, rentable). KEYS: the first 14 sale keys.
-- ARGV: field, value. Returns 0 when the sale is unknown.
if redis.call('EXISTS', META) == 0 then return 0 end
redis.call('HSET', META, ARGV[1], ARGV[2])
return 1
