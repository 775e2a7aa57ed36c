// Lua run inside Redis, so each read-check-write is atomic: Redis runs one script at a time. Keys are built from
// the prefix inside the scripts; all of one store's keys carry the prefix's hash tag, so they share a cluster slot.
//
//   <prefix>u:<key>   hash {used, we}                 committed usage, counted while its window (we) is open
//   <prefix>h:<key>   hash <rid>:<i> → amount|we|exp  live holds on the key, one per charge of a reservation
//   <prefix>r:<rid>   hash {exp, n, k0 … k(n-1)}      a reservation and the keys it holds
//
// Numbers travel as strings and are written back with %.17g, so a double survives the round trip exactly (Lua's
// tostring keeps only 14 digits). `now` comes from the caller's clock.

const COMMON = `
local P = ARGV[1]
local now = tonumber(ARGV[2])
local function open(we) return we == nil or we == false or we == '' or now < tonumber(we) end
local function fmt(x) return string.format('%.17g', x) end
local function split(v) return string.match(v, '^([^|]*)|([^|]*)|([^|]*)$') end
local function used(key)
  local total = 0
  local ukey = P .. 'u:' .. key
  local c = redis.call('HMGET', ukey, 'used', 'we')
  if c[1] then
    if open(c[2]) then total = tonumber(c[1]) else redis.call('DEL', ukey) end
  end
  local hkey = P .. 'h:' .. key
  local holds = redis.call('HGETALL', hkey)
  for i = 1, #holds, 2 do
    local amount, we, exp = split(holds[i + 1])
    if now >= tonumber(exp) then redis.call('HDEL', hkey, holds[i])
    elseif open(we) then total = total + tonumber(amount) end
  end
  return total
end
`;

/**
 * ARGV: prefix, now, reservation id, expires at, gc ms, n, then n × (key, amount, limit, window end or '').
 * Returns {1} when every charge was reserved, or {0, index of the first that does not fit, what its key used}.
 */
export const RESERVE = `${COMMON}
local rid = ARGV[3]
local exp = ARGV[4]
local gc = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local pending = {}
for i = 0, n - 1 do
  local key = ARGV[7 + i * 4]
  local before = pending[key]
  if before == nil then before = used(key) end
  local after = before + tonumber(ARGV[8 + i * 4])
  if after > tonumber(ARGV[9 + i * 4]) then return {0, i, fmt(before)} end
  pending[key] = after
end
local rkey = P .. 'r:' .. rid
redis.call('HSET', rkey, 'exp', exp, 'n', n)
for i = 0, n - 1 do
  local key = ARGV[7 + i * 4]
  local hkey = P .. 'h:' .. key
  redis.call('HSET', rkey, 'k' .. i, key)
  redis.call('HSET', hkey, rid .. ':' .. i, ARGV[8 + i * 4] .. '|' .. ARGV[10 + i * 4] .. '|' .. exp)
  -- Garbage collection only (in server time): expiry itself is decided by exp against the caller's clock.
  redis.call('PEXPIRE', hkey, gc)
end
redis.call('PEXPIRE', rkey, gc)
return {1}
`;

/**
 * ARGV: prefix, now, reservation id, 'commit' or 'release'. Returns 1 when the reservation was live and is now
 * finished, 0 when it was unknown, already finished or expired (an expired one is removed all the same).
 */
export const FINISH = `${COMMON}
local rid = ARGV[3]
local commit = ARGV[4] == 'commit'
local rkey = P .. 'r:' .. rid
local r = redis.call('HGETALL', rkey)
if #r == 0 then return 0 end
local h = {}
for i = 1, #r, 2 do h[r[i]] = r[i + 1] end
redis.call('DEL', rkey)
local live = now < tonumber(h['exp'])
for i = 0, tonumber(h['n']) - 1 do
  local key = h['k' .. i]
  local hkey = P .. 'h:' .. key
  local field = rid .. ':' .. i
  local hold = redis.call('HGET', hkey, field)
  redis.call('HDEL', hkey, field)
  if live and commit and hold then
    local amount, we = split(hold)
    if open(we) then
      local ukey = P .. 'u:' .. key
      local c = redis.call('HMGET', ukey, 'used', 'we')
      local base = 0
      if c[1] and open(c[2]) then base = tonumber(c[1]) end
      redis.call('HSET', ukey, 'used', fmt(base + tonumber(amount)), 'we', we)
    end
  end
end
if live then return 1 end
return 0
`;

/** ARGV: prefix, now, keys…. Returns each key's usage as a string. */
export const USAGE = `${COMMON}
local out = {}
for i = 3, #ARGV do out[#out + 1] = fmt(used(ARGV[i])) end
return out
`;
