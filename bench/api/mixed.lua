-- A mixed read load for wrk: API lists, details and searches, pages, feeds, in turn.
-- Used by .ci/load.sh (CI: 60 s, zero errors) and bench/api/soak.py (make bench).
--
--   wrk -t2 -c8 -d60s -s bench/api/mixed.lua http://127.0.0.1:8767
--   wrk ... -s bench/api/mixed.lua http://127.0.0.1:8767 -- /a/ /b/?q=x   (your own paths)
--
-- Every path exists in a database made by load_papers and load_indicators alone.
-- Each wrk thread starts at a different place in the list, so the paths mix.

local defaults = {
  "/api/v1/proposals/?page_size=25",
  "/api/v1/proposals/?page=2",
  "/api/v1/proposals/118-4d/",
  "/api/v1/proposals/138-1a/",
  "/api/v1/proposals/?q=police",
  "/api/v1/proposals/?status=not_assessed&paper=138",
  "/api/v1/papers/",
  "/api/v1/themes/",
  "/api/v1/changes/",
  "/",
  "/proposals/",
  "/proposals/118-4d/",
  "/proposals/?q=prison",
  "/proposals/?paper=118",
  "/papers/138/",
  "/compare/118-138/",
  "/evidence/",
  "/methodology/",
  "/feeds/changes.atom",
  "/feeds/papers/118.atom",
}

local paths = defaults
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads)
end

function init(args)
  if #args > 0 then
    paths = args
  end
  -- setup() set the global "offset" in this thread's state.
  counter = (offset or 0) * 7
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
