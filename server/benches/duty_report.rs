//! The duty report of a town, end to end on a real SQLite store: the demo
//! town plus 3,000 hazards and a flood season of daily checks, then the
//! figures gathered (summary, records, assessment) and the `.docx` and
//! `.xlsx` written. The office expects it "in a minute"; the aim is well
//! under 2 s.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use gridsafe_core::assessment::Period;
use gridsafe_core::event::{CheckLogged, HazardReported};
use gridsafe_core::validate::Warning;
use gridsafe_core::{
    CheckId, DeviceId, Event, EventBody, EventId, GridCode, HazardId, HazardLevel, Hlc, Sector,
    StableKey, Verdict,
};
use gridsafe_server::config::Settings;
use gridsafe_server::report;
use gridsafe_server::state::AppState;
use gridsafe_server::store::sqlite::SqliteStore;
use gridsafe_server::store::{Judge, Rejection, Store};

/// Takes every event: the bench fills the store directly.
struct Anything;
impl Judge for Anything {
    fn judge(&self, _: &Event, _: Option<&GridCode>) -> Result<Vec<Warning>, Rejection> {
        Ok(Vec::new())
    }
}

fn event(device: DeviceId, wall_ms: u64, body: EventBody) -> Event {
    Event {
        id: EventId::new(),
        hlc: Hlc {
            wall_ms,
            counter: 0,
            node: device,
        },
        author: "inspector".parse().unwrap(),
        device,
        body,
    }
}

fn town(dir: &std::path::Path, year: i32) -> Arc<dyn Store> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("gridsafe.db")).unwrap());
    gridsafe_server::demo::seed(store.as_ref()).unwrap();
    let device = DeviceId::new();
    let start = Utc.with_ymd_and_hms(year, 1, 2, 2, 0, 0).unwrap();
    let villages: Vec<GridCode> = (1..=5)
        .map(|i| format!("510001-0{i}").parse().unwrap())
        .collect();
    for i in 0..3000u64 {
        let at = start + Duration::minutes(i as i64 * 150);
        let body = EventBody::HazardReported(HazardReported {
            hazard: HazardId::new(),
            grid: villages[i as usize % 5].clone(),
            sector: Sector::ALL[i as usize % Sector::ALL.len()],
            level: if i.is_multiple_of(50) {
                HazardLevel::Major
            } else {
                HazardLevel::General
            },
            description: format!("第{i}条：脚手架缺少防护网"),
            place: Some("二组王家院子".into()),
            location: None,
            photos: vec![],
        });
        let ev = event(device, at.timestamp_millis() as u64, body);
        store.append(&ev, &Anything, false).unwrap();
    }
    // A flood season of daily checks at every demo point, one day in ten missed.
    let points = store.points().unwrap();
    let mut day = Utc.with_ymd_and_hms(year, 6, 1, 1, 0, 0).unwrap();
    while day.month() <= 9 {
        for (n, p) in points.iter().enumerate() {
            if (day.ordinal() as usize + n).is_multiple_of(10) {
                continue;
            }
            let body = EventBody::CheckLogged(CheckLogged {
                check: CheckId::new(),
                point: p.code.clone(),
                grid: p.grid.clone(),
                verdict: Verdict::Normal,
                readings: Default::default(),
                note: None,
                location: None,
                photos: vec![],
            });
            store
                .append(
                    &event(device, day.timestamp_millis() as u64, body),
                    &Anything,
                    false,
                )
                .unwrap();
        }
        day += Duration::days(1);
    }
    store
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let year = Utc::now().year() - 1;
    let t = Instant::now();
    let store = town(dir.path(), year);
    eprintln!("seeded the town in {:.1?}", t.elapsed());
    let settings = Settings {
        data: dir.path().to_path_buf(),
        ..Settings::default()
    };
    let st = AppState::new(settings, store).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let catalog = rt.block_on(st.catalog()).unwrap();
    let code: GridCode = "510001".parse().unwrap();
    let period: Period = year.to_string().parse().unwrap();

    let t = Instant::now();
    let r = rt
        .block_on(report::gather(&st, &catalog, &code, period))
        .unwrap();
    let gathered = t.elapsed();
    let docx = report::docx(&r).unwrap();
    let xlsx = report::xlsx(&r, &catalog).unwrap();
    eprintln!(
        "one report: {} hazards, score {} ({}); gathered in {:.1?}, total with docx {:.1?}; docx {} bytes, xlsx {} bytes",
        r.summary.hazards_total,
        r.assessment.score,
        r.assessment.grade.key(),
        gathered,
        t.elapsed(),
        docx.len(),
        xlsx.len()
    );

    let mut g = c.benchmark_group("duty_report");
    g.sample_size(10);
    g.bench_function("gather (3000 hazards, a flood season of checks)", |b| {
        b.iter(|| {
            rt.block_on(report::gather(&st, &catalog, &code, period))
                .unwrap()
        })
    });
    g.bench_function("docx", |b| b.iter(|| report::docx(&r).unwrap()));
    g.bench_function("xlsx appendix", |b| {
        b.iter(|| report::xlsx(&r, &catalog).unwrap())
    });
    g.bench_function("gather + docx", |b| {
        b.iter(|| {
            let r = rt
                .block_on(report::gather(&st, &catalog, &code, period))
                .unwrap();
            report::docx(&r).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
