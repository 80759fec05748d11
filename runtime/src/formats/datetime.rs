//! The `datetime` format, as the reference's strict check (`isDatetimeString`) decides it.

/// Parses `n` ASCII digits at `pos`.
fn digits(b: &[u8], pos: usize, n: usize) -> Option<i64> {
    let slice = b.get(pos..pos + n)?;
    slice.iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

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
    unix_seconds(s).is_some()
}

/// The instant a valid `datetime` names, in whole seconds since the Unix epoch (UTC), or
/// `None` when `s` is not one (as [`is_valid_datetime`] decides).
pub(crate) fn unix_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() > 64 || s.ends_with("-00:00") || b.len() < 20 {
        return None;
    }
    let sep = |pos: usize, c: u8| b.get(pos) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(b, 0, 4),
        digits(b, 5, 2),
        digits(b, 8, 2),
        digits(b, 11, 2),
        digits(b, 14, 2),
        digits(b, 17, 2),
    ) else {
        return None;
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // The pattern allows second 60, but `Date` refuses it.
    if second > 59 {
        return None;
    }
    let mut pos = 19;
    if sep(pos, b'.') {
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
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (Some(oh), Some(om)) = (digits(b, pos + 1, 2), digits(b, pos + 4, 2)) else {
                return None;
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, 1) * 86_400
        + (day - 1) * 86_400
        + hour * 3_600
        + minute * 60
        + second
        - offset_minutes * 60;
    let min = days_from_civil(0, 1, 1) * 86_400;
    let max = days_from_civil(10_000, 1, 1) * 86_400;
    (min..max).contains(&seconds).then_some(seconds)
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
