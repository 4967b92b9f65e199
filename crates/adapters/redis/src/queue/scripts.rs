//! The queue's Lua scripts: every change of a job's state is one script, so it is atomic on the
//! server whatever the number of nodes, and takes Redis's clock (`TIME`) rather than a node's.
//!
//! All scripts share one key layout ([`Keys`]) and `ARGV[1]`, the prefix of the per-job hashes
//! (`{p}:job:`). The per-job keys are built inside the scripts because `reserve` only learns
//! the ids as it goes; every key shares the prefix, so a cluster deployment can put them in one
//! slot with a hash tag in the prefix (`{chat}:queue`).

use deadpool_redis::redis::{Script, ScriptInvocation};

/// Declarations every script starts with.
const PRELUDE: &str = r#"
local CLASS = { interactive = 1, normal = 2, background = 3 }
local NAMES = { 'interactive', 'normal', 'background' }
local LEASED, SEQ, WAKE = KEYS[4], KEYS[5], KEYS[6]
local JOB = ARGV[1]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Puts a job that is not leased into its class, available from `at`. The counter makes jobs
-- that become available in the same millisecond come out in the order they were put there
-- (members of equal score sort by member); an unknown priority counts as background.
local function place(id, priority, at)
  local seq = redis.call('INCR', SEQ)
  redis.call('ZADD', KEYS[CLASS[priority] or 3], at, string.format('%016x', seq) .. ':' .. id)
end

-- One wake-up token for one waiting reserver. Tokens are hints: a reserver never waits past
-- the next moment the state changes by itself, so a lost token costs latency, not a job. The
-- list is capped and expires, so tokens nobody waited for do not pile up.
local function wake()
  redis.call('RPUSH', WAKE, '1')
  redis.call('LTRIM', WAKE, -64, -1)
  redis.call('PEXPIRE', WAKE, 60000)
end
"#;

/// Adds a job unless its id is waiting or leased already (the same job submitted twice).
/// `ARGV`: job prefix, id, body, priority, attempts made, delay in ms. Returns 1 if added.
const ENQUEUE: &str = r#"
local id = ARGV[2]
if redis.call('EXISTS', JOB .. id) == 1 then return 0 end
redis.call('HSET', JOB .. id, 'body', ARGV[3], 'priority', ARGV[4], 'attempts', ARGV[5])
place(id, ARGV[4], now_ms() + tonumber(ARGV[6]))
wake()
return 1
"#;

/// Returns lapsed leases to their class, then leases up to `max` ready jobs, most urgent class
/// first and oldest first within a class. `ARGV`: job prefix, max, lease in ms.
///
/// Returns `{hint, id, body, priority, attempt, id, body, ...}`. `hint` is -1 when jobs were
/// leased or nothing can become ready by itself, else the ms until a delayed job falls due or
/// a lease runs out, whichever is first.
const RESERVE: &str = r#"
local now = now_ms()
local max, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
-- A lapsed job is ready from the instant its lease ended: it keeps its place ahead of jobs
-- that became ready later. Bounded per call; the rest are taken by the next one.
local lapsed = redis.call('ZRANGEBYSCORE', LEASED, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1000)
for i = 1, #lapsed, 2 do
  local id = lapsed[i]
  redis.call('ZREM', LEASED, id)
  local priority = redis.call('HGET', JOB .. id, 'priority')
  if priority then place(id, priority, tonumber(lapsed[i + 1])) end
end
local reply, taken = { -1 }, 0
for class = 1, 3 do
  if taken >= max then break end
  local members = redis.call('ZRANGEBYSCORE', KEYS[class], '-inf', now, 'LIMIT', 0, max - taken)
  for _, member in ipairs(members) do
    redis.call('ZREM', KEYS[class], member)
    local id = string.sub(member, 18)
    local body = redis.call('HGET', JOB .. id, 'body')
    -- A member without its hash has nothing to run (its hash was removed by hand): drop it.
    if body then
      local attempt = redis.call('HINCRBY', JOB .. id, 'attempts', 1)
      redis.call('ZADD', LEASED, now + lease, id)
      reply[#reply + 1] = id
      reply[#reply + 1] = body
      reply[#reply + 1] = NAMES[class]
      reply[#reply + 1] = attempt
      taken = taken + 1
    end
  end
end
local next_at = nil
for k = 1, 4 do
  local first = redis.call('ZRANGE', KEYS[k], 0, 0, 'WITHSCORES')
  local at = tonumber(first[2])
  if at and (not next_at or at < next_at) then next_at = at end
end
if taken > 0 then
  -- This reserver took its fill and left ready jobs behind: pass the wake-up on.
  if next_at and next_at <= now then wake() end
elseif next_at then
  reply[1] = math.max(next_at - now, 0)
end
return reply
"#;

/// Drops leased jobs for good. `ARGV`: job prefix, then one or more ids. Returns how many
/// were leased (a job whose lease ran out is not, and simply runs again).
const COMPLETE: &str = r#"
local completed = 0
for i = 2, #ARGV do
  if redis.call('ZREM', LEASED, ARGV[i]) == 1 then
    redis.call('DEL', JOB .. ARGV[i])
    completed = completed + 1
  end
end
return completed
"#;

/// Puts a leased job back, ready after a delay. `ARGV`: job prefix, id, delay in ms. Returns 1
/// if it was leased.
const RETRY: &str = r#"
local id = ARGV[2]
if redis.call('ZREM', LEASED, id) == 0 then return 0 end
local priority = redis.call('HGET', JOB .. id, 'priority')
if not priority then return 0 end
place(id, priority, now_ms() + tonumber(ARGV[3]))
wake()
return 1
"#;

/// The key names of one queue.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// `KEYS[1..=6]` of every script: the three ready sets (most urgent first), the leased
    /// set, the enqueue counter and the wake-up list.
    pub(crate) all: [String; 6],
    /// `ARGV[1]`: what a job id is appended to for its hash.
    pub(crate) job_prefix: String,
}

impl Keys {
    /// The keys of the queue under `prefix`.
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            all: [
                format!("{prefix}:ready:interactive"),
                format!("{prefix}:ready:normal"),
                format!("{prefix}:ready:background"),
                format!("{prefix}:leased"),
                format!("{prefix}:seq"),
                format!("{prefix}:wake"),
            ],
            job_prefix: format!("{prefix}:job:"),
        }
    }

    /// The sorted sets whose sizes add up to the jobs pending.
    pub(crate) fn counted(&self) -> &[String] {
        &self.all[..4]
    }

    /// The three ready sets, one per priority class (most urgent first); delayed jobs wait in
    /// them too, scored by when they fall due.
    pub(crate) fn classes(&self) -> &[String] {
        &self.all[..3]
    }

    /// The wake-up list that waiting reservers block on.
    pub(crate) fn wake(&self) -> &str {
        &self.all[5]
    }
}

/// The compiled scripts; `Script` sends `EVALSHA` and falls back to loading the script when
/// Redis does not know it (after a restart, say).
#[derive(Debug)]
pub(crate) struct Scripts {
    pub(crate) enqueue: Script,
    pub(crate) reserve: Script,
    pub(crate) complete: Script,
    pub(crate) retry: Script,
}

impl Scripts {
    pub(crate) fn new() -> Self {
        let with_prelude = |body: &str| Script::new(&format!("{PRELUDE}{body}"));
        Self {
            enqueue: with_prelude(ENQUEUE),
            reserve: with_prelude(RESERVE),
            complete: with_prelude(COMPLETE),
            retry: with_prelude(RETRY),
        }
    }
}

/// An invocation of `script` with the keys of `keys` and its job prefix as `ARGV[1]`; the
/// caller adds the other arguments.
pub(crate) fn invocation<'a>(script: &'a Script, keys: &Keys) -> ScriptInvocation<'a> {
    let mut invocation = script.prepare_invoke();
    for key in &keys.all {
        invocation.key(key);
    }
    invocation.arg(&keys.job_prefix);
    invocation
}
