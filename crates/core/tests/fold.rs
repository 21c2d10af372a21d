//! The fold's promises: the same set of events gives the same state in any
//! arrival order, a repeated event changes nothing, and every status change
//! is one of the documented transitions. Plus the conflict rules, worked.

use chrono::NaiveDate;
use gridsafe_core::event::*;
use gridsafe_core::hazard::{HazardState, Superseded, TRANSITIONS, clock_order, fold};
use gridsafe_core::*;
use proptest::prelude::*;

fn devices() -> [DeviceId; 3] {
    // Fixed ids so that shrunk cases are reproducible.
    [1u128, 2, 3].map(|n| DeviceId(uuid::Uuid::from_u128(n)))
}

fn hazard_id() -> HazardId {
    HazardId(uuid::Uuid::from_u128(42))
}

fn at(wall_ms: u64, counter: u32, device: usize, n: u128, body: EventBody) -> Event {
    Event {
        id: EventId(uuid::Uuid::from_u128(1000 + n)),
        hlc: Hlc {
            wall_ms,
            counter,
            node: devices()[device],
        },
        author: ["inspector", "office", "volunteer"][device]
            .parse()
            .unwrap(),
        device: devices()[device],
        body,
    }
}

fn report(level: HazardLevel) -> EventBody {
    EventBody::HazardReported(HazardReported {
        hazard: hazard_id(),
        grid: "V1".parse().unwrap(),
        sector: Sector::Construction,
        level,
        description: "塔吊未检测".into(),
        place: None,
        location: None,
        photos: vec![PhotoHash::of(b"before")],
    })
}

fn body_of(kind: EventKind, n: u128) -> EventBody {
    let hazard = hazard_id();
    let day = NaiveDate::from_ymd_opt(2026, 7, 1 + (n % 28) as u32);
    match kind {
        EventKind::HazardReported => report(HazardLevel::General),
        EventKind::HazardConfirmed => EventBody::HazardConfirmed(HazardConfirmed {
            hazard,
            level: if n.is_multiple_of(2) {
                HazardLevel::Major
            } else {
                HazardLevel::General
            },
            sector: None,
            owner: format!("owner{n}"),
            deadline: day,
            measures: Some("措施".into()),
            funds_yuan: Some(1000),
            contingency_plan: Some("预案".into()),
            note: None,
        }),
        EventKind::RectificationStarted => {
            EventBody::RectificationStarted(RectificationStarted { hazard, note: None })
        }
        EventKind::RectificationSubmitted => {
            EventBody::RectificationSubmitted(RectificationSubmitted {
                hazard,
                note: "已整改".into(),
                photos: vec![PhotoHash::of(&n.to_le_bytes())],
                location: None,
            })
        }
        EventKind::RectificationVerified => {
            EventBody::RectificationVerified(RectificationVerified { hazard, note: None })
        }
        EventKind::RectificationSentBack => {
            EventBody::RectificationSentBack(RectificationSentBack {
                hazard,
                reason: "不合格".into(),
            })
        }
        EventKind::HazardRejected => EventBody::HazardRejected(HazardRejected {
            hazard,
            reason: "重复".into(),
            duplicate_of: None,
        }),
        EventKind::HazardReopened => EventBody::HazardReopened(HazardReopened {
            hazard,
            reason: "回头看".into(),
            deadline: day,
        }),
        EventKind::HazardListed => EventBody::HazardListed(HazardListed { hazard, note: None }),
        EventKind::HazardClosed => EventBody::HazardClosed(HazardClosed { hazard, note: None }),
        _ => unreachable!("only the hazard kinds are drawn"),
    }
}

const HAZARD_KINDS: [EventKind; 10] = [
    EventKind::HazardReported,
    EventKind::HazardConfirmed,
    EventKind::RectificationStarted,
    EventKind::RectificationSubmitted,
    EventKind::RectificationVerified,
    EventKind::RectificationSentBack,
    EventKind::HazardRejected,
    EventKind::HazardReopened,
    EventKind::HazardListed,
    EventKind::HazardClosed,
];

/// A report at t=1000 and up to 30 other events around it, from three devices.
fn history() -> impl Strategy<Value = Vec<Event>> {
    let step = (0usize..HAZARD_KINDS.len(), 0u64..4000, 0u32..3, 0usize..3);
    (any::<bool>(), proptest::collection::vec(step, 0..30)).prop_map(|(major, steps)| {
        let level = if major {
            HazardLevel::Major
        } else {
            HazardLevel::General
        };
        let mut evs = vec![at(1000, 0, 0, 0, report(level))];
        for (i, (k, wall, counter, dev)) in steps.into_iter().enumerate() {
            let n = i as u128 + 1;
            evs.push(at(wall, counter, dev, n, body_of(HAZARD_KINDS[k], n)));
        }
        evs
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_arrival_order_gives_the_same_state(
        (evs, shuffled) in history().prop_flat_map(|e| (Just(e.clone()), Just(e).prop_shuffle()))
    ) {
        prop_assert_eq!(fold(&evs).unwrap(), fold(&shuffled).unwrap());
    }

    #[test]
    fn a_repeated_event_changes_nothing(evs in history(), picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..5)) {
        let mut doubled = evs.clone();
        for p in picks {
            doubled.push(evs[p.index(evs.len())].clone());
        }
        prop_assert_eq!(fold(&evs).unwrap(), fold(&doubled).unwrap());
    }

    #[test]
    fn every_status_change_is_an_allowed_transition(mut evs in history()) {
        evs.sort_by(clock_order);
        let start = evs.iter().position(|e| matches!(e.body, EventBody::HazardReported(_))).unwrap();
        let mut state = fold(&evs[start..=start]).unwrap();
        prop_assert_eq!(state.status, HazardStatus::Reported);
        for e in &evs[start + 1..] {
            let before = state.status;
            match state.apply(e) {
                Ok(()) => prop_assert!(
                    TRANSITIONS.contains(&(before, e.kind(), state.status)),
                    "{:?} --{:?}--> {:?} is not in TRANSITIONS", before, e.kind(), state.status
                ),
                Err(_) => prop_assert_eq!(before, state.status, "a superseded event changed the status"),
            }
        }
        // The step-by-step state is the fold's.
        let folded = fold(&evs).unwrap();
        prop_assert_eq!(folded.status, state.status);
    }
}

/// The table and the fold agree both ways: every listed transition is taken
/// and nothing outside the table is.
#[test]
fn transitions_table_is_exactly_what_the_fold_does() {
    let base = fold(&[at(1000, 0, 0, 0, report(HazardLevel::Major))]).unwrap();
    for &status in HazardStatus::ALL {
        for (i, &kind) in HAZARD_KINDS.iter().enumerate().skip(1) {
            let state = HazardState {
                status,
                ..base.clone()
            };
            let got = state.next_status(&body_of(kind, i as u128)).ok();
            let listed = TRANSITIONS
                .iter()
                .find(|(f, k, _)| *f == status && *k == kind)
                .map(|t| t.2);
            assert_eq!(got, listed, "{status:?} --{kind:?}-->");
        }
    }
    // Every status can be reached from a report.
    let mut seen = vec![HazardStatus::Reported];
    while let Some(next) = TRANSITIONS
        .iter()
        .find(|(f, _, t)| seen.contains(f) && !seen.contains(t))
    {
        seen.push(next.2);
    }
    assert_eq!(seen.len(), HazardStatus::ALL.len());
}

fn kinds(state: &HazardState) -> Vec<(EventKind, Superseded)> {
    state
        .superseded
        .iter()
        .map(|s| (s.kind, s.reason))
        .collect()
}

#[test]
fn verified_on_the_console_while_a_second_rectification_arrives() {
    let evs = [
        at(1000, 0, 0, 0, report(HazardLevel::General)),
        at(2000, 0, 0, 1, body_of(EventKind::RectificationSubmitted, 1)),
        at(3000, 0, 1, 2, body_of(EventKind::RectificationVerified, 2)),
        // Made offline after the verification, arriving later.
        at(3500, 0, 2, 3, body_of(EventKind::RectificationSubmitted, 3)),
    ];
    let s = fold(&evs).unwrap();
    assert_eq!(s.status, HazardStatus::Verified);
    assert_eq!(
        kinds(&s),
        [(EventKind::RectificationSubmitted, Superseded::Decided)]
    );
    assert_eq!(
        s.after_photos.len(),
        1,
        "the superseded rectification's photos are in the trail, not the state"
    );

    // Stamped before the verification: part of what was verified.
    let mut early = evs.clone();
    early[3].hlc.wall_ms = 2500;
    let s = fold(&early).unwrap();
    assert_eq!(s.status, HazardStatus::Verified);
    assert!(s.superseded.is_empty());
    assert_eq!(s.after_photos.len(), 2);
}

#[test]
fn rejected_while_being_rectified() {
    let evs = [
        at(1000, 0, 0, 0, report(HazardLevel::General)),
        at(1500, 0, 1, 1, body_of(EventKind::HazardConfirmed, 1)),
        at(1600, 0, 0, 2, body_of(EventKind::RectificationStarted, 2)),
        at(2000, 0, 1, 3, body_of(EventKind::HazardRejected, 3)),
        at(2100, 0, 0, 4, body_of(EventKind::RectificationSubmitted, 4)),
    ];
    let s = fold(&evs).unwrap();
    assert_eq!(s.status, HazardStatus::Rejected);
    assert_eq!(
        kinds(&s),
        [(EventKind::RectificationSubmitted, Superseded::Decided)]
    );
    // Re-opening a rejected hazard sends it back to review.
    let mut more = evs.to_vec();
    more.push(at(3000, 0, 1, 5, body_of(EventKind::HazardReopened, 5)));
    assert_eq!(fold(&more).unwrap().status, HazardStatus::Reported);
}

#[test]
fn the_whole_life_and_a_look_back() {
    let evs = [
        at(1000, 0, 0, 0, report(HazardLevel::Major)),
        at(1100, 0, 1, 2, body_of(EventKind::HazardConfirmed, 2)),
        at(1200, 0, 1, 3, body_of(EventKind::HazardListed, 3)),
        at(1300, 0, 0, 4, body_of(EventKind::RectificationStarted, 4)),
        at(1400, 0, 0, 5, body_of(EventKind::RectificationSubmitted, 5)),
        at(1500, 0, 1, 6, body_of(EventKind::RectificationSentBack, 6)),
        at(1600, 0, 0, 7, body_of(EventKind::RectificationSubmitted, 7)),
        at(1700, 0, 1, 8, body_of(EventKind::RectificationVerified, 8)),
        at(1800, 0, 1, 9, body_of(EventKind::HazardClosed, 9)),
    ];
    let s = fold(&evs).unwrap();
    assert_eq!(s.status, HazardStatus::Closed);
    assert!(s.listed.is_some() && !s.is_listed_open());
    assert_eq!(s.events, 9);
    assert!(s.superseded.is_empty());
    let today = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    assert!(!s.is_overdue(today), "a closed hazard is never overdue");

    let mut back = evs.to_vec();
    back.push(at(1900, 0, 1, 10, body_of(EventKind::HazardReopened, 10)));
    let s = fold(&back).unwrap();
    assert_eq!(s.status, HazardStatus::Rectifying);
    assert_eq!(s.reopened, 1);
    assert!(s.is_overdue(today));
    assert!(s.is_listed_open());
}

#[test]
fn events_before_the_report_and_second_reports_are_kept_but_superseded() {
    let evs = [
        at(900, 0, 2, 1, body_of(EventKind::RectificationSubmitted, 1)),
        at(1000, 0, 0, 0, report(HazardLevel::General)),
        at(1100, 0, 2, 2, report(HazardLevel::Major)),
        at(1200, 0, 1, 3, body_of(EventKind::HazardListed, 3)),
    ];
    let s = fold(&evs).unwrap();
    assert_eq!(s.status, HazardStatus::Reported);
    assert_eq!(s.level, HazardLevel::General);
    assert_eq!(
        kinds(&s),
        [
            (EventKind::RectificationSubmitted, Superseded::BeforeReport),
            (EventKind::HazardReported, Superseded::AlreadyReported),
            (EventKind::HazardListed, Superseded::NotMajor),
        ]
    );
    assert!(fold(&evs[..1]).is_err());
}

/// A task over three villages and up to 12 checks against them (and a
/// stray target), from three devices at any time.
fn task_history() -> impl Strategy<Value = Vec<Event>> {
    let task = TaskId(uuid::Uuid::from_u128(7));
    let step = (0usize..4, 0u64..4000, 0u32..3, 0usize..3, any::<bool>());
    proptest::collection::vec(step, 0..12).prop_map(move |steps| {
        let target = |i: usize| TaskTarget::Grid(["V1", "V2", "V3", "V9"][i].parse().unwrap());
        let mut evs = vec![at(
            500,
            0,
            1,
            0,
            EventBody::TaskCreated(TaskCreated {
                task,
                kind: TaskKind::QuarterlyCheck,
                sector: None,
                title: "季度大检查".into(),
                grid: "T".parse().unwrap(),
                targets: (0..3).map(target).collect(),
                due: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
                items: vec![ChecklistItem::FireEquipment],
                note: None,
            }),
        )];
        for (i, (t, wall, counter, dev, pass)) in steps.into_iter().enumerate() {
            evs.push(at(
                wall,
                counter,
                dev,
                i as u128 + 1,
                EventBody::TaskCheckRecorded(TaskCheckRecorded {
                    task,
                    target: target(t),
                    grid: target(t).code().parse().unwrap(),
                    results: vec![ItemOutcome {
                        item: ChecklistItem::FireEquipment,
                        result: if pass {
                            ItemResult::Pass
                        } else {
                            ItemResult::Fail
                        },
                    }],
                    hazards: vec![],
                    note: None,
                    location: None,
                    photos: vec![],
                }),
            ));
        }
        evs
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_task_folds_the_same_in_any_order_and_with_repeats(
        (evs, shuffled) in task_history().prop_flat_map(|e| (Just(e.clone()), Just(e).prop_shuffle()))
    ) {
        let a = gridsafe_core::task::fold(&evs).unwrap();
        let mut doubled = shuffled.clone();
        doubled.extend(evs.iter().take(3).cloned());
        prop_assert_eq!(&a, &gridsafe_core::task::fold(&shuffled).unwrap());
        prop_assert_eq!(&a, &gridsafe_core::task::fold(&doubled).unwrap());
        let done = a.targets.iter().all(|t| t.covered_at.is_some());
        prop_assert_eq!(done, a.done_at.is_some());
    }
}
