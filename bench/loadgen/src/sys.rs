//! Process accounting: this process's CPU time (getrusage), the server's CPU
//! time and RSS (/proc), and the open-files limit.

/// (user, system) CPU seconds of this process.
pub fn self_cpu_s() -> (f64, f64) {
    // SAFETY: getrusage only writes into the zeroed struct we pass;
    // RUSAGE_SELF is always valid.
    #[allow(unsafe_code)]
    let (rc, ru) = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut ru), ru)
    };
    if rc != 0 {
        return (f64::NAN, f64::NAN);
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (tv(ru.ru_utime), tv(ru.ru_stime))
}

/// (user, system) CPU seconds of `pid`, from /proc/PID/stat.
pub fn proc_cpu_s(pid: u32) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields after "(comm) ": state is 0, utime 11, stime 12, in clock ticks.
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    #[allow(unsafe_code)]
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let hz = if hz > 0.0 { hz } else { 100.0 };
    Some((user / hz, system / hz))
}

/// VmRSS of `pid` in KiB.
pub fn proc_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Raises the open-files limit to `wanted` where this process may (a
/// privileged one may raise its hard limit), else to the hard limit: each
/// bot holds a socket.
pub fn raise_nofile(wanted: u64) {
    // SAFETY: getrlimit/setrlimit on structs we own.
    #[allow(unsafe_code)]
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) != 0 {
            return;
        }
        let wanted = wanted as libc::rlim_t;
        if wanted > rl.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: wanted,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return;
            }
        }
        if rl.rlim_cur < rl.rlim_max {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        }
    }
}
