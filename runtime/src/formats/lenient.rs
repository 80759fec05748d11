//! The lenient reference's format checks (`@atproto/lexicon` 0.7), for lenient mode: datetimes
//! accepted by the npm package `iso-datestring-validator` 2.2.2 (ported from its code, quirks
//! included), BCP 47 by grammar only, and any CID that parses.

/// `isValidISODateString`: a date (any one-character separator, or none; calendar-checked) and,
/// after the first `T`, a time whose timezone may be missing.
pub fn is_iso_datestring(s: &str) -> bool {
    let mut parts = s.split('T');
    let date = parts.next().unwrap_or("");
    let Some(time) = parts.next() else {
        return false;
    };
    let date_sep = first_non_digit(date);
    if !is_valid_date(date, date_sep) {
        return false;
    }
    is_valid_time(time, time_separator(time))
}

fn first_non_digit(s: &str) -> Option<char> {
    s.chars().find(|c| !c.is_ascii_digit())
}

/// `/([^Z+\-\d])(?=\d+\1)/`: the first character (not `Z`, `+`, `-` or a digit) that comes back
/// after one or more digits.
fn time_separator(s: &str) -> Option<char> {
    let c: Vec<char> = s.chars().collect();
    (0..c.len()).find_map(|i| {
        let sep = c[i];
        if sep.is_ascii_digit() || matches!(sep, 'Z' | '+' | '-') {
            return None;
        }
        let digits = c[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
        (digits > 0 && c.get(i + 1 + digits) == Some(&sep)).then_some(sep)
    })
}

/// Matches `sep` (a regex fragment in the original: `.` matches any character).
fn sep_at(c: &[char], pos: usize, sep: Option<char>) -> Option<usize> {
    match sep {
        None => Some(pos),
        Some('.') => c
            .get(pos)
            .filter(|ch| !is_line_terminator(**ch))
            .map(|_| pos + 1),
        Some(s) => (c.get(pos) == Some(&s)).then_some(pos + 1),
    }
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn digit(c: &[char], pos: usize) -> Option<u32> {
    c.get(pos).and_then(|ch| ch.to_digit(10))
}

/// Separators that would make the original's regular expression mean something else, or fail to
/// compile (then the check throws, which counts as false).
fn unsupported(sep: Option<char>) -> bool {
    matches!(
        sep,
        Some('\\' | '^' | '$' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}')
    )
}

fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The date regex of `isValidDate(date, sep)`.
fn is_valid_date(date: &str, sep: Option<char>) -> bool {
    if unsupported(sep) {
        return false;
    }
    let c: Vec<char> = date.chars().collect();
    let year: Option<u32> = (0..4)
        .map(|i| digit(&c, i))
        .try_fold(0, |acc, d| d.map(|d| acc * 10 + d));
    let Some(year) = year else { return false };
    let Some(p) = sep_at(&c, 4, sep) else {
        return false;
    };
    let (m1, m2) = (c.get(p).copied(), c.get(p + 1).copied());
    let Some(q) = sep_at(&c, p + 2, sep) else {
        return false;
    };
    let (Some(d1), Some(d2)) = (digit(&c, q), digit(&c, q + 1)) else {
        return false;
    };
    if q + 2 != c.len() {
        return false;
    }
    let day = d1 * 10 + d2;
    if year == 0 && m1 == Some('0') && m2 == Some('0') && day == 0 {
        return false;
    }
    let month = match (m1, m2) {
        (Some('0'), Some(d @ ('1' | '3'..='9'))) => d.to_digit(10).unwrap_or(0),
        (Some('0'), Some(',')) => 99, // `0[1,3-9]`: the comma is in the class
        (Some('0'), Some('2')) => 2,
        (Some('1'), Some(d @ '0'..='2')) => 10 + d.to_digit(10).unwrap_or(0),
        _ => return false,
    };
    if !(1..=31).contains(&day) {
        return false;
    }
    match month {
        2 => day <= 28 || (day == 29 && is_leap(year)),
        4 | 6 | 9 | 11 => day <= 30,
        _ => true,
    }
}

/// `isValidTime(time, sep, true)`.
fn is_valid_time(time: &str, sep: Option<char>) -> bool {
    if unsupported(sep) {
        return false;
    }
    if !time.contains(['Z', '+', '-']) {
        return time_core(time, sep);
    }
    if time.ends_with('Z') {
        return time_core(&time.replacen('Z', "", 1), sep);
    }
    let plus = time.contains('+');
    let mut pieces = time.split(['+', '-']);
    let core = pieces.next().unwrap_or("");
    let offset = pieces.next().unwrap_or("");
    time_core(core, sep) && is_valid_offset(offset, plus, first_non_digit(offset))
}

/// `^([0-1]|2(?=([0-3])|4S00))[0-9]S[0-5][0-9](S([0-5]|6(?=0))[0-9])?(.[0-9]{1,9})?$`
fn time_core(t: &str, sep: Option<char>) -> bool {
    let c: Vec<char> = t.chars().collect();
    let hour_ok = match c.first() {
        Some('0' | '1') => true,
        Some('2') => match c.get(1) {
            Some('0'..='3') => true,
            Some('4') => sep_at(&c, 2, sep)
                .is_some_and(|p| c.get(p) == Some(&'0') && c.get(p + 1) == Some(&'0')),
            _ => false,
        },
        _ => false,
    };
    if !hour_ok || digit(&c, 1).is_none() {
        return false;
    }
    let Some(p) = sep_at(&c, 2, sep) else {
        return false;
    };
    if !matches!(c.get(p), Some('0'..='5')) || digit(&c, p + 1).is_none() {
        return false;
    }
    let after_minutes = p + 2;
    let with_seconds =
        sep_at(&c, after_minutes, sep).and_then(|q| match (c.get(q), c.get(q + 1)) {
            (Some('0'..='5'), Some(d)) if d.is_ascii_digit() => Some(q + 2),
            (Some('6'), Some('0')) => Some(q + 2),
            _ => None,
        });
    let fraction_ok = |from: usize| {
        let rest = &c[from.min(c.len())..];
        rest.is_empty()
            || (rest.len() >= 2
                && rest.len() <= 10
                && !is_line_terminator(rest[0])
                && rest[1..].iter().all(char::is_ascii_digit))
    };
    with_seconds.is_some_and(fraction_ok) || fraction_ok(after_minutes)
}

/// The timezone offset regexes (a list of real-world offsets).
fn is_valid_offset(o: &str, plus: bool, sep: Option<char>) -> bool {
    if unsupported(sep) {
        return false;
    }
    let c: Vec<char> = o.chars().collect();
    let (Some(h1), Some(h2)) = (c.first().copied(), c.get(1).copied()) else {
        return false;
    };
    let Some(p) = sep_at(&c, 2, sep) else {
        return false;
    };
    let (Some(m1), Some(m2)) = (c.get(p).copied(), c.get(p + 1).copied()) else {
        return false;
    };
    if p + 2 != c.len() {
        return false;
    }
    if plus {
        let first = match h1 {
            '0' => !matches!((h2, m1), ('2', '4') | ('0', '3')),
            '1' => match h2 {
                '0' | '1' => true,
                '2' => matches!(m1, '0' | '4'),
                '3' | '4' => m1 == '0',
                _ => false,
            },
            _ => false,
        };
        let second = match h2 {
            '0' | '3' | '4' | '6' | '9' => matches!(m1, '0' | '3'),
            '1' | '7' => m1 == '0',
            '2' | '8' => matches!(m1, '0' | '4'),
            '5' => matches!(m1, '0' | '3' | '4'),
            _ => false,
        };
        let minutes = match m1 {
            '0' | '3' => m2 == '0',
            '4' => m2 == '5',
            _ => false,
        };
        first && second && minutes
    } else {
        let first = match h1 {
            '0' => h2 != '0',
            '1' => matches!(h2, '0'..='2'),
            _ => false,
        };
        let second = match h2 {
            '3' | '9' => matches!(m1, '0' | '3'),
            '0'..='2' | '4'..='8' => m1 == '0' && m2 == '0',
            _ => false,
        };
        first && second && matches!(m1, '0' | '3') && m2 == '0'
    }
}

/// BCP 47 by grammar only (`isValidLanguage`): any case, 2 to 8 letter primaries, repeated
/// subtags allowed.
pub fn is_bcp47(s: &str) -> bool {
    super::language::is_valid_language_with(s, false)
}

#[cfg(test)]
mod tests {
    use super::is_iso_datestring as iso;

    #[test]
    fn quirks_of_the_lenient_reference() {
        for ok in [
            "1985-04-12T23:20:50",
            "1985-04-12T23:20:50.123",
            "1985-04-12T23:20:5Z",
            "1985-04-12T23:20:50,123Z",
            "19850412T232050Z",
            "1985/04/12T23:20:50Z",
            "1985-04-12T23:20:50.123+0000",
            "1985-04-12T24:00:00Z",
            "1985-04-12T23:59:60Z",
            "0000-01-01T00:00:00+01:00",
        ] {
            assert!(iso(ok), "{ok}");
        }
        for bad in [
            "1985-04-12",
            "1985-04-12T23:20Z",
            "1985-02-30T00:00:00Z",
            "1985-04-12T23:20:50.123-00:00",
            "1985-04-12T23:20:50+0546",
            "1985-04-12T25:20:50Z",
        ] {
            assert!(!iso(bad), "{bad}");
        }
    }
}
