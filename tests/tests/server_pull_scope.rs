//! Pull paging in the caller's grids, and scope on every route: a sibling
//! village can neither read nor write the other's records.

use gridsafe_core::{HazardLevel, Sector};
use gridsafe_tests::{TestServer, assert_error, report};
use reqwest::StatusCode;

#[test]
fn pull_pages_through_the_callers_grids_only() {
    let s = TestServer::town();
    let mut v1 = s.login("insp1");
    let mut v2 = s.login("insp2");
    let mine: Vec<_> = (0..7)
        .map(|i| {
            v1.event(
                report(
                    if i % 2 == 0 { "V1" } else { "U1" },
                    Sector::Fire,
                    HazardLevel::General,
                    vec![],
                )
                .1,
            )
        })
        .collect();
    assert_eq!(v1.push(&mine).0, StatusCode::OK);
    let theirs: Vec<_> = (0..3)
        .map(|_| v2.event(report("V2", Sector::Gas, HazardLevel::General, vec![]).1))
        .collect();
    assert_eq!(v2.push(&theirs).0, StatusCode::OK);

    let mut since = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (st, page) = v1.get(&format!("/api/v1/sync/pull?since={since}&limit=3"));
        assert_eq!(st, StatusCode::OK, "{page}");
        pages += 1;
        for e in page["events"].as_array().unwrap() {
            assert!(e["cursor"].as_u64().unwrap() > since);
            seen.push(e["event"]["id"].as_str().unwrap().to_owned());
        }
        since = page["next"].as_u64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(pages, 3);
    let want: Vec<String> = mine.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(seen, want, "in cursor order, none of V2's");
    // Nothing new: an empty page at the end.
    let (_, page) = v1.get(&format!("/api/v1/sync/pull?since={since}"));
    assert_eq!(page["events"].as_array().unwrap().len(), 0);
    assert!(!page["more"].as_bool().unwrap());
    // The office sees the whole town.
    let office = s.login("office");
    let (_, page) = office.get("/api/v1/sync/pull?since=0&limit=2000");
    assert_eq!(page["events"].as_array().unwrap().len(), 10);
    // Another town's office sees nothing of it.
    let (_, page) = s.login("office2").get("/api/v1/sync/pull?since=0");
    assert_eq!(page["events"].as_array().unwrap().len(), 0);
}

#[test]
fn a_sibling_village_can_neither_read_nor_write() {
    let s = TestServer::town();
    let mut v1 = s.login("insp1");
    let mut v2 = s.login("insp2");
    let (hazard, body) = report("V2", Sector::Gas, HazardLevel::General, vec![]);
    let ev = v2.event(body);
    assert_eq!(v2.push_one(&ev)["verdict"], "accepted");
    // V1 cannot read it.
    let (st, v) = v1.get(&format!("/api/v1/hazards/{hazard}"));
    assert_error(st, &v, 404, "not_found");
    let (st, v) = v1.get("/api/v1/hazards?grid=V2");
    assert_error(st, &v, 403, "forbidden");
    let (_, list) = v1.get("/api/v1/hazards");
    assert_eq!(list["total"], 0);
    let (st, v) = v1.get("/api/v1/grids/V2/summary");
    assert_error(st, &v, 403, "forbidden");
    let (st, v) = v1.get("/api/v1/points?grid=V2");
    assert_error(st, &v, 403, "forbidden");
    let (_, pts) = v1.get("/api/v1/points");
    let codes: Vec<&str> = pts
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["LS-1"]);
    // Nor write in V2, nor act on V2's hazard.
    let ev = v1.event(report("V2", Sector::Gas, HazardLevel::General, vec![]).1);
    let r = v1.push_one(&ev);
    assert_eq!(r["verdict"], "rejected");
    assert_eq!(r["code"], "out_of_scope");
    let submit = v1.event(gridsafe_core::EventBody::RectificationSubmitted(
        gridsafe_core::event::RectificationSubmitted {
            hazard,
            note: "已整改".into(),
            photos: vec![],
            location: None,
        },
    ));
    let r = v1.push_one(&submit);
    assert_eq!(r["code"], "out_of_scope");
    // A record in an unknown grid.
    let ev = v1.event(report("NOWHERE", Sector::Gas, HazardLevel::General, vec![]).1);
    let r = v1.push_one(&ev);
    assert_eq!(r["code"], "validation");
    // The parent town is out of a village inspector's reach as well.
    let ev = v1.event(report("T", Sector::Gas, HazardLevel::General, vec![]).1);
    assert_eq!(v1.push_one(&ev)["code"], "out_of_scope");
}
