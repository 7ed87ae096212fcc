-- Free one live hold. KEYS: the first 14 sale keys. ARGV: hold_id.
-- Returns its record, or nil when it is not live.
return free(ARGV[1])
