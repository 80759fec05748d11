//! Values made from the clock: `Datetime::now()`, `Tid::now()`, and conversions from
//! `SystemTime`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Datetime, Format, Tid};

/// The base32-sortable alphabet of TIDs.
const SORTABLE: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// The largest timestamp a TID holds: 53 bits of microseconds.
const MAX_MICROS: u64 = (1 << 53) - 1;

impl Tid {
    /// A TID for the current time: 53 bits of microseconds since the Unix epoch and this
    /// process's 10-bit clock identifier, in base32-sortable. Each call in a process returns a
    /// TID greater than the one before (if the clock stands still or goes back, the timestamp
    /// moves on by a microsecond), so TIDs made here sort in the order they were made.
    pub fn now() -> Tid {
        static LAST: AtomicU64 = AtomicU64::new(0);
        let now = micros_since_epoch(SystemTime::now());
        let mut last = LAST.load(Ordering::Relaxed);
        let micros = loop {
            let next = now.max(last + 1).min(MAX_MICROS);
            match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break next,
                Err(seen) => last = seen,
            }
        };
        Tid::from_parts(micros, clock_id())
    }

    /// The TID of a timestamp (microseconds since the Unix epoch, at most 2^53 − 1; larger
    /// values are cut to that) and a clock identifier (its low 10 bits).
    pub fn from_parts(micros: u64, clock_id: u16) -> Tid {
        let value = (micros.min(MAX_MICROS) << 10) | u64::from(clock_id & 0x3ff);
        let text: String = (0..13)
            .rev()
            .map(|i| SORTABLE[((value >> (5 * i)) & 31) as usize] as char)
            .collect();
        Tid::new_unchecked(text)
    }

    /// The timestamp, in microseconds since the Unix epoch.
    pub fn micros(&self) -> u64 {
        self.value() >> 10
    }

    /// The clock identifier.
    pub fn clock_id(&self) -> u16 {
        (self.value() & 0x3ff) as u16
    }

    /// The 64-bit value the text encodes.
    fn value(&self) -> u64 {
        self.as_str().bytes().fold(0u64, |acc, b| {
            let digit = SORTABLE.iter().position(|&c| c == b).unwrap_or(0) as u64;
            (acc << 5) | digit
        })
    }
}

/// This process's TID clock identifier, chosen at random once.
fn clock_id() -> u16 {
    static ID: OnceLock<u16> = OnceLock::new();
    *ID.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        (hasher.finish() & 0x3ff) as u16
    })
}

fn micros_since_epoch(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Datetime {
    /// The current time, as `2026-11-28T03:55:00.123Z` (UTC, milliseconds).
    pub fn now() -> Datetime {
        Datetime::from(SystemTime::now())
    }

    /// The instant, in whole seconds since the Unix epoch (UTC, the offset applied): for
    /// comparing datetimes written with different offsets or precision, such as a record's
    /// `expiresAt` and [`Datetime::now`].
    pub fn unix_seconds(&self) -> i64 {
        // Every Datetime holds a valid datetime (parsed, or made here from a SystemTime).
        super::datetime::unix_seconds(self.as_str()).unwrap_or_default()
    }

    /// The instant in milliseconds since the Unix epoch (UTC, the offset applied; digits of the
    /// fraction past the third dropped): for durations between datetimes.
    pub fn unix_millis(&self) -> i64 {
        super::datetime::unix_millis(self.as_str()).unwrap_or_default()
    }
}

/// UTC with milliseconds, as the reference writes datetimes (`2026-11-28T03:55:00.123Z`). Times
/// before the Unix epoch or after the year 9999 are clamped to those bounds, the range an
/// RFC 3339 year of four digits can say.
impl From<SystemTime> for Datetime {
    fn from(t: SystemTime) -> Datetime {
        const MAX_SECS: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let since = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let (secs, millis) = match since.as_secs() {
            s if s > MAX_SECS => (MAX_SECS, 999),
            s => (s, since.subsec_millis()),
        };
        let (year, month, day) = civil_from_days((secs / 86_400) as i64);
        let rem = secs % 86_400;
        let text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        );
        Datetime::new_unchecked(text)
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
