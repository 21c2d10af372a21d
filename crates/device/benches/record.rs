//! Recording a hazard offline (no photo): validate against the local grids,
//! stamp, and write the event, outbox entry and state in one transaction
//! with synchronous=FULL.

use criterion::{Criterion, criterion_group, criterion_main};
use gridsafe_core::grid::GridNode;
use gridsafe_core::keys::{GridLevel, Role};
use gridsafe_core::{DeviceId, HazardLevel, Sector};
use gridsafe_device::photo::PhotoLimits;
use gridsafe_device::record::{self, HazardDraft};
use gridsafe_device::reference;
use gridsafe_device::store::{self, Enrollment, Store, keys};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    {
        let tx = store.write().unwrap();
        store::set_json(
            &tx,
            keys::ENROLLMENT,
            &Enrollment {
                server: "http://127.0.0.1:9".into(),
                user: "wangwu".parse().unwrap(),
                role: Role::Inspector,
                grids: vec!["V1".parse().unwrap()],
                device: DeviceId::new(),
                token: "t".into(),
                expires_at: "2099-01-01T00:00:00Z".parse().unwrap(),
            },
        )
        .unwrap();
        reference::replace_grids(
            &tx,
            &[GridNode {
                code: "V1".parse().unwrap(),
                name: "石桥村".into(),
                parent: None,
                level: GridLevel::Village,
                responsible: None,
            }],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let limits = PhotoLimits::default();
    let mut g = c.benchmark_group("record");
    g.bench_function("hazard_add_no_photo", |b| {
        b.iter(|| {
            record::hazard(
                &mut store,
                HazardDraft {
                    grid: "V1".parse().unwrap(),
                    sector: Sector::Fire,
                    level: HazardLevel::General,
                    description: "灭火器过期".into(),
                    place: None,
                    location: None,
                    photos: vec![],
                },
                &limits,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
