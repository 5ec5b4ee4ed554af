#!lua name=pushgate
-- pushgate_publish: the one atomic publish of a pushgate deployment (see README "Redis mode").
-- On a Redis Cluster the node loads it with SPUBLISH in PUBLISH below (PublishLibrary): there a
-- topic's channel is a shard channel in the slot of its key (README "Redis Cluster").
--   FCALL pushgate_publish 1 <prefix>:{<topic>} <text> [DEADLINE <unix-ms>] [IFMATCH <version>-<epoch>|*] [TTL <ms>]
-- Creates the topic's epoch when its hash is new, increments the version, stores text and
-- publish time (Unix micros), and publishes one message on <prefix>:{<topic>}:ch:
--   "pushgate1 <topic> <epoch> <version> <micros>\n<text>"
-- Returns {epoch, version, micros}. Options (any order; names in any case):
--   DEADLINE <unix-ms>: store nothing once Redis' own clock (TIME) is at or past it; the error
--     "DEADLINE ..." says so. A caller that stopped waiting for the answer gives one, so a late
--     delivery of the call (a link that came back, TCP retransmitting) can no longer change anything.
--   IFMATCH <version>-<epoch> (or *: any state): store only when the topic is at exactly that
--     state, else the error "PRECONDITION pushgate: current <version>-<epoch>" (or "... no state").
--   TTL <ms>: the topic expires when it is not published for that long (0: never); kept in the
--     hash (field ttl), so that a publish without the option, an application's, renews it alike.
-- pushgate_publish_v2 is the same function under the name a node calls: a library from before the
-- options lacks it, so where an older node loaded its library the call fails, storing nothing,
-- rather than ignoring the options.

local PUBLISH = 'PUBLISH'
-- How many events a feed keeps (XADD MAXLEN ~): --feed-cap, put here by the node that loads the
-- library (PublishLibrary). One library serves the whole deployment, so all its nodes must agree.
local FEED_CAP = 1000
local EPOCH_SPACE = 2821109907456 -- 36^8
local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'

-- Redis' clock (TIME) in Unix micros.
local function now_micros()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000000 + tonumber(now[2])
end

-- The epoch token of n (0 <= n < 36^8): n in base 36, 8 digits.
local function epoch_of(n)
  local out = {}
  for i = 1, 8 do
    local d = n % 36
    out[9 - i] = string.sub(DIGITS, d + 1, d + 1)
    n = math.floor(n / 36)
  end
  return table.concat(out)
end

-- A new epoch's number, from the key and the time.
local function new_epoch_number(key, micros)
  local n = micros % EPOCH_SPACE
  for i = 1, #key do
    n = (n * 31 + string.byte(key, i)) % EPOCH_SPACE
  end
  return n
end

local function new_epoch(key, micros)
  return epoch_of(new_epoch_number(key, micros))
end

-- The options after the text: deadline (ms, a number), ifmatch (a string) and ttl (ms), or an error.
local function options(args)
  local deadline, ifmatch, ttl
  for i = 2, #args, 2 do
    local name, value = string.upper(args[i]), args[i + 1]
    if value == nil then
      return nil, nil, nil, 'ERR pushgate: option ' .. args[i] .. ' needs a value'
    elseif name == 'DEADLINE' and string.match(value, '^%d+$') then
      deadline = tonumber(value)
    elseif name == 'IFMATCH' then
      ifmatch = value
    elseif name == 'TTL' and string.match(value, '^%d+$') and #value <= 15 then
      ttl = tonumber(value)
    else
      return nil, nil, nil, 'ERR pushgate: unknown option or bad value: ' .. args[i]
    end
  end
  return deadline, ifmatch, ttl
end

-- The error "DEADLINE ..." when Redis' clock (micros) is at or past the deadline (ms), else nil.
local function past(deadline, micros, call, done)
  if deadline and micros >= deadline * 1000 then
    return redis.error_reply(string.format('DEADLINE pushgate: the deadline passed %d ms before the %s ran; nothing %s',
      math.floor(micros / 1000) - deadline, call, done))
  end
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
  local deadline, ifmatch, ttl, bad = options(args)
  if bad then
    return redis.error_reply(bad)
  end
  local micros = now_micros()
  local late = past(deadline, micros, 'publish', 'stored')
  if late then
    return late
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
  -- Without the option (and without a stored ttl) no command is added: an application's ACL user
  -- needs PEXPIRE only for topics that expire, HDEL and PERSIST only to pass TTL 0.
  if ttl == 0 then
    redis.call('HDEL', key, 'ttl')
    redis.call('PERSIST', key)
  else
    if ttl then
      redis.call('HSET', key, 'ttl', ttl)
    else
      ttl = tonumber(redis.call('HGET', key, 'ttl'))
    end
    if ttl then
      redis.call('PEXPIRE', key, ttl)
    end
  end
  redis.call(PUBLISH, key .. ':ch', 'pushgate1 ' .. topic .. ' ' .. epoch .. ' ' .. version .. ' ' .. stamp .. '\n' .. text)
  return {epoch, version, micros}
end

-- pushgate_follow_read: the state of a topic that an application keeps in its own two keys, a text
-- and a counter it increments on every change (README "Following an application's keys").
--   FCALL pushgate_follow_read 3 <text key> <counter key> <state key> <grace ms> [<epoch> <version>]
-- Reads text and counter in one atomic step, so a text is never paired with another counter value.
-- Returns {epoch, version, micros, text, unsettled}, version = the counter, or an empty array while
-- the text or the counter is missing or the counter is 0 or less; or only {epoch, version, micros}
-- when that is the <epoch> and <version> the caller gave (it holds the text already).
-- The epoch, agreed by every node that follows the keys, lives in the hash <state key> (in the
-- counter's slot: its name carries the counter's hash tag) with seen = the highest counter read,
-- ts = when it was first read and digest = the SHA-1 of its text. It is created on the first read
-- and renewed when the counter is below seen (a reset), when the keys were found missing since
-- (seen = 0 marks that), or when the text differs from the digest at the same counter for longer
-- than <grace ms> (odd = when that was first seen): a writer between its SET and its INCR is
-- there for an instant, keys begun again at the same counter stay so. While it is not yet longer,
-- unsettled is 1. The app's keys are only read, never written.
local function follow_read(keys, args)
  local grace = (tonumber(args[1]) or 0) * 1000
  local text = redis.call('GET', keys[1])
  local counter = redis.call('GET', keys[2])
  local state = redis.call('HMGET', keys[3], 'epoch', 'seen', 'ts', 'digest', 'odd')
  local epoch, seen, ts, digest, odd = state[1], tonumber(state[2]), state[3], state[4], tonumber(state[5])
  if counter and not string.match(counter, '^-?%d+$') then
    return redis.error_reply('ERR pushgate: the counter ' .. keys[2] .. ' does not hold an integer')
  end
  local version = counter and tonumber(counter)
  if not text or not version or version < 1 then
    if epoch and seen ~= 0 then
      redis.call('HSET', keys[3], 'seen', 0)
      redis.call('HDEL', keys[3], 'odd')
    end
    return {}
  end
  local micros = now_micros()
  local sum = redis.sha1hex(text)
  local renew = not epoch or not seen or not ts or seen == 0 or version < seen
  local unsettled = 0
  if not renew and version == seen and digest and digest ~= sum then
    if odd and micros - odd >= grace then
      renew = true
    else
      if not odd then
        redis.call('HSET', keys[3], 'odd', string.format('%d', micros))
      end
      unsettled = 1
    end
  end
  if renew then
    epoch = new_epoch(keys[2], micros)
    ts = string.format('%d', micros)
    redis.call('HSET', keys[3], 'epoch', epoch, 'seen', version, 'ts', ts, 'digest', sum)
    redis.call('HDEL', keys[3], 'odd')
  elseif version > seen then
    ts = string.format('%d', micros)
    redis.call('HSET', keys[3], 'seen', version, 'ts', ts, 'digest', sum)
    redis.call('HDEL', keys[3], 'odd')
  elseif unsettled == 0 and (odd or not digest) then
    redis.call('HSET', keys[3], 'digest', sum)
    redis.call('HDEL', keys[3], 'odd')
  end
  local v = string.format('%d', version)
  if unsettled == 0 and epoch == args[2] and v == args[3] then
    return {epoch, v, ts}
  end
  return {epoch, v, ts, text, unsettled}
end

-- pushgate_reepoch: moves a topic whose stored version went back within its epoch to a new epoch
-- (README "What a failover costs"). Redis replicates asynchronously, so a failover can lose a
-- publish the old master acknowledged: the new master then holds an older version of the same
-- epoch, and its next publish would give a version number some clients hold already to another
-- text. A node that sees a version go back calls this; every node and client then takes the state
-- as the latest (another epoch), and all agree on it.
--   FCALL pushgate_reepoch 1 <prefix>:{<topic>} <epoch> <version> <micros>
-- Acts only while the hash still holds exactly that epoch, version and ts (the state the node saw:
-- a state that moved on since needs nothing, its own message comes). Keeps the text and the
-- version number (the version goes on counting from there), gives a new epoch and ts = now (so
-- every node's later-publish-wins rule across epochs takes it), and publishes it as a normal message.
-- Returns {epoch, version, micros}, or an empty array when the hash holds something else.
local function reepoch(keys, args)
  local key = keys[1]
  local topic = key and string.match(key, '{([A-Za-z0-9._:-]+)}$')
  if not topic or #topic > 128 or #args ~= 3 then
    return redis.error_reply('ERR pushgate: usage: pushgate_reepoch 1 <prefix>:{<topic>} <epoch> <version> <micros>')
  end
  local state = redis.call('HMGET', key, 'epoch', 'version', 'ts', 'text')
  if state[1] ~= args[1] or state[2] ~= args[2] or state[3] ~= args[3] or not state[4] then
    return {}
  end
  local micros = now_micros()
  local epoch = new_epoch(key, micros)
  if epoch == state[1] then
    epoch = new_epoch(key, micros + 1)
  end
  local stamp = string.format('%d', micros)
  redis.call('HSET', key, 'epoch', epoch, 'ts', stamp)
  redis.call(PUBLISH, key .. ':ch', 'pushgate1 ' .. topic .. ' ' .. epoch .. ' ' .. state[2] .. ' ' .. stamp .. '\n' .. state[4])
  return {epoch, tonumber(state[2]), micros}
end

-- pushgate_delete: deletes a topic's stored state and tells every node (README "Deleting a topic").
--   FCALL pushgate_delete 1 <prefix>:{<topic>} [IFMATCH <version>-<epoch>|*]
-- Deletes the hash and publishes "pushgate-deleted1 <topic> <epoch> <micros>" on the topic's
-- channel (micros: Redis' time of the delete); a later publish begins a new epoch at version 1.
-- Returns {epoch, version, micros} of the state deleted, an empty array when there was none, or the
-- error "PRECONDITION ..." of pushgate_publish when IFMATCH does not hold.
local function delete(keys, args)
  local key = keys[1]
  local topic = key and string.match(key, '{([A-Za-z0-9._:-]+)}$')
  if not topic or #topic > 128 then
    return redis.error_reply('ERR pushgate: key must be <prefix>:{<topic>} with a valid topic name')
  end
  local ifmatch
  if #args == 2 and string.upper(args[1]) == 'IFMATCH' then
    ifmatch = args[2]
  elseif #args ~= 0 then
    return redis.error_reply('ERR pushgate: usage: pushgate_delete 1 <prefix>:{<topic>} [IFMATCH <version>-<epoch>|*]')
  end
  local state = redis.call('HMGET', key, 'epoch', 'version')
  local epoch, version = state[1], state[2]
  if ifmatch and not matches(ifmatch, epoch, version) then
    return redis.error_reply('PRECONDITION pushgate: ' .. (epoch and ('current ' .. version .. '-' .. epoch) or 'no state'))
  end
  if not epoch then
    return {}
  end
  local micros = now_micros()
  redis.call('DEL', key)
  redis.call(PUBLISH, key .. ':ch', 'pushgate-deleted1 ' .. topic .. ' ' .. epoch .. ' ' .. string.format('%d', micros))
  return {epoch, tonumber(version), micros}
end

-- Feeds (README "Feeds in Redis"). A feed's events are the stream <prefix>:{<feed>}:log, whose
-- entry ids carry both seq and epoch: <seq>-<n>, n = the epoch read as a base-36 number. So the one
-- key holds the feed's whole state, and a missing key is no state.

-- The feed that the key <prefix>:{<feed>} names and its log's key, or nil and the error to answer.
local function feed_log(keys)
  local feed = keys[1] and string.match(keys[1], '{([A-Za-z0-9._:-]+)}$')
  if not feed or #feed > 128 then
    return nil, redis.error_reply('ERR pushgate: key must be <prefix>:{<feed>} with a valid feed name')
  end
  return feed, keys[1] .. ':log'
end

-- The seq and epoch number of a feed log's last entry, or nil when the log does not exist. A log
-- emptied by hand (XTRIM, XDEL) still knows its last id; MAXLEN ~ never empties it.
local function last_id(log)
  local last = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
  local id
  if last[1] then
    id = last[1][1]
  elseif redis.call('EXISTS', log) == 1 then
    local info = redis.call('XINFO', 'STREAM', log)
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then
        id = info[i + 1]
      end
    end
  end
  if not id then
    return nil
  end
  local seq, n = string.match(id, '^(%d+)-(%d+)$')
  n = tonumber(n)
  if not n or n >= EPOCH_SPACE then
    error(redis.error_reply('ERR pushgate: ' .. log .. ' is not a pushgate feed log (entry id ' .. id .. ')'))
  end
  return tonumber(seq), n
end

-- pushgate_append: appends one event to a feed, trims the feed and publishes the event, atomically.
--   FCALL pushgate_append 1 <prefix>:{<feed>} <text> [DEADLINE <unix-ms>]
-- Begins a new epoch at seq 1 when the log does not exist, else goes on from its last entry;
--   XADD <prefix>:{<feed>}:log MAXLEN ~ <FEED_CAP> <seq>-<n> ts <micros> text <text>
-- and publishes on <prefix>:{<feed>}:log:ch (SPUBLISH on a cluster):
--   "pushgate-feed1 <feed> <epoch> <seq> <micros>\n<text>"
-- Returns {epoch, seq, micros}. DEADLINE as for pushgate_publish: nothing appended once Redis'
-- clock is at or past it.
local function append(keys, args)
  local feed, log = feed_log(keys)
  if not feed then
    return log
  end
  local text = args[1]
  if text == nil then
    return redis.error_reply('ERR pushgate: the text argument is missing')
  end
  local deadline, ifmatch, ttl, bad = options(args)
  if bad or ifmatch or ttl then
    return redis.error_reply(bad or ('ERR pushgate: unknown option or bad value: ' .. (ifmatch and 'IFMATCH' or 'TTL')))
  end
  local micros = now_micros()
  local late = past(deadline, micros, 'append', 'appended')
  if late then
    return late
  end
  local seq, n = last_id(log)
  if seq then
    seq = seq + 1
  else
    seq, n = 1, new_epoch_number(log, micros)
  end
  local epoch, stamp, number = epoch_of(n), string.format('%d', micros), string.format('%d', seq)
  redis.call('XADD', log, 'MAXLEN', '~', FEED_CAP, number .. '-' .. string.format('%d', n), 'ts', stamp, 'text', text)
  redis.call(PUBLISH, log .. ':ch', 'pushgate-feed1 ' .. feed .. ' ' .. epoch .. ' ' .. number .. ' ' .. stamp .. '\n' .. text)
  return {epoch, seq, micros}
end

-- pushgate_history: what a feed keeps, and its events after a seq, in one read (flags no-writes:
-- callable with FCALL_RO, on a replica too).
--   FCALL_RO pushgate_history 1 <prefix>:{<feed>} <after seq> <limit>
-- Returns an empty array when the feed has no state, else {epoch, first seq, last seq, events...}
-- with each event {seq, micros, text}: the kept events with a seq above <after seq>, ascending, at
-- most <limit>. first = last + 1 when every event was trimmed away.
local function history(keys, args)
  local feed, log = feed_log(keys)
  if not feed then
    return log
  end
  local after, limit = args[1], args[2]
  if #args ~= 2 or not string.match(after, '^%d+$') or #after > 19 or not string.match(limit, '^%d+$') or #limit > 9 then
    return redis.error_reply('ERR pushgate: usage: pushgate_history 1 <prefix>:{<feed>} <after seq> <limit>')
  end
  local last, n = last_id(log)
  if not last then
    return {}
  end
  local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1]
  local first = oldest and tonumber(string.match(oldest[1], '^(%d+)-')) or last + 1
  local out = {epoch_of(n), first, last}
  after = tonumber(after)
  if tonumber(limit) > 0 and after < last then
    local from = string.format('%d', math.max(after + 1, first))
    for _, entry in ipairs(redis.call('XRANGE', log, from, '+', 'COUNT', limit)) do
      local fields = {}
      for i = 1, #entry[2], 2 do
        fields[entry[2][i]] = entry[2][i + 1]
      end
      out[#out + 1] = {tonumber(string.match(entry[1], '^(%d+)-')), tonumber(fields.ts) or 0, fields.text or ''}
    end
  end
  return out
end

redis.register_function('pushgate_publish', publish)
redis.register_function('pushgate_delete', delete)
redis.register_function('pushgate_reepoch', reepoch)
redis.register_function('pushgate_follow_read', follow_read)
redis.register_function('pushgate_publish_v2', publish)
redis.register_function('pushgate_append', append)
redis.register_function{function_name = 'pushgate_history', callback = history, flags = {'no-writes'}}
