//! The hazard fold: a hazard's state from its events, as the server does on
//! every event it applies (re-folding the hazard's whole trail) and a phone
//! does for its local state. A closed hazard's usual six events, and a long
//! trail of a hazard sent back and reworked many times.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use gridsafe_core::event::*;
use gridsafe_core::hazard;
use gridsafe_core::{DeviceId, Event, EventBody, EventId, HazardId, HazardLevel, Hlc, Sector};

fn event(device: DeviceId, user: &str, ms: u64, body: EventBody) -> Event {
    Event {
        id: EventId::new(),
        hlc: Hlc {
            wall_ms: ms,
            counter: 0,
            node: device,
        },
        author: user.parse().unwrap(),
        device,
        body,
    }
}

/// A hazard reported, confirmed, rectified (sent back `rework` times),
/// verified and closed.
fn trail(rework: usize) -> Vec<Event> {
    let field = DeviceId::new();
    let office = DeviceId::new();
    let hazard = HazardId::new();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
    let mut ms = t0.timestamp_millis() as u64;
    let mut next = || {
        ms += Duration::hours(7).num_milliseconds() as u64;
        ms
    };
    let mut evs = vec![event(
        field,
        "zhangsan",
        next(),
        EventBody::HazardReported(HazardReported {
            hazard,
            grid: "510001-01".parse().unwrap(),
            sector: Sector::Construction,
            level: HazardLevel::General,
            description: "厂房二楼脚手架缺少防护网".into(),
            place: Some("青石建材厂房".into()),
            location: None,
            photos: vec![],
        }),
    )];
    evs.push(event(
        office,
        "office",
        next(),
        EventBody::HazardConfirmed(HazardConfirmed {
            hazard,
            level: HazardLevel::General,
            sector: None,
            owner: "青石建材负责人".into(),
            deadline: NaiveDate::from_ymd_opt(2026, 4, 1),
            measures: None,
            funds_yuan: None,
            contingency_plan: None,
            note: None,
        }),
    ));
    evs.push(event(
        field,
        "zhangsan",
        next(),
        EventBody::RectificationStarted(RectificationStarted { hazard, note: None }),
    ));
    let submitted = |ms| {
        event(
            field,
            "zhangsan",
            ms,
            EventBody::RectificationSubmitted(RectificationSubmitted {
                hazard,
                note: "已按要求整改完毕".into(),
                photos: vec![],
                location: None,
            }),
        )
    };
    for _ in 0..rework {
        evs.push(submitted(next()));
        evs.push(event(
            office,
            "office",
            next(),
            EventBody::RectificationSentBack(RectificationSentBack {
                hazard,
                reason: "防护网未全覆盖".into(),
            }),
        ));
    }
    evs.push(submitted(next()));
    evs.push(event(
        office,
        "office",
        next(),
        EventBody::RectificationVerified(RectificationVerified { hazard, note: None }),
    ));
    evs.push(event(
        office,
        "office",
        next(),
        EventBody::HazardClosed(HazardClosed { hazard, note: None }),
    ));
    evs
}

fn bench(c: &mut Criterion) {
    for (name, rework) in [("fold/closed_6_events", 0), ("fold/reworked_44_events", 19)] {
        let evs = trail(rework);
        let state = hazard::fold(&evs).unwrap();
        assert_eq!(state.status.to_string(), "closed", "{name}");
        // As stored: JSON in, fold, JSON out (what the server's projection does).
        let stored: Vec<String> = evs
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        c.bench_function(name, |b| b.iter(|| hazard::fold(&evs).unwrap()));
        c.bench_function(&format!("{name}_from_json"), |b| {
            b.iter(|| {
                let evs: Vec<Event> = stored
                    .iter()
                    .map(|s| serde_json::from_str(s).unwrap())
                    .collect();
                serde_json::to_string(&hazard::fold(&evs).unwrap()).unwrap()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
