#!lua name=pushgate
-- pushgate_publish: the one atomic publish of a pushgate deployment (see README "Redis mode").
-- On a Redis Cluster the node loads it with SPUBLISH in PUBLISH below (PublishLibrary): there a
-- topic's channel is a shard channel in the slot of its key (README "Redis Cluster").
--   FCALL pushgate_publish 1 <prefix>:{<topic>} <text> [DEADLINE <unix-ms>] [IFMATCH <version>-<epoch>|*]
-- Creates the topic's epoch when its hash is new, increments the version, stores text and
-- publish time (Unix micros), and publishes one message on <prefix>:{<topic>}:ch:
--   "pushgate1 <topic> <epoch> <version> <micros>\n<text>"
-- Returns {epoch, version, micros}. Options (any order; names in any case):
--   DEADLINE <unix-ms>: store nothing once Redis' own clock (TIME) is at or past it; the error
--     "DEADLINE ..." says so. A caller that stopped waiting for the answer gives one, so a late
--     delivery of the call (a link that came back, TCP retransmitting) can no longer change anything.
--   IFMATCH <version>-<epoch> (or *: any state): store only when the topic is at exactly that
--     state, else the error "PRECONDITION pushgate: current <version>-<epoch>" (or "... no state").
-- pushgate_publish_v2 is the same function under the name a node calls: a library from before the
-- options lacks it, so where an older node loaded its library the call fails, storing nothing,
-- rather than ignoring the options.

local PUBLISH = 'PUBLISH'
local EPOCH_SPACE = 2821109907456 -- 36^8
local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'

local function new_epoch(key, micros)
  local n = micros % EPOCH_SPACE
  for i = 1, #key do
    n = (n * 31 + string.byte(key, i)) % EPOCH_SPACE
  end
  local out = {}
  for i = 1, 8 do
    local d = n % 36
    out[9 - i] = string.sub(DIGITS, d + 1, d + 1)
    n = math.floor(n / 36)
  end
  return table.concat(out)
end

-- The options after the text: deadline (ms, a number) and ifmatch (a string), or an error.
local function options(args)
  local deadline, ifmatch
  for i = 2, #args, 2 do
    local name, value = string.upper(args[i]), args[i + 1]
    if value == nil then
      return nil, nil, 'ERR pushgate: option ' .. args[i] .. ' needs a value'
    elseif name == 'DEADLINE' and string.match(value, '^%d+$') then
      deadline = tonumber(value)
    elseif name == 'IFMATCH' then
      ifmatch = value
    else
      return nil, nil, 'ERR pushgate: unknown option or bad value: ' .. args[i]
    end
  end
  return deadline, ifmatch
end

-- Whether the state (epoch, version), epoch false when there is none, is what ifmatch requires.
local function matches(ifmatch, epoch, version)
  if not epoch then
    return false
  elseif ifmatch == '*' then
    return true
  end
  local want_version, want_epoch = string.match(ifmatch, '^(%d+)-([0-9a-z]+)$')
  return want_epoch == epoch and tonumber(want_version) == tonumber(version)
end

local function publish(keys, args)
  local key = keys[1]
  local topic = key and string.match(key, '{([A-Za-z0-9._:-]+)}$')
  if not topic or #topic > 128 then
    return redis.error_reply('ERR pushgate: key must be <prefix>:{<topic>} with a valid topic name')
  end
  local text = args[1]
  if text == nil then
    return redis.error_reply('ERR pushgate: the text argument is missing')
  end
  local deadline, ifmatch, bad = options(args)
  if bad then
    return redis.error_reply(bad)
  end
  local now = redis.call('TIME')
  local micros = tonumber(now[1]) * 1000000 + tonumber(now[2])
  if deadline and micros >= deadline * 1000 then
    return redis.error_reply(string.format('DEADLINE pushgate: the deadline passed %d ms before the publish ran; nothing stored',
      math.floor(micros / 1000) - deadline))
  end
  local epoch = redis.call('HGET', key, 'epoch')
  if ifmatch then
    local current = epoch and redis.call('HGET', key, 'version')
    if not matches(ifmatch, epoch, current) then
      return redis.error_reply('PRECONDITION pushgate: ' .. (epoch and ('current ' .. current .. '-' .. epoch) or 'no state'))
    end
  end
  if not epoch then
    epoch = new_epoch(key, micros)
  end
  local version = redis.call('HINCRBY', key, 'version', 1)
  local stamp = string.format('%d', micros)
  redis.call('HSET', key, 'epoch', epoch, 'text', text, 'ts', stamp)
  redis.call(PUBLISH, key .. ':ch', 'pushgate1 ' .. topic .. ' ' .. epoch .. ' ' .. version .. ' ' .. stamp .. '\n' .. text)
  return {epoch, version, micros}
end

-- pushgate_follow_read: the state of a topic that an application keeps in its own two keys, a text
-- and a counter it increments on every change (README "Following an application's keys").
--   FCALL pushgate_follow_read 3 <text key> <counter key> <state key>
-- Reads text and counter in one atomic step, so a text is never paired with another counter value.
-- Returns {epoch, version, micros, text}, version = the counter, or an empty array while the text
-- or the counter is missing or the counter is 0 or less. The epoch, agreed by every node that
-- follows the keys, lives in the hash <state key> (in the counter's slot: its name carries the
-- counter's hash tag) with seen = the highest counter read and ts = when it was first read:
-- created on the first read, and renewed when the counter is below seen (reset) or when the keys
-- were found missing since (seen = 0 marks that). The app's keys are only read, never written.
local function follow_read(keys, args)
  local text = redis.call('GET', keys[1])
  local counter = redis.call('GET', keys[2])
  local state = redis.call('HMGET', keys[3], 'epoch', 'seen', 'ts')
  local epoch, seen, ts = state[1], tonumber(state[2]), state[3]
  if counter and not string.match(counter, '^-?%d+$') then
    return redis.error_reply('ERR pushgate: the counter ' .. keys[2] .. ' does not hold an integer')
  end
  local version = counter and tonumber(counter)
  if not text or not version or version < 1 then
    if epoch and seen ~= 0 then
      redis.call('HSET', keys[3], 'seen', 0)
    end
    return {}
  end
  if not epoch or not seen or seen == 0 or version < seen then
    local now = redis.call('TIME')
    local micros = tonumber(now[1]) * 1000000 + tonumber(now[2])
    epoch = new_epoch(keys[2], micros)
    ts = string.format('%d', micros)
    redis.call('HSET', keys[3], 'epoch', epoch, 'seen', version, 'ts', ts)
  elseif version > seen then
    local now = redis.call('TIME')
    ts = string.format('%d', tonumber(now[1]) * 1000000 + tonumber(now[2]))
    redis.call('HSET', keys[3], 'seen', version, 'ts', ts)
  end
  return {epoch, string.format('%d', version), ts, text}
end

redis.register_function('pushgate_publish', publish)
redis.register_function('pushgate_follow_read', follow_read)
redis.register_function('pushgate_publish_v2', publish)
