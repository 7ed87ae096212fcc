-- Free up to ARGV[2] holds with expires_ms <= ARGV[1], earliest first (ties by hold id).
-- KEYS: the first 14 sale keys. Returns their records.
local due = redis.call('ZRANGEBYSCORE', EXPIRY, '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local freed = {}
for _, hid in ipairs(due) do
    local rec = free(hid)
    if rec then freed[#freed + 1] = rec end
end
return freed
