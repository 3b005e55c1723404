//! The process's open-files limit. Every socket is a file descriptor, and
//! the usual soft limit (1,024) would refuse connections long before memory
//! runs out.

/// Raises the open-files limit to at least `wanted` where the process may
/// (a privileged one may raise its hard limit too), else to the hard limit,
/// and returns the limit now in force (None when it cannot be read).
pub fn raise_open_files_limit(wanted: u64) -> Option<u64> {
    // SAFETY: getrlimit and setrlimit only read and write the structs we own.
    #[allow(unsafe_code)]
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        let wanted = wanted as libc::rlim_t;
        if wanted > limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: wanted,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return Some(wanted as u64);
            }
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return Some(raised.rlim_cur);
            }
        }
        Some(limit.rlim_cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> (u64, u64) {
        // SAFETY: as above.
        #[allow(unsafe_code)]
        unsafe {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
            (limit.rlim_cur, limit.rlim_max)
        }
    }

    #[test]
    fn the_soft_limit_reaches_at_least_the_hard_one() {
        let now = raise_open_files_limit(0).expect("readable limit");
        let (soft, hard) = current();
        assert_eq!((now, soft), (hard, hard));
    }
}
