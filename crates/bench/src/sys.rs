//! What the operating system says about the processes of a run: resident memory, CPU time,
//! and the tool's own open-file limit.
//!
//! Read from `/proc` (Linux only, like the numbers the issue asks for). CPU times are in
//! clock ticks of `USER_HZ`, which is 100 on every Linux the tool targets.

use std::time::Instant;

use anyhow::Context as _;

/// Ticks per second of `utime`/`stime` in `/proc/<pid>/stat`.
const USER_HZ: f64 = 100.0;

/// `VmRSS` of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    parse_vm_rss(&status).with_context(|| format!("no VmRSS in /proc/{pid}/status"))
}

/// The `VmRSS:` line of a `/proc/<pid>/status` text, in KiB.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User plus system CPU time of process `pid` (`self` for the tool), in seconds.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_cpu_ticks(&stat).map(|ticks| ticks as f64 / USER_HZ)
}

/// `utime + stime` of a `/proc/<pid>/stat` line. The command name (field 2) may hold spaces
/// and parentheses, so fields are counted from the last `)`.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After the name: state is field 3, utime is field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Summed `VmRSS` of the processes `pids` (the nodes of a cluster), in KiB; `None` for none.
pub fn total_rss_kib(pids: &[u32]) -> anyhow::Result<Option<u64>> {
    if pids.is_empty() {
        return Ok(None);
    }
    pids.iter()
        .map(|pid| rss_kib(*pid))
        .sum::<anyhow::Result<u64>>()
        .map(Some)
}

/// Summed CPU seconds of `pids`; `None` for none, or when one cannot be read.
fn total_cpu_seconds(pids: &[String]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|pid| cpu_seconds(pid)).sum::<Option<f64>>()
}

/// CPU use of the tool and (if known) the server over an interval, as a share of one core.
/// Several server pids (the nodes of a cluster) are summed: 150 % is one and a half cores.
#[derive(Debug)]
pub struct CpuMeter {
    server: Vec<String>,
    started: Instant,
    tool_start: Option<f64>,
    server_start: Option<f64>,
}

impl CpuMeter {
    /// Starts measuring now.
    pub fn start(server_pids: &[u32]) -> Self {
        let server: Vec<String> = server_pids.iter().map(u32::to_string).collect();
        Self {
            tool_start: cpu_seconds("self"),
            server_start: total_cpu_seconds(&server),
            server,
            started: Instant::now(),
        }
    }

    /// `(tool, server)` CPU since the start, in percent of one core.
    pub fn read(&self) -> (Option<f64>, Option<f64>) {
        let wall = self.started.elapsed().as_secs_f64().max(1e-6);
        let share = |start: Option<f64>, now: Option<f64>| match (start, now) {
            (Some(a), Some(b)) => Some((b - a) / wall * 100.0),
            _ => None,
        };
        (
            share(self.tool_start, cpu_seconds("self")),
            share(self.server_start, total_cpu_seconds(&self.server)),
        )
    }
}

/// Raises the tool's soft `RLIMIT_NOFILE` to its hard limit (each connection is a file);
/// returns the limit now in force.
pub fn raise_open_files() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        // Failing leaves the old limit, which the connection count is checked against.
        let _ = setrlimit(Resource::Nofile, limit);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\tchat-server\nVmPeak:\t  9000 kB\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(12_345));
        assert_eq!(parse_vm_rss("Name: x\n"), None);
    }

    #[test]
    fn cpu_ticks_skip_a_name_with_spaces() {
        let stat = "42 (a (weird) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 1 2 3";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
    }

    #[test]
    fn this_process_has_a_resident_size_and_cpu_time() {
        assert!(rss_kib(std::process::id()).expect("own status") > 0);
        assert!(cpu_seconds("self").is_some());
        let me = std::process::id();
        let one = total_rss_kib(&[me]).expect("own status").expect("one pid");
        let two = total_rss_kib(&[me, me])
            .expect("own status")
            .expect("two pids");
        assert!(two >= one, "two readings of one process are summed");
        assert_eq!(total_rss_kib(&[]).expect("no pid"), None);
    }
}
