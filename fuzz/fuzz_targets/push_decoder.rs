//! A device's push body, through the path the server takes: the loose
//! batch, the batch's own rules, each event read strictly, then the rules
//! and the core's validation. Nothing may panic, and an event that reads
//! must survive the trip through JSON the store makes.

#![no_main]

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use gridsafe_core::access::Scope;
use gridsafe_core::point::MonitoringPoint;
use gridsafe_core::validate::Limits;
use gridsafe_core::{Event, EventBody, GridCode, GridLevel, GridNode, GridTree, PointKind, Role};
use gridsafe_server::auth::Caller;
use gridsafe_server::catalog::Catalog;
use gridsafe_server::store::Judge;
use gridsafe_server::sync::push::RawPush;
use gridsafe_server::sync::rules::Rules;
use libfuzzer_sys::fuzz_target;

fn grid(code: &str, parent: Option<&str>, level: GridLevel) -> GridNode {
    GridNode {
        code: code.parse().unwrap(),
        name: code.into(),
        parent: parent.map(|p| p.parse().unwrap()),
        level,
        responsible: None,
    }
}

fn catalog() -> Catalog {
    let tree = GridTree::new(vec![
        grid("T", None, GridLevel::Town),
        grid("V1", Some("T"), GridLevel::Village),
        grid("V2", Some("T"), GridLevel::Village),
    ])
    .unwrap();
    let point = MonitoringPoint {
        code: "LS-1".parse().unwrap(),
        name: "后山滑坡体".into(),
        kind: PointKind::Landslide,
        grid: "V1".parse().unwrap(),
        lat: Some(30.61),
        lon: Some(103.51),
        monitor: None,
    };
    Catalog {
        rev: 1,
        tree,
        points: HashMap::from([(point.code.clone(), point)]),
    }
}

fn record_grid(ev: &Event) -> Option<GridCode> {
    match &ev.body {
        EventBody::HazardReported(h) => Some(h.grid.clone()),
        EventBody::CheckLogged(c) => Some(c.grid.clone()),
        EventBody::AccidentReported(a) => Some(a.grid.clone()),
        _ => Some("V1".parse().unwrap()),
    }
}

fuzz_target!(|data: &[u8]| {
    // What axum's JSON extractor does with the body.
    let Ok(raw) = serde_json::from_slice::<RawPush>(data) else {
        return;
    };
    let caller = Caller {
        user: "insp1".parse().unwrap(),
        scope: Scope {
            role: Role::Inspector,
            grids: vec!["V1".parse().unwrap()],
        },
        device: raw.device,
    };
    if raw.check(&caller).is_err() {
        return;
    }
    let catalog = catalog();
    let limits = Limits::default();
    let rules = Rules {
        caller: &caller,
        catalog: &catalog,
        limits: &limits,
        now: Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).unwrap(),
    };
    for item in raw.into_incoming() {
        let Ok(ev) = item.parsed else { continue };
        let _ = rules.judge(&ev, record_grid(&ev).as_ref());
        let stored = serde_json::to_string(&ev).expect("an event serialises");
        let back: Event = serde_json::from_str(&stored).expect("a stored event reads back");
        assert_eq!(back.id, ev.id);
        assert_eq!(back.kind(), ev.kind());
    }
});
