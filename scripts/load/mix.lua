-- wrk script: the crowd `cinesense bench load` makes, from a separate, lean load generator.
-- Nine requests in ten are search-as-you-type (1 to 8 letters of a popular title), one in ten
-- a member's rating. run.sh writes the titles and tokens this reads. Prints throughput by kind
-- and the server-side p50/p99 of each (its Server-Timing header, where the build sends one).
local data = dofile(os.getenv("WRK_MIX_DATA"))
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  search_ms, rating_ms, errors = {}, {}, 0
end

local function escape(s)
  return (s:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  if math.random(10) == 1 then
    local id = data.ids[math.random(#data.ids)]
    local token = data.tokens[math.random(#data.tokens)]
    local stars = math.random(10) / 2
    return wrk.format("PUT", "/api/me/ratings/" .. id,
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
      '{"rating":' .. stars .. '}')
  end
  local title = data.titles[math.random(#data.titles)]
  local q = title:sub(1, math.random(math.min(8, #title)))
  return wrk.format("GET", "/api/search?q=" .. escape(q))
end

function response(status, headers, body)
  if status >= 500 then errors = errors + 1 end
  local timing = headers["Server-Timing"] or headers["server-timing"]
  local ms = timing and tonumber(timing:match("dur=([%d%.]+)"))
  -- Responses of one thread's connections interleave: tell the kind by the answer.
  if ms then
    if body:sub(1, 9) == '{"query":' then table.insert(search_ms, ms) else table.insert(rating_ms, ms) end
  end
end

local function pct(t, p)
  if #t == 0 then return 0 end
  table.sort(t)
  return t[math.max(1, math.floor(#t * p + 0.5))]
end

function done(summary, latency, requests)
  local s, r, e = {}, {}, 0
  for _, t in ipairs(threads) do
    for _, v in ipairs(t:get("search_ms")) do table.insert(s, v) end
    for _, v in ipairs(t:get("rating_ms")) do table.insert(r, v) end
    e = e + t:get("errors")
  end
  io.write(string.format(
    '{"requests_per_second":%.1f,"requests":%d,"p50_ms":%.2f,"p99_ms":%.2f,"server_5xx":%d,"socket_errors":%d,"timeouts":%d,' ..
    '"server_side":{"search_p50_ms":%.2f,"search_p99_ms":%.2f,"rating_p50_ms":%.2f,"rating_p99_ms":%.2f}}\n',
    summary.requests / (summary.duration / 1e6), summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    pct(s, 0.5), pct(s, 0.99), pct(r, 0.5), pct(r, 0.99)))
end
