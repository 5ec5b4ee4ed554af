#!lua name=pushgate
-- pushgate_publish on a Redis Cluster: publish.lua but for SPUBLISH, because a topic's channel is
-- a shard channel in the slot of its key (see README "Redis mode", "Redis Cluster"). Keep the two
-- files alike in everything else: other applications FCALL either one the same way.
--   FCALL pushgate_publish 1 <prefix>:{<topic>} <text>
-- Creates the topic's epoch when its hash is new, increments the version, stores text and
-- publish time (Unix micros), and publishes one message on the shard channel <prefix>:{<topic>}:ch:
--   "pushgate1 <topic> <epoch> <version> <micros>\n<text>"
-- Returns {epoch, version, micros}.
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
  local now = redis.call('TIME')
  local micros = tonumber(now[1]) * 1000000 + tonumber(now[2])
  local epoch = redis.call('HGET', key, 'epoch')
  if not epoch then
    epoch = new_epoch(key, micros)
  end
  local version = redis.call('HINCRBY', key, 'version', 1)
  local stamp = string.format('%d', micros)
  redis.call('HSET', key, 'epoch', epoch, 'text', text, 'ts', stamp)
  redis.call('SPUBLISH', key .. ':ch', 'pushgate1 ' .. topic .. ' ' .. epoch .. ' ' .. version .. ' ' .. stamp .. '\n' .. text)
  return {epoch, version, micros}
end

redis.register_function('pushgate_publish', publish)
