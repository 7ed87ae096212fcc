-- Create a sale or change its rules. KEYS: the first 14 sale keys.
-- ARGV: kind, per_user_limit, waiting_room (1/0), opens_ms, closes_ms, admission_ttl_ms.
if redis.call('EXISTS', META) == 0 then
    redis.call('HSET', META, 'stock', 0, 'taken', 0, 'rentable', 1, 'free_seats', 0)
end
rules_fields(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
return 1
