//! Instants as plain values, and RFC 3339 as Kubernetes (Go's `time.RFC3339`) reads and writes it.
//!
//! The crate never reads a clock: every call that needs the time takes a [`Timestamp`] argument.
//! Kubernetes objects carry times with one-second precision (`metav1.Time`), so a [`Timestamp`] is
//! a whole number of seconds since the Unix epoch, UTC. Where Go compares instants with
//! sub-second precision (a bootstrap token's `expiration`), [`parse_rfc3339`] also returns the
//! nanoseconds.
//!
//! The machines run finer: their clock is an [`Instant`] (nanoseconds) and their timers are
//! [`Duration`]s, which print as Go's `time.Duration` does because Kubernetes' log texts print them.

use std::fmt;

mod duration;
pub use duration::{Duration, Instant};

/// An instant with one-second precision: seconds since 1970-01-01T00:00:00Z.
///
/// Ordering and arithmetic are those of the integer; adding durations saturates instead of
/// overflowing, so no input makes a calculation panic.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Self = Self(0);

    /// The instant `secs` seconds after the Unix epoch (before it when negative).
    pub const fn from_unix(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// `self + secs`, saturating at the ends of the range.
    #[must_use]
    pub const fn add_seconds(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// `self - secs`, saturating at the ends of the range.
    #[must_use]
    pub const fn sub_seconds(self, secs: i64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    /// Seconds from `earlier` to `self` (negative when `earlier` is later), saturating.
    pub const fn seconds_since(self, earlier: Self) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Parses an RFC 3339 time the way Go's `time.Parse(time.RFC3339, s)` does, dropping any
    /// fraction of a second (use [`parse_rfc3339`] to keep it).
    ///
    /// ```
    /// use kube_tls_bootstrap::time::Timestamp;
    /// let t = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    /// assert_eq!(t.unix(), 1_893_456_000);
    /// assert_eq!(t.to_string(), "2030-01-01T00:00:00Z");
    /// ```
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimeError> {
        parse_rfc3339(s).map(|p| p.timestamp)
    }

    /// The time as Kubernetes writes `metav1.Time`: `YYYY-MM-DDTHH:MM:SSZ`, always UTC.
    ///
    /// Years outside 0000–9999 are written with as many digits as they need (and a sign when
    /// negative), as Go does; such years never parse back.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }

    /// The calendar fields `(year, month, day, hour, minute, second)` in UTC.
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let secs_of_day = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        // secs_of_day is in [0, 86400), so each part fits in u32.
        let h = (secs_of_day / 3600) as u32;
        let min = ((secs_of_day % 3600) / 60) as u32;
        let s = (secs_of_day % 60) as u32;
        (y, m, d, h, min, s)
    }

    /// The instant of a UTC calendar date and time. Fields are not range-checked: out-of-range
    /// values roll over as in Go's `time.Date` (month 13 is January of the next year).
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Self {
        // Normalise the month into [1, 12] first, as time.Date does.
        let m0 = i64::from(month) - 1;
        let year = year.saturating_add(m0.div_euclid(12));
        let month = m0.rem_euclid(12) + 1;
        let days = days_from_civil(year, month, 1).saturating_add(i64::from(day) - 1);
        let secs = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Self(days.saturating_mul(86_400).saturating_add(secs))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_civil();
        if (0..=9999).contains(&y) {
            write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        } else {
            write!(f, "{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

/// An RFC 3339 time with the fraction of a second kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PreciseTime {
    /// The whole second (UTC), the fraction dropped.
    pub timestamp: Timestamp,
    /// Nanoseconds after `timestamp`, in `[0, 1_000_000_000)`.
    pub nanos: u32,
}

impl PreciseTime {
    /// Whether this instant is at or before `now` — Go's `t.Sub(now) <= 0` with `now` a whole
    /// second.
    pub fn is_at_or_before(&self, now: Timestamp) -> bool {
        if self.nanos == 0 {
            self.timestamp <= now
        } else {
            self.timestamp < now
        }
    }
}

/// Why a string is not an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The text does not have the shape `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
    #[error("cannot parse {input:?} as RFC 3339 (\"2006-01-02T15:04:05Z07:00\"): {what}")]
    Syntax {
        /// The text as given.
        input: String,
        /// Which part is wrong.
        what: &'static str,
    },
    /// A calendar or clock field is outside its range.
    #[error("parsing time {input:?}: {field} out of range")]
    Range {
        /// The text as given.
        input: String,
        /// `month`, `day`, `hour`, `minute` or `second`.
        field: &'static str,
    },
}

/// Parses `s` with the acceptance of Go's `time.Parse(time.RFC3339, s)`.
///
/// Accepted, as Go accepts them: a four-character year (Go's `atoi`, so `+999` and `-999` too);
/// two-digit month, day, minute and second; a one- or two-digit hour; an optional fraction after
/// `.` or `,`; then `Z` or `±HH:MM`. `T` and `Z` are upper-case only; nothing may follow. Month,
/// day (against the month's length), hour (< 24), minute and second (< 60) are range-checked;
/// leap seconds are refused.
///
/// ```
/// use kube_tls_bootstrap::time::parse_rfc3339;
/// let t = parse_rfc3339("2009-11-10T23:00:00.5+01:00").unwrap();
/// assert_eq!(t.timestamp.to_string(), "2009-11-10T22:00:00Z");
/// assert_eq!(t.nanos, 500_000_000);
/// assert!(parse_rfc3339("2009-11-10t23:00:00z").is_err());
/// ```
pub fn parse_rfc3339(s: &str) -> Result<PreciseTime, TimeError> {
    let syntax = |what| TimeError::Syntax {
        input: s.to_owned(),
        what,
    };
    let range = |field| TimeError::Range {
        input: s.to_owned(),
        field,
    };
    let b = s.as_bytes();
    let mut p = Cursor { b, i: 0 };

    // "2006": four bytes starting with a digit (`!isDigit(value, 0)` is errBad, so no sign),
    // through Go's atoi.
    let year_bytes = p.take(4).ok_or_else(|| syntax("year"))?;
    if !year_bytes.first().is_some_and(u8::is_ascii_digit) {
        return Err(syntax("year"));
    }
    let year = go_atoi(year_bytes).ok_or_else(|| syntax("year"))?;
    p.literal(b'-').ok_or_else(|| syntax("'-' after year"))?;
    let month = p.fixed2().ok_or_else(|| syntax("month"))?;
    p.literal(b'-').ok_or_else(|| syntax("'-' after month"))?;
    let day = p.fixed2().ok_or_else(|| syntax("day"))?;
    p.literal(b'T').ok_or_else(|| syntax("'T'"))?;
    let hour = p.one_or_two().ok_or_else(|| syntax("hour"))?;
    p.literal(b':').ok_or_else(|| syntax("':' after hour"))?;
    let minute = p.fixed2().ok_or_else(|| syntax("minute"))?;
    p.literal(b':').ok_or_else(|| syntax("':' after minute"))?;
    let second = p.fixed2().ok_or_else(|| syntax("second"))?;

    // A fraction is accepted even though the layout has none.
    let mut nanos = 0u32;
    if matches!(p.peek(0), Some(b'.' | b',')) && p.peek(1).is_some_and(|c| c.is_ascii_digit()) {
        p.i += 1;
        let mut scale = 100_000_000u32;
        while let Some(c) = p.peek(0).filter(u8::is_ascii_digit) {
            nanos += u32::from(c - b'0') * scale;
            scale /= 10;
            p.i += 1;
        }
    }

    let offset_secs = match p.peek(0) {
        Some(b'Z') => {
            p.i += 1;
            0
        }
        _ => {
            let zone = p.take(6).ok_or_else(|| syntax("time zone"))?;
            let sign = match zone[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(syntax("time zone")),
            };
            if zone[3] != b':' {
                return Err(syntax("time zone"));
            }
            let hh = two_digits(&zone[1..3]).ok_or_else(|| syntax("time zone"))?;
            let mm = two_digits(&zone[4..6]).ok_or_else(|| syntax("time zone"))?;
            sign * (i64::from(hh) * 3600 + i64::from(mm) * 60)
        }
    };
    if p.i != b.len() {
        return Err(syntax("extra text"));
    }

    if !(1..=12).contains(&month) {
        return Err(range("month"));
    }
    if hour >= 24 {
        return Err(range("hour"));
    }
    if minute >= 60 {
        return Err(range("minute"));
    }
    if second >= 60 {
        return Err(range("second"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(range("day"));
    }
    let local = Timestamp::from_civil(year, month, day, hour, minute, second);
    Ok(PreciseTime {
        timestamp: local.sub_seconds(offset_secs),
        nanos,
    })
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.b.get(self.i + ahead).copied()
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.b.get(self.i..self.i + n)?;
        self.i += n;
        Some(out)
    }
    fn literal(&mut self, c: u8) -> Option<()> {
        (self.peek(0)? == c).then(|| self.i += 1)
    }
    fn fixed2(&mut self) -> Option<u32> {
        let d = two_digits(self.b.get(self.i..self.i + 2)?)?;
        self.i += 2;
        Some(d)
    }
    fn one_or_two(&mut self) -> Option<u32> {
        let first = self.peek(0).filter(u8::is_ascii_digit)?;
        self.i += 1;
        match self.peek(0).filter(u8::is_ascii_digit) {
            Some(second) => {
                self.i += 1;
                Some(u32::from(first - b'0') * 10 + u32::from(second - b'0'))
            }
            None => Some(u32::from(first - b'0')),
        }
    }
}

fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(c - b'0'))
        }
        _ => None,
    }
}

/// Go's `time.atoi`: an optional sign, then one or more digits and nothing else.
fn go_atoi(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    Some(if neg { -v } else { v })
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month in 1..=12).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // d in [1, 31] and m in [1, 12] by construction.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_known_instants() {
        assert_eq!(Timestamp::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
        let t = Timestamp::parse_rfc3339("2009-11-10T23:00:00Z").unwrap();
        assert_eq!(t.unix(), 1_257_894_000);
        assert_eq!(t.to_string(), "2009-11-10T23:00:00Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2109-11-10T23:00:00Z")
                .unwrap()
                .unix(),
            4_413_567_600
        );
        assert_eq!(Timestamp::from_unix(-1).to_string(), "1969-12-31T23:59:59Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2000-02-29T00:00:00Z")
                .unwrap()
                .unix(),
            951_782_400
        );
    }

    #[test]
    fn a_signed_year_is_refused_as_go_refuses_it() {
        // Go's `stdLongYear`: the value must start with a digit. Such a year (found by the
        // csr_json fuzz target) would print back as `-19-01-01T00:00:00Z`, which no parser takes.
        for s in [
            "-019-01-01T00:00:00Z",
            "+019-01-01T00:00:00Z",
            " 019-01-01T00:00:00Z",
        ] {
            assert_eq!(
                parse_rfc3339(s).unwrap_err().to_string(),
                format!("cannot parse {s:?} as RFC 3339 (\"2006-01-02T15:04:05Z07:00\"): year")
            );
        }
        assert_eq!(
            parse_rfc3339("0019-01-01T00:00:00Z")
                .unwrap()
                .timestamp
                .to_string(),
            "0019-01-01T00:00:00Z"
        );
    }

    #[test]
    fn accepts_what_go_accepts() {
        let t = |s| parse_rfc3339(s).unwrap();
        assert_eq!(
            t("2024-01-01T00:00:00+01:00").timestamp.to_string(),
            "2023-12-31T23:00:00Z"
        );
        assert_eq!(
            t("2024-01-01T00:00:00-00:30").timestamp.to_string(),
            "2024-01-01T00:30:00Z"
        );
        assert_eq!(
            t("2024-01-01T1:02:03Z").timestamp.to_string(),
            "2024-01-01T01:02:03Z"
        );
        assert_eq!(t("2024-01-01T00:00:00,25Z").nanos, 250_000_000);
        assert_eq!(t("2024-01-01T00:00:00.123456789Z").nanos, 123_456_789);
        assert_eq!(t("2024-01-01T00:00:00.1234567891Z").nanos, 123_456_789);
    }

    #[test]
    fn refuses_what_go_refuses() {
        for bad in [
            "",
            "2024-01-01",
            "2024-01-01 00:00:00Z",
            "2024-01-01t00:00:00Z",
            "2024-01-01T00:00:00z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00Z ",
            "2024-1-01T00:00:00Z",
            "2024-01-01T00:00:00.Z",
            "24-01-01T00:00:00Z",
        ] {
            assert!(
                matches!(parse_rfc3339(bad), Err(TimeError::Syntax { .. })),
                "{bad:?}"
            );
        }
        for (bad, field) in [
            ("2023-02-29T00:00:00Z", "day"),
            ("2024-13-01T00:00:00Z", "month"),
            ("2024-00-01T00:00:00Z", "month"),
            ("2024-04-31T00:00:00Z", "day"),
            ("2024-01-01T24:00:00Z", "hour"),
            ("2024-01-01T00:60:00Z", "minute"),
            ("2024-01-01T00:00:60Z", "second"),
        ] {
            assert_eq!(
                parse_rfc3339(bad),
                Err(TimeError::Range {
                    input: bad.to_owned(),
                    field
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn precise_expiry_comparison_matches_go() {
        let now = Timestamp::parse_rfc3339("2024-01-01T00:00:10Z").unwrap();
        let at = |s| parse_rfc3339(s).unwrap().is_at_or_before(now);
        assert!(at("2024-01-01T00:00:10Z"));
        assert!(!at("2024-01-01T00:00:10.5Z"));
        assert!(at("2024-01-01T00:00:09.999Z"));
        assert!(!at("2024-01-01T00:00:11Z"));
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(secs in -62_135_596_800i64..253_402_300_800) {
            let t = Timestamp::from_unix(secs);
            proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()).unwrap(), t);
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_rfc3339(&s);
        }
    }
}
