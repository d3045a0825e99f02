-- wrk script: cycles through the URL paths listed in the file $TILES_PATHS (one per line),
-- asking for gzip as map clients do. Each thread starts at a different offset.
local paths = {}
local i = 0

function setup(thread)
    thread:set("offset", math.random(1, 1000000))
end

function init(args)
    for line in io.lines(os.getenv("TILES_PATHS")) do
        if #line > 0 then
            paths[#paths + 1] = line
        end
    end
    if #paths == 0 then
        error("no path in " .. tostring(os.getenv("TILES_PATHS")))
    end
    i = (offset or 0) % #paths
end

function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
end

local bad = 0
function response(status, headers, body)
    if status ~= 200 then
        bad = bad + 1
        if bad == 1 then
            io.stderr:write("unexpected status " .. status .. "\n")
        end
    end
end
