-- wrk script: Webdis-style SET with a different key on every request,
--   GET /SET/<prefix>:<thread>:<n>/<value>
-- wrk ... -s set.lua URL -- <prefix> <value>
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local prefix, value, counter = "bench:set", "value", 0

function init(args)
  prefix = args[1] or prefix
  value = args[2] or value
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/SET/" .. prefix .. ":" .. tostring(tid) .. ":" .. tostring(counter % 100000) .. "/" .. value)
end
