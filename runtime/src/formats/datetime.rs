//! The `datetime` format, as the reference's strict check (`isDatetimeString`) decides it.

/// Days from 0000-03-01-based civil calendar to the Unix epoch (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `datetime`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, at most 64 characters, not ending in
/// `-00:00`; day 00 and second 60 refused (as JavaScript's `Date` does), days past the end of a
/// month roll over (as `Date` does); the instant, in UTC, must fall in years 0000 to 9999.
pub fn is_valid_datetime(s: &str) -> bool {
    // From year 1 to 9998 no offset or roll-over leaves years 0000 to 9999, so only the
    // first and last years need the instant.
    fields(s).is_some_and(|f| (1..=9998).contains(&f.year) || f.unix_seconds().is_some())
}

/// The instant a valid `datetime` names, in whole seconds since the Unix epoch (UTC), or
/// `None` when `s` is not one (as [`is_valid_datetime`] decides).
pub(crate) fn unix_seconds(s: &str) -> Option<i64> {
    fields(s)?.unix_seconds()
}

/// What a datetime says, each field in its range (the day before any roll-over).
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    offset_minutes: i64,
}

impl Fields {
    /// The instant in seconds since the Unix epoch, if it falls in years 0000 to 9999 (UTC).
    fn unix_seconds(&self) -> Option<i64> {
        let seconds = days_from_civil(self.year, self.month, 1) * 86_400
            + (self.day - 1) * 86_400
            + self.hour * 3_600
            + self.minute * 60
            + self.second
            - self.offset_minutes * 60;
        let min = days_from_civil(0, 1, 1) * 86_400;
        let max = days_from_civil(10_000, 1, 1) * 86_400;
        (min..max).contains(&seconds).then_some(seconds)
    }
}

/// The positions of the digits of `YYYY-MM-DDTHH:MM:SS`.
const DIGITS: [usize; 14] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/// Reads the fields of a datetime, checking everything but the range of its instant.
fn fields(s: &str) -> Option<Fields> {
    let b = s.as_bytes();
    if b.len() > 64 || b.len() < 20 || s.ends_with("-00:00") {
        return None;
    }
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    let digit = |pos: usize| b[pos].wrapping_sub(b'0');
    if separators.iter().any(|&(pos, c)| b[pos] != c) || DIGITS.iter().any(|&pos| digit(pos) > 9) {
        return None;
    }
    let two = |pos: usize| i64::from(digit(pos) * 10 + digit(pos + 1));
    let f = Fields {
        year: two(0) * 100 + two(2),
        month: two(5),
        day: two(8),
        hour: two(11),
        minute: two(14),
        // The pattern allows second 60, but `Date` refuses it.
        second: two(17),
        offset_minutes: 0,
    };
    if !(1..=12).contains(&f.month)
        || !(1..=31).contains(&f.day)
        || f.hour > 23
        || f.minute > 59
        || f.second > 59
    {
        return None;
    }
    let mut pos = 19;
    if b[pos] == b'.' {
        let frac = b[pos + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if frac == 0 {
            return None;
        }
        pos += 1 + frac;
    }
    let offset_minutes = match &b[pos..] {
        [b'Z'] => 0,
        &[sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let [h1, h2, m1, m2] = [h1, h2, m1, m2].map(|c| c.wrapping_sub(b'0'));
            if h1 > 9 || h2 > 9 || m1 > 9 || m2 > 9 {
                return None;
            }
            let (oh, om) = (i64::from(h1 * 10 + h2), i64::from(m1 * 10 + m2));
            if oh > 23 || om > 59 {
                return None;
            }
            if sign == b'-' {
                -(oh * 60 + om)
            } else {
                oh * 60 + om
            }
        }
        _ => return None,
    };
    Some(Fields {
        offset_minutes,
        ..f
    })
}

/// The instant of a valid datetime in milliseconds since the Unix epoch (digits of the
/// fraction past the third are dropped).
pub(crate) fn unix_millis(s: &str) -> Option<i64> {
    let seconds = unix_seconds(s)?;
    let fraction = s.as_bytes().get(19) == Some(&b'.');
    let millis = if fraction {
        let digits = s.as_bytes()[20..].iter().take_while(|c| c.is_ascii_digit());
        digits
            .chain(std::iter::repeat(&b'0'))
            .take(3)
            .fold(0, |n, d| n * 10 + i64::from(d - b'0'))
    } else {
        0
    };
    Some(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use crate::Datetime;

    #[test]
    fn the_instant_in_milliseconds_keeps_three_digits_of_the_fraction() {
        let at = |s: &str| Datetime::new(s).unwrap().unix_millis();
        assert_eq!(at("1970-01-01T00:00:00Z"), 0);
        assert_eq!(at("1970-01-01T00:00:01.5Z"), 1_500);
        assert_eq!(at("1970-01-01T00:00:01.25+00:00"), 1_250);
        assert_eq!(at("2026-12-06T04:00:00.123456Z"), 1_796_529_600_123);
        assert_eq!(at("2026-12-06T05:00:00.007+01:00"), 1_796_529_600_007);
    }

    #[test]
    fn the_instant_of_a_datetime_applies_its_offset() {
        let at = |s: &str| Datetime::new(s).unwrap().unix_seconds();
        assert_eq!(at("1970-01-01T00:00:00Z"), 0);
        assert_eq!(at("2026-12-06T04:00:00.999Z"), 1_796_529_600);
        assert_eq!(at("2026-12-06T05:00:00+01:00"), at("2026-12-06T04:00:00Z"));
        assert_eq!(at("2026-12-05T23:30:00-04:30"), at("2026-12-06T04:00:00Z"));
        let now = Datetime::now();
        assert_eq!(
            now.unix_seconds(),
            Datetime::new(now.as_str()).unwrap().unix_seconds()
        );
    }
}
