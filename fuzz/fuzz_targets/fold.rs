//! Any sequence of a hazard's events, repeats included, folded in three
//! arrival orders: the fold never panics and always gives the same answer.

#![no_main]

use chrono::NaiveDate;
use gridsafe_core::event::*;
use gridsafe_core::hazard::fold;
use gridsafe_core::*;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Step {
    kind: u8,
    wall: u16,
    counter: u8,
    device: u8,
    /// Picks levels, deadlines and texts.
    n: u8,
    /// About the other hazard (the fold must refuse a mix).
    other_hazard: bool,
    /// Repeat an earlier event instead of making a new one.
    repeat: Option<u8>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    steps: Vec<Step>,
    rotate: u8,
}

fn device(i: u8) -> DeviceId {
    DeviceId(uuid::Uuid::from_u128(1 + u128::from(i % 3)))
}

fn body(kind: u8, n: u8, hazard: HazardId) -> EventBody {
    let day = NaiveDate::from_ymd_opt(2026, 1 + u32::from(n % 12), 1 + u32::from(n % 28));
    let note = n.is_multiple_of(2).then(|| format!("说明{n}"));
    match kind % 10 {
        0 => EventBody::HazardReported(HazardReported {
            hazard,
            grid: "V1".parse().unwrap(),
            sector: Sector::ALL[usize::from(n) % Sector::ALL.len()],
            level: if n.is_multiple_of(3) {
                HazardLevel::Major
            } else {
                HazardLevel::General
            },
            description: format!("隐患{n}"),
            place: None,
            location: None,
            photos: vec![PhotoHash::of(&[n])],
        }),
        1 => EventBody::HazardConfirmed(HazardConfirmed {
            hazard,
            level: if n.is_multiple_of(2) {
                HazardLevel::Major
            } else {
                HazardLevel::General
            },
            sector: n.is_multiple_of(5).then_some(Sector::Fire),
            owner: format!("责任人{n}"),
            deadline: day,
            measures: note.clone(),
            funds_yuan: n.is_multiple_of(3).then_some(u64::from(n) * 100),
            contingency_plan: note.clone(),
            note,
        }),
        2 => EventBody::RectificationStarted(RectificationStarted { hazard, note }),
        3 => EventBody::RectificationSubmitted(RectificationSubmitted {
            hazard,
            note: format!("已整改{n}"),
            photos: vec![PhotoHash::of(&[n, 1])],
            location: None,
        }),
        4 => EventBody::RectificationVerified(RectificationVerified { hazard, note }),
        5 => EventBody::RectificationSentBack(RectificationSentBack {
            hazard,
            reason: format!("不合格{n}"),
        }),
        6 => EventBody::HazardRejected(HazardRejected {
            hazard,
            reason: format!("重复{n}"),
            duplicate_of: None,
        }),
        7 => EventBody::HazardReopened(HazardReopened {
            hazard,
            reason: format!("回头看{n}"),
            deadline: day,
        }),
        8 => EventBody::HazardListed(HazardListed { hazard, note }),
        _ => EventBody::HazardClosed(HazardClosed { hazard, note }),
    }
}

fuzz_target!(|input: Input| {
    let hazards = [
        HazardId(uuid::Uuid::from_u128(42)),
        HazardId(uuid::Uuid::from_u128(43)),
    ];
    let mut events: Vec<Event> = Vec::new();
    for (i, s) in input.steps.iter().take(64).enumerate() {
        if let Some(r) = s.repeat
            && !events.is_empty()
        {
            let again = events[usize::from(r) % events.len()].clone();
            events.push(again);
            continue;
        }
        let hazard = hazards[usize::from(s.other_hazard)];
        let d = device(s.device);
        events.push(Event {
            id: EventId(uuid::Uuid::from_u128(1000 + i as u128)),
            hlc: Hlc {
                wall_ms: u64::from(s.wall),
                counter: u32::from(s.counter),
                node: d,
            },
            author: ["inspector", "office", "volunteer"][usize::from(s.device % 3)]
                .parse()
                .unwrap(),
            device: d,
            body: body(s.kind, s.n, hazard),
        });
    }
    let as_given = fold(&events);
    let mut reversed = events.clone();
    reversed.reverse();
    assert_eq!(fold(&reversed), as_given, "reversed order");
    if !events.is_empty() {
        let mut rotated = events.clone();
        let k = usize::from(input.rotate) % rotated.len();
        rotated.rotate_left(k);
        assert_eq!(fold(&rotated), as_given, "rotated by {k}");
    }
});
