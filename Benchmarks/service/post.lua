-- wrk script for the coding-service benchmark (Benchmarks/service/run.sh): POSTs the bodies of
-- SVC_BODIES (one JSON request body a line, written by run.sh) in turn, each wrk thread starting at
-- another line, with "Authorization: Bearer $SVC_KEY". Counts answers other than 200 itself (wrk
-- counts only non-2xx/3xx) and writes requests, latency percentiles and errors as JSON to SVC_OUT.
--
--   SVC_BODIES=bodies.jsonl SVC_KEY=... SVC_OUT=out.json SVC_RECORDS=1 \
--       wrk -t2 -c16 -d20s --latency -s Benchmarks/service/post.lua http://127.0.0.1:PORT/v1/code

local threads = {}
local counter = 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

local requests = {}
local next_request = 1
non200 = 0
first_bad = ""

function init(args)
    local path = os.getenv("SVC_BODIES") or error("SVC_BODIES is not set")
    local key = os.getenv("SVC_KEY") or error("SVC_KEY is not set")
    local headers = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
    for line in io.lines(path) do
        if #line > 0 then
            table.insert(requests, wrk.format("POST", nil, headers, line))
        end
    end
    if #requests == 0 then error("no request bodies in " .. path) end
    -- Threads start far apart in the list, so that they do not send the same texts at once.
    next_request = (id * 7919) % #requests + 1
end

function request()
    local r = requests[next_request]
    next_request = next_request % #requests + 1
    return r
end

function response(status, headers, body)
    if status ~= 200 then
        non200 = non200 + 1
        if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
    end
end

local function json_string(s)
    return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests_)
    local bad, bad_text = 0, ""
    for _, t in ipairs(threads) do
        bad = bad + (t:get("non200") or 0)
        local text = t:get("first_bad") or ""
        if bad_text == "" then bad_text = text end
    end
    local e = summary.errors
    local ms = function(us) return us / 1000.0 end
    local out = {
        string.format('"requests": %d', summary.requests),
        string.format('"duration_s": %.6f', summary.duration / 1e6),
        string.format('"bytes_read": %d', summary.bytes),
        string.format('"requests_per_s": %.3f', summary.requests / (summary.duration / 1e6)),
        string.format('"records_per_request": %d', tonumber(os.getenv("SVC_RECORDS") or "1")),
        string.format('"latency_ms": {"mean": %.4f, "stdev": %.4f, "min": %.4f, "p50": %.4f, "p90": %.4f, "p99": %.4f, "p999": %.4f, "max": %.4f}',
            ms(latency.mean), ms(latency.stdev), ms(latency.min), ms(latency:percentile(50)),
            ms(latency:percentile(90)), ms(latency:percentile(99)), ms(latency:percentile(99.9)), ms(latency.max)),
        string.format('"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
            e.connect, e.read, e.write, e.status, e.timeout),
        string.format('"non200": %d', bad),
        '"first_non200": ' .. json_string(bad_text),
    }
    local path = os.getenv("SVC_OUT")
    local text = "{" .. table.concat(out, ", ") .. "}\n"
    if path then
        local f = assert(io.open(path, "w"))
        f:write(text)
        f:close()
    end
    io.stderr:write(string.format("non-200 answers: %d\n", bad))
end
