//! The running kernel's timer frequency (HZ). SCTP reports srtt in jiffies, so srtt in ms
//! needs HZ, which differs between kernels (UML 100, Debian cloud 250, many desktops 1000)
//! and is not what sysconf(_SC_CLK_TCK) says (that is USER_HZ, always 100).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::Duration;

/// Where the HZ value came from, so the UI can say how sure it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HzSource {
    /// SCTP_INSPECTOR_HZ in the environment.
    Environment,
    /// The resolution of CLOCK_MONOTONIC_COARSE, which ticks once per jiffy.
    CoarseClock,
    /// CONFIG_HZ in /boot/config-RELEASE.
    BootConfig,
    /// jiffies counted against the clock in /proc/timer_list.
    Measured,
    /// Nothing available; a common value assumed.
    Assumed,
}

/// The kernel's HZ (jiffies per second) and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelHz {
    /// Jiffies per second (CONFIG_HZ), e.g. 100, 250 or 1000.
    pub hz: u32,
    /// Where `hz` came from.
    pub source: HzSource,
}

const STANDARD_HZ: [u32; 5] = [100, 250, 300, 1000, 1200];
const ASSUMED_HZ: u32 = 250;

impl KernelHz {
    /// Detected once per process.
    pub fn get() -> KernelHz {
        static HZ: OnceLock<KernelHz> = OnceLock::new();
        *HZ.get_or_init(detect)
    }

    /// Converts a jiffies count (such as `sctp_paddrinfo.spinfo_srtt`) to milliseconds.
    pub fn jiffies_to_ms(self, jiffies: u32) -> f64 {
        f64::from(jiffies) * 1000.0 / f64::from(self.hz)
    }
}

fn detect() -> KernelHz {
    if let Some(hz) = std::env::var("SCTP_INSPECTOR_HZ").ok().and_then(|v| v.parse().ok()).filter(|&h| h > 0) {
        return KernelHz { hz, source: HzSource::Environment };
    }
    if let Some(hz) = crate::sys::coarse_clock_resolution_ns().ok().and_then(hz_from_tick_ns) {
        return KernelHz { hz, source: HzSource::CoarseClock };
    }
    if let Some(hz) = crate::sys::kernel_release()
        .ok()
        .and_then(|rel| std::fs::read_to_string(format!("/boot/config-{rel}")).ok())
        .and_then(|text| config_hz(&text))
    {
        return KernelHz { hz, source: HzSource::BootConfig };
    }
    if let Some(hz) = measure_timer_list() {
        return KernelHz { hz, source: HzSource::Measured };
    }
    KernelHz { hz: ASSUMED_HZ, source: HzSource::Assumed }
}

/// HZ from the length of one jiffy, when it is a plausible kernel HZ.
pub fn hz_from_tick_ns(tick_ns: u64) -> Option<u32> {
    if tick_ns == 0 {
        return None;
    }
    let hz = ((1_000_000_000 + tick_ns / 2) / tick_ns) as u32;
    (24..=10_000).contains(&hz).then_some(hz)
}

/// CONFIG_HZ=N from a kernel config file.
pub fn config_hz(config: &str) -> Option<u32> {
    config.lines().find_map(|l| l.strip_prefix("CONFIG_HZ=")).and_then(|v| v.trim().parse().ok())
}

/// (`now at` ns, `jiffies`) from /proc/timer_list text.
pub fn timer_list_sample(text: &str) -> Option<(u64, u64)> {
    let now = text.lines().find_map(|l| l.strip_prefix("now at ")?.split_whitespace().next()?.parse().ok())?;
    let jiffies = text.lines().find_map(|l| l.trim().strip_prefix("jiffies:")?.trim().parse().ok())?;
    Some((now, jiffies))
}

/// The standard HZ nearest to jiffies counted over an interval.
pub fn nearest_standard_hz(delta_jiffies: u64, delta_ns: u64) -> Option<u32> {
    if delta_ns == 0 {
        return None;
    }
    let rate = delta_jiffies as f64 * 1e9 / delta_ns as f64;
    STANDARD_HZ.iter().copied().min_by(|a, b| (f64::from(*a) - rate).abs().total_cmp(&(f64::from(*b) - rate).abs()))
}

fn measure_timer_list() -> Option<u32> {
    let read = || std::fs::read_to_string("/proc/timer_list").ok().and_then(|t| timer_list_sample(&t));
    let (t0, j0) = read()?;
    std::thread::sleep(Duration::from_millis(200));
    let (t1, j1) = read()?;
    nearest_standard_hz(j1.checked_sub(j0)?, t1.checked_sub(t0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_lengths_give_hz() {
        assert_eq!(hz_from_tick_ns(10_000_000), Some(100));
        assert_eq!(hz_from_tick_ns(4_000_000), Some(250));
        assert_eq!(hz_from_tick_ns(3_333_333), Some(300));
        assert_eq!(hz_from_tick_ns(1_000_000), Some(1000));
        // A high-resolution clock's 1 ns is not a jiffy.
        assert_eq!(hz_from_tick_ns(1), None);
        assert_eq!(hz_from_tick_ns(0), None);
    }

    #[test]
    fn config_hz_is_read() {
        assert_eq!(config_hz("CONFIG_X=y\nCONFIG_HZ_250=y\nCONFIG_HZ=250\n"), Some(250));
        assert_eq!(config_hz("CONFIG_HZ_100=y\n"), None);
    }

    #[test]
    fn timer_list_sample_finds_both_lines() {
        let text = "Timer List Version: v0.9\nHRTIMER_MAX_CLOCK_BASES: 8\nnow at 2102523113 nsecs\n\ncpu: 0\n  clock 0:\njiffies: 4294937506\n";
        assert_eq!(timer_list_sample(text), Some((2102523113, 4294937506)));
        assert_eq!(timer_list_sample("now at x nsecs"), None);
    }

    #[test]
    fn rates_round_to_the_nearest_standard_hz() {
        assert_eq!(nearest_standard_hz(21, 200_000_000), Some(100));
        assert_eq!(nearest_standard_hz(49, 200_000_000), Some(250));
        assert_eq!(nearest_standard_hz(61, 200_000_000), Some(300));
        assert_eq!(nearest_standard_hz(199, 200_000_000), Some(1000));
        assert_eq!(nearest_standard_hz(5, 0), None);
    }

    #[test]
    fn conversion_uses_hz() {
        let k = KernelHz { hz: 250, source: HzSource::Assumed };
        assert_eq!(k.jiffies_to_ms(25), 100.0);
    }
}
