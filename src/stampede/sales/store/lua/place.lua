-- Where ARGV[1] (a ticket) stands; nil when unknown. KEYS: all 19 sale keys.
return place(ARGV[1])
