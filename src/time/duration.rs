//! [`Duration`] and [`Instant`]: the machines' clock values, with nanosecond precision.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

use super::{PreciseTime, Timestamp};

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// A signed span of time in nanoseconds: Go's `time.Duration`.
///
/// It prints as Go's `Duration.String()` does (`1h0m0s`, `2.5s`, `500ms`, `1.5µs`, `0s`), because
/// Kubernetes' log and error texts print durations with `%v`. Arithmetic saturates at the ends of
/// the range (about ±292 years) instead of overflowing.
///
/// ```
/// use kube_tls_bootstrap::time::Duration;
/// assert_eq!(Duration::from_hours(1).to_string(), "1h0m0s");
/// assert_eq!(Duration::from_millis(2500).to_string(), "2.5s");
/// assert_eq!(Duration::from_micros(1500).to_string(), "1.5ms");
/// assert_eq!((Duration::from_secs(2) * 16).to_string(), "32s");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(i64);

impl Duration {
    /// No time at all.
    pub const ZERO: Self = Self(0);
    /// The longest representable span, Go's `math.MaxInt64` nanoseconds.
    pub const MAX: Self = Self(i64::MAX);
    /// One nanosecond.
    pub const NANOSECOND: Self = Self(1);
    /// One microsecond.
    pub const MICROSECOND: Self = Self(1_000);
    /// One millisecond.
    pub const MILLISECOND: Self = Self(1_000_000);
    /// One second.
    pub const SECOND: Self = Self(1_000_000_000);
    /// One minute.
    pub const MINUTE: Self = Self(60_000_000_000);
    /// One hour.
    pub const HOUR: Self = Self(3_600_000_000_000);

    /// `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Self(nanos)
    }

    /// `micros` microseconds, saturating.
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros.saturating_mul(1_000))
    }

    /// `millis` milliseconds, saturating.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis.saturating_mul(1_000_000))
    }

    /// `secs` seconds, saturating.
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs.saturating_mul(1_000_000_000))
    }

    /// `mins` minutes, saturating.
    pub const fn from_mins(mins: i64) -> Self {
        Self(mins.saturating_mul(60_000_000_000))
    }

    /// `hours` hours, saturating.
    pub const fn from_hours(hours: i64) -> Self {
        Self(hours.saturating_mul(3_600_000_000_000))
    }

    /// Go's `time.Duration(f)` of a float nanosecond count: truncated toward zero, saturating
    /// (NaN is zero).
    pub fn from_nanos_f64(nanos: f64) -> Self {
        // `as` from f64 to i64 truncates toward zero, saturates and maps NaN to 0.
        Self(nanos as i64)
    }

    /// The span in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole seconds, truncated toward zero (Go's `int64(d.Seconds())`).
    pub const fn as_secs(self) -> i64 {
        self.0 / 1_000_000_000
    }

    /// Seconds as a float (Go's `d.Seconds()`).
    pub fn as_secs_f64(self) -> f64 {
        let secs = self.0 / 1_000_000_000;
        let nanos = self.0 % 1_000_000_000;
        secs as f64 + nanos as f64 / 1e9
    }

    /// Whether the span is negative.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Go's `time.Duration(float64(d) * factor)`: how the kubelet scales its certificate lifetime
    /// into a rotation deadline and adds back-off jitter.
    #[must_use]
    pub fn mul_f64(self, factor: f64) -> Self {
        Self::from_nanos_f64(self.0 as f64 * factor)
    }

    /// `self + other`, saturating.
    #[must_use]
    pub const fn saturating_add(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }

    /// `self - other`, saturating.
    #[must_use]
    pub const fn saturating_sub(self, other: Self) -> Self {
        Self(self.0.saturating_sub(other.0))
    }

    /// The span as a [`std::time::Duration`], or `None` when it is negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }

    /// A [`std::time::Duration`] as a span, saturating at [`Duration::MAX`].
    pub fn from_std(d: std::time::Duration) -> Self {
        Self(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

impl Add for Duration {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        self.saturating_add(rhs)
    }
}

impl Sub for Duration {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        self.saturating_sub(rhs)
    }
}

impl std::ops::Mul<i64> for Duration {
    type Output = Self;
    fn mul(self, rhs: i64) -> Self {
        Self(self.0.saturating_mul(rhs))
    }
}

impl std::ops::Neg for Duration {
    type Output = Self;
    fn neg(self) -> Self {
        Self(self.0.saturating_neg())
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Duration({self})")
    }
}

impl fmt::Display for Duration {
    /// Go's `Duration.String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&go_duration_string(self.0))
    }
}

/// Go's `time.Duration.format`: the largest units first, a fraction without trailing zeros.
fn go_duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (prec, unit) = match u {
            0 => return "0s".to_owned(),
            1..1_000 => (0, "ns"),
            1_000..1_000_000 => (3, "µs"),
            _ => (6, "ms"),
        };
        let frac = fraction(&mut u, prec);
        out.push_str(&u.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let frac = fraction(&mut u, 9);
        let secs = u % 60;
        u /= 60;
        if u > 0 {
            let mins = u % 60;
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&format!("{mins}m"));
        }
        out.push_str(&format!("{secs}{frac}s"));
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `fmtFrac`: splits off the last `prec` decimal digits of `*v` as `.ddd` without trailing
/// zeros (empty when they are all zero), leaving the integer part in `*v`.
fn fraction(v: &mut u64, prec: u32) -> String {
    let mut digits = Vec::new();
    let mut printed = false;
    for _ in 0..prec {
        let digit = *v % 10;
        printed = printed || digit != 0;
        if printed {
            digits.push(b'0' + digit as u8);
        }
        *v /= 10;
    }
    if !printed {
        return String::new();
    }
    digits.push(b'.');
    digits.reverse();
    // Only ASCII digits and '.' were pushed.
    String::from_utf8(digits).unwrap_or_default()
}

/// An instant with nanosecond precision, UTC: what the machines take as `now`.
///
/// Kubernetes objects store whole seconds ([`Timestamp`]); timers inside the controllers and the
/// kubelet run finer (the approver's back-off starts at 5 ms, the kubelet's has 10 % jitter), so
/// the machines' clock is an `Instant` and [`Instant::timestamp`] gives the second an object
/// records. Arithmetic saturates.
///
/// ```
/// use kube_tls_bootstrap::time::{Duration, Instant, Timestamp};
/// let t = Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap());
/// let later = t + Duration::from_millis(1500);
/// assert_eq!(later.to_string(), "2026-12-01T09:00:01.5Z");
/// assert_eq!(later.timestamp().to_string(), "2026-12-01T09:00:01Z");
/// assert_eq!(later - t, Duration::from_millis(1500));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(i128);

impl Instant {
    /// The Unix epoch.
    pub const UNIX_EPOCH: Self = Self(0);

    /// The instant `secs` seconds and `nanos` nanoseconds after the Unix epoch.
    pub const fn from_unix(secs: i64, nanos: u32) -> Self {
        Self(secs as i128 * NANOS_PER_SECOND + nanos as i128)
    }

    /// The instant `nanos` nanoseconds after the Unix epoch.
    pub const fn from_unix_nanos(nanos: i128) -> Self {
        Self(nanos)
    }

    /// Nanoseconds since the Unix epoch.
    pub const fn unix_nanos(self) -> i128 {
        self.0
    }

    /// The whole second this instant falls in (the fraction dropped, toward the past), as an
    /// object's `creationTimestamp` or a condition's `lastUpdateTime` records it.
    pub fn timestamp(self) -> Timestamp {
        let secs = self.0.div_euclid(NANOS_PER_SECOND);
        Timestamp::from_unix(i64::try_from(secs).unwrap_or(if secs < 0 {
            i64::MIN
        } else {
            i64::MAX
        }))
    }

    /// Nanoseconds past [`Instant::timestamp`], in `[0, 1_000_000_000)`.
    pub fn subsec_nanos(self) -> u32 {
        // rem_euclid of a positive modulus lies in [0, 1e9), which fits u32.
        self.0.rem_euclid(NANOS_PER_SECOND) as u32
    }

    /// `self - earlier` (negative when `earlier` is later), saturating at [`Duration`]'s range.
    pub fn duration_since(self, earlier: Self) -> Duration {
        let d = self.0.saturating_sub(earlier.0);
        Duration(i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX }))
    }

    /// `self + d`, saturating.
    #[must_use]
    pub const fn saturating_add(self, d: Duration) -> Self {
        Self(self.0.saturating_add(d.0 as i128))
    }

    /// `self - d`, saturating.
    #[must_use]
    pub const fn saturating_sub(self, d: Duration) -> Self {
        Self(self.0.saturating_sub(d.0 as i128))
    }
}

impl From<Timestamp> for Instant {
    fn from(t: Timestamp) -> Self {
        Self::from_unix(t.unix(), 0)
    }
}

impl From<PreciseTime> for Instant {
    fn from(t: PreciseTime) -> Self {
        Self::from_unix(t.timestamp.unix(), t.nanos)
    }
}

impl Add<Duration> for Instant {
    type Output = Self;
    fn add(self, rhs: Duration) -> Self {
        self.saturating_add(rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Self;
    fn sub(self, rhs: Duration) -> Self {
        self.saturating_sub(rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub for Instant {
    type Output = Duration;
    fn sub(self, rhs: Self) -> Duration {
        self.duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({self})")
    }
}

impl fmt::Display for Instant {
    /// RFC 3339 as Go's `time.RFC3339Nano` prints a UTC time: the fraction without trailing
    /// zeros, none at all on a whole second.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.timestamp().to_string();
        let nanos = self.subsec_nanos();
        if nanos == 0 {
            return f.write_str(&whole);
        }
        let digits = format!("{nanos:09}");
        let digits = digits.trim_end_matches('0');
        // `whole` ends in 'Z'; the fraction goes before it.
        let stem = whole.strip_suffix('Z').unwrap_or(&whole);
        write!(f, "{stem}.{digits}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        // Go's own table (time_test.go, durationTests).
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60_000_000_000 + 5_000_000_000, "4m5s"),
            (4 * 60_000_000_000 + 5_001_000_000, "4m5.001s"),
            (
                5 * 3_600_000_000_000 + 6 * 60_000_000_000 + 7_001_000_000,
                "5h6m7.001s",
            ),
            (8 * 60_000_000_000 + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (-1, "-1ns"),
        ];
        for &(nanos, want) in cases {
            assert_eq!(Duration::from_nanos(nanos).to_string(), want, "{nanos}");
        }
    }

    #[test]
    fn float_scaling_truncates_and_saturates() {
        let d = Duration::from_hours(24 * 365);
        assert_eq!(d.mul_f64(0.7).to_string(), "6132h0m0s");
        assert_eq!(Duration::from_nanos_f64(f64::NAN), Duration::ZERO);
        assert_eq!(Duration::from_nanos_f64(1e30), Duration::MAX);
        assert_eq!(Duration::from_nanos_f64(-1.9), Duration::from_nanos(-1));
    }

    #[test]
    fn instants_round_to_the_second_toward_the_past() {
        let t = Instant::from_unix(-1, 500_000_000);
        assert_eq!(t.timestamp(), Timestamp::from_unix(-1));
        assert_eq!(t.subsec_nanos(), 500_000_000);
        assert_eq!(t.to_string(), "1969-12-31T23:59:59.5Z");
        let u = Instant::from_unix(10, 0);
        assert_eq!(u - t, Duration::from_millis(10_500));
        assert_eq!(t - u, Duration::from_millis(-10_500));
        assert_eq!(u.to_string(), "1970-01-01T00:00:10Z");
    }

    #[test]
    fn instant_arithmetic_saturates() {
        let far = Instant::from_unix_nanos(i128::MAX);
        assert_eq!(far + Duration::MAX, far);
        assert_eq!(far.timestamp(), Timestamp::from_unix(i64::MAX));
        assert_eq!(far - Instant::UNIX_EPOCH, Duration::MAX);
    }
}
