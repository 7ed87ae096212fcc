-- Where each ticket in ARGV stands: one place per ticket (see place() in lib.lua), false when
-- unknown. KEYS: all 19 sale keys.
local places = {}
for i = 1, #ARGV do places[i] = place(ARGV[i]) end
return places
