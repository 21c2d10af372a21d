//! One push of 500 events over HTTP to a real server (in this process, on
//! 127.0.0.1, with its SQLite store on disk): parsing, the token, the rules,
//! one transaction with `synchronous=FULL`, and the answer. And the same
//! push handed to the store alone, which is the one writer's share: what
//! bounds the events a second whatever the number of cores.

use std::net::SocketAddr;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gridsafe_core::access::Scope;
use gridsafe_core::validate::Limits;
use gridsafe_core::{DeviceId, Event, Role, sha256_hex};
use gridsafe_server::auth::Caller;
use gridsafe_server::catalog::Catalog;
use gridsafe_server::config::Settings;
use gridsafe_server::state::{AppState, open_store};
use gridsafe_server::store::Incoming;
use gridsafe_server::sync::rules::Rules;
use serde_json::{Value, json};

const BATCH: u64 = 500;

fn start(data: &std::path::Path) -> String {
    let settings = Settings {
        data: data.to_owned(),
        ..Settings::default()
    };
    let store = open_store(&settings).unwrap();
    gridsafe_server::demo::seed(store.as_ref()).unwrap();
    let state = AppState::new(settings, store).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(
                    listener,
                    gridsafe_server::router::router(state)
                        .into_make_service_with_connect_info::<SocketAddr>(),
                )
                .await
                .unwrap();
            });
    });
    format!("http://{}", rx.recv().unwrap())
}

/// A push body of `BATCH` new hazard reports from `seq` on.
fn batch(device: &str, seq: u64) -> Vec<u8> {
    let now = chrono::Utc::now().timestamp_millis();
    let events: Vec<Value> = (seq..seq + BATCH)
        .map(|s| {
            json!({"seq": s, "event": {
                "id": uuid::Uuid::now_v7(),
                "hlc": {"wall_ms": now, "counter": s, "node": device},
                "author": "inspector",
                "device": device,
                "body": {"type": "hazard_reported", "data": {
                    "hazard": uuid::Uuid::now_v7(),
                    "grid": "510001-01",
                    "sector": "fire",
                    "level": "general",
                    "description": format!("消防通道堵塞 {s}"),
                    "place": "二组王家院子",
                    "photos": [],
                }},
            }})
        })
        .collect();
    serde_json::to_vec(&json!({"device": device, "events": events})).unwrap()
}

fn bench(c: &mut Criterion) {
    let data = tempfile::tempdir().unwrap();
    let base = start(data.path());
    let http = reqwest::blocking::Client::new();
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "inspector", "password": "demo-inspector"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let device = login["device_id"].as_str().unwrap().to_owned();
    let mut seq = 1;
    let mut g = c.benchmark_group("push");
    g.sample_size(20);
    g.throughput(criterion::Throughput::Elements(BATCH));
    g.bench_function("batch_500_hazards", |b| {
        b.iter_batched(
            || {
                let body = batch(&device, seq);
                seq += BATCH;
                body
            },
            |body| {
                let resp = http
                    .post(format!("{base}/api/v1/sync/push"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .unwrap();
                assert!(resp.status().is_success(), "{}", resp.text().unwrap());
                let v: Value = resp.json().unwrap();
                assert_eq!(v["results"][0]["verdict"], "accepted", "{v}");
            },
            BatchSize::PerIteration,
        )
    });

    // The store alone: the same batches as the phone sends them, judged by
    // the same rules, without HTTP or parsing.
    let data = tempfile::tempdir().unwrap();
    let store = open_store(&Settings {
        data: data.path().to_owned(),
        ..Settings::default()
    })
    .unwrap();
    gridsafe_server::demo::seed(store.as_ref()).unwrap();
    let caller = Caller {
        user: "inspector".parse().unwrap(),
        scope: Scope {
            role: Role::Inspector,
            grids: vec!["510001-01".parse().unwrap()],
        },
        device: DeviceId::new(),
    };
    store
        .enrol_device(caller.device, &caller.user, None)
        .unwrap();
    let catalog = Catalog::load(store.as_ref()).unwrap();
    let limits = Limits::default();
    let device = caller.device.to_string();
    let mut seq = 1;
    g.bench_function("store_batch_500_hazards", |b| {
        b.iter_batched(
            || {
                let body: Value = serde_json::from_slice(&batch(&device, seq)).unwrap();
                seq += BATCH;
                body["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| {
                        let event: Event = serde_json::from_value(item["event"].clone()).unwrap();
                        Incoming {
                            seq: item["seq"].as_u64().unwrap(),
                            event_id: event.id,
                            payload_hash: sha256_hex(&serde_json::to_vec(&item["event"]).unwrap()),
                            parsed: Ok(event),
                        }
                    })
                    .collect::<Vec<_>>()
            },
            |items| {
                let rules = Rules {
                    caller: &caller,
                    catalog: &catalog,
                    limits: &limits,
                    now: chrono::Utc::now(),
                };
                let out = store.push(caller.device, items, &rules).unwrap();
                let gridsafe_server::store::PushOutcome::Done(done) = out else {
                    panic!("a gap in a fresh device's sequence")
                };
                assert!(
                    done.results.iter().all(|r| matches!(
                        r.verdict,
                        gridsafe_core::wire::PushVerdict::Accepted { .. }
                    )),
                    "{:?}",
                    done.results[0]
                );
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
