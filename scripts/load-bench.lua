-- wrk script of scripts/load-bench: every request reads the signed-in
-- person's own record with the next bearer token of SIRM_BENCH_TOKENS (one
-- session per bench person), so the load spreads over all of them. Each wrk
-- thread starts at a different place in the list.
local tokens = {}
local next_index = 1
local path = "/api/v1/my/record"

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
end

function init(args)
  local file = os.getenv("SIRM_BENCH_TOKENS")
  if file == nil then
    error("SIRM_BENCH_TOKENS is not set")
  end
  for line in io.lines(file) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  if #tokens == 0 then
    error("no token in " .. file)
  end
  local n = tonumber(thread_no) or 1
  next_index = ((n - 1) * 7919) % #tokens + 1
end

function request()
  local t = tokens[next_index]
  next_index = next_index % #tokens + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. t })
end
