-- wrk: POST the appointment request form, each request a new patient with its own marker.
-- The CSRF cookie and token come from one GET of the form (Django accepts the same pair
-- again and again); BENCH_MARKER tags this run's requests so they can be counted afterwards.
local csrf_cookie = os.getenv("BENCH_CSRF_COOKIE")
local csrf_token = os.getenv("BENCH_CSRF_TOKEN")
local marker = os.getenv("BENCH_MARKER")
local path = os.getenv("BENCH_FORM_PATH") or "/appointments/request/"

local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

local sent = 0
math.randomseed(os.time())

local function random_hex(length)
  local digits = {}
  for i = 1, length do
    digits[i] = string.format("%x", math.random(0, 15))
  end
  return table.concat(digits)
end

function request()
  sent = sent + 1
  local tag = string.format("%s-T%d-%d", marker, thread_number, sent)
  local body = "csrfmiddlewaretoken=" .. csrf_token ..
    "&name=Bench+Patient+" .. tag ..
    "&patient_type=new&contact_method=email" ..
    "&email=patient-" .. string.lower(tag) .. "%40example.com&phone=" ..
    "&best_time=any&visit_type=in_person&areas=knee" ..
    "&message=Load+test+request+" .. tag ..
    "&acknowledged_not_emergency=on&website=" ..
    "&submission_token=" .. random_hex(32)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. csrf_cookie,
  }, body)
end

dofile(os.getenv("BENCH_REPORT_LUA"))
