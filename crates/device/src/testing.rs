//! Fixtures for the unit tests: an enrolled store with a small grid tree
//! and monitoring points, made without a server.

use std::path::Path;

use gridsafe_core::DeviceId;
use gridsafe_core::grid::GridNode;
use gridsafe_core::keys::{GridLevel, PointKind, Role};
use gridsafe_core::point::MonitoringPoint;

use crate::reference;
use crate::store::{self, Enrollment, Store, keys};

pub fn enrollment(server: &str) -> Enrollment {
    Enrollment {
        server: server.into(),
        user: "wangwu".parse().unwrap(),
        role: Role::Inspector,
        grids: vec!["V1".parse().unwrap()],
        device: DeviceId::new(),
        token: "t0ken".into(),
        expires_at: "2099-01-01T00:00:00Z".parse().unwrap(),
    }
}

pub fn grid(code: &str, parent: Option<&str>, level: GridLevel) -> GridNode {
    GridNode {
        code: code.parse().unwrap(),
        name: format!("网格{code}"),
        parent: parent.map(|p| p.parse().unwrap()),
        level,
        responsible: None,
    }
}

pub fn grids() -> Vec<GridNode> {
    vec![
        grid("T", None, GridLevel::Town),
        grid("V1", Some("T"), GridLevel::Village),
        grid("U1", Some("V1"), GridLevel::Unit),
    ]
}

pub fn points() -> Vec<MonitoringPoint> {
    vec![MonitoringPoint {
        code: "LS-1".parse().unwrap(),
        name: "王家坡滑坡体".into(),
        kind: PointKind::Landslide,
        grid: "V1".parse().unwrap(),
        lat: Some(30.6),
        lon: Some(104.0),
        monitor: Some("李四".into()),
    }]
}

/// A store enrolled with `server`, holding the sample grids and points.
pub fn enrolled(home: &Path, server: &str) -> Store {
    let mut store = Store::open(home).unwrap();
    let tx = store.write().unwrap();
    store::set_json(&tx, keys::ENROLLMENT, &enrollment(server)).unwrap();
    reference::replace_grids(&tx, &grids()).unwrap();
    reference::replace_points(&tx, &points()).unwrap();
    tx.commit().unwrap();
    store
}
