//! Values made from the clock: TIDs as the spec lays them out, strictly increasing within a
//! process; datetimes in the reference's form.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lexicon_runtime::{Datetime, Format, Tid};

#[test]
fn tids_are_valid_and_strictly_increasing() {
    let mut last = Tid::now();
    for _ in 0..100_000 {
        let next = Tid::now();
        assert!(next.is_valid(), "{next}");
        assert!(next > last, "{next} after {last}");
        assert!(next.micros() > last.micros());
        assert_eq!(next.clock_id(), last.clock_id(), "one clock id per process");
        last = next;
    }
}

#[test]
fn tids_increase_across_threads_too() {
    let handles: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(|| (0..10_000).map(|_| Tid::now()).collect::<Vec<_>>()))
        .collect();
    let mut all: Vec<Tid> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "no TID was handed out twice");
}

#[test]
fn a_tid_holds_its_timestamp_and_clock_id() {
    // The spec's example layout: 53 bits of microseconds, then 10 bits of clock id.
    let tid = Tid::from_parts(1_700_000_000_000_000, 0x2a5);
    assert!(tid.is_valid());
    assert_eq!(tid.micros(), 1_700_000_000_000_000);
    assert_eq!(tid.clock_id(), 0x2a5);
    // (1_700_000_000_000_000 << 10 | 0x2a5) in base32-sortable, worked out apart from this code.
    assert_eq!(tid.as_str(), "3ke6kg3wk22p7");
    assert_eq!(Tid::from_parts(0, 0).as_str(), "2222222222222");
    let now = Tid::now().micros();
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64;
    assert!(
        wall.abs_diff(now) < 10_000_000,
        "the timestamp is the current time"
    );
    // Later timestamps sort later as text.
    assert!(Tid::from_parts(2, 0) > Tid::from_parts(1, 1023));
}

#[test]
fn datetimes_from_the_clock_are_valid_and_utc_milliseconds() {
    let now = Datetime::now();
    assert!(now.is_valid(), "{now}");
    assert_eq!(now.len(), "2026-11-28T03:55:00.123Z".len());
    let at = |secs: u64, millis: u64| {
        Datetime::from(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
    };
    assert_eq!(at(0, 0).as_str(), "1970-01-01T00:00:00.000Z");
    assert_eq!(at(951_782_400, 5).as_str(), "2000-02-29T00:00:00.005Z");
    assert_eq!(at(1_795_838_100, 123).as_str(), "2026-11-28T03:55:00.123Z");
    assert_eq!(
        at(253_402_300_799, 999).as_str(),
        "9999-12-31T23:59:59.999Z"
    );
    assert_eq!(
        at(253_402_300_800 * 2, 0).as_str(),
        "9999-12-31T23:59:59.999Z",
        "clamped"
    );
    let before = UNIX_EPOCH - Duration::from_secs(10);
    assert_eq!(
        Datetime::from(before).as_str(),
        "1970-01-01T00:00:00.000Z",
        "clamped"
    );
}
