-- Where each ticket stands: one place per call (see place() in lib.lua), false when unknown.
-- KEYS: all 19 sale keys. ARGV[1]: a JSON array of calls, each [ticket].
local places = {}
for n, c in ipairs(cjson.decode(ARGV[1])) do places[n] = place(c[1]) end
return places
