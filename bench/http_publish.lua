-- wrk script: every request publishes a new value at a distinct owner name
-- (POST /v1/records/<name>), as a client fleet publishing mailbox slots would.
-- Env: DM_PIPELINE (requests sent back to back per round trip, default 1).
local counter = 0
local thread_id = 0
local threads = {}
local depth = tonumber(os.getenv("DM_PIPELINE") or "1")

function setup(thread)
	thread_id = thread_id + 1
	thread:set("tid", thread_id)
	table.insert(threads, thread)
end

function init(args)
	counter = 0
	math.randomseed(os.time() + tid)
	run = string.format("%08x", math.random(0, 0x7fffffff))
end

local function one()
	counter = counter + 1
	local name = string.format("slot-%d.mb-%012x.bench%s-%d.example", counter % 10, counter, run, tid)
	local body = string.format('{"value": "v=dmp1;t=bench;%d", "ttl": 3600}', counter)
	return wrk.format("POST", "/v1/records/" .. name, {["Content-Type"] = "application/json"}, body)
end

function request()
	if depth <= 1 then
		return one()
	end
	local reqs = {}
	for i = 1, depth do
		reqs[i] = one()
	end
	return table.concat(reqs)
end

local codes = {}
function response(status, headers, body)
	codes[status] = (codes[status] or 0) + 1
	if status ~= 201 and (codes[status] or 0) <= 3 then
		io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
	end
end

function done(summary, latency, requests)
	io.write(string.format("requests %d errors_status %d\n", summary.requests, summary.errors.status))
end
