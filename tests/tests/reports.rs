//! Assessment and duty reports against the real server: scores with their
//! deductions and records, a veto with its accident, the what-if rubric that
//! saves nothing and the saved one, and the duty report read back (the
//! `.docx` unzipped and its figures compared with `/grids/{code}/summary`,
//! the `.xlsx` appendix parsed) and rendered to PDF and PNG pages with
//! LibreOffice and pdftoppm into `test-artifacts/reports/`.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Reader, Xlsx};
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Utc};
use gridsafe_core::event::{AccidentReported, BanquetFiled, MeetingRecorded};
use gridsafe_core::{
    AccidentId, BanquetId, EventBody, HazardLevel, MeetingId, PointKind, Sector, Verdict,
};
use gridsafe_tests::{Session, TestServer, assert_error, check, report, send};
use reqwest::StatusCode;
use serde_json::Value;

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-artifacts/reports")
}

/// This year in Beijing time: the records below are made now.
fn year() -> i32 {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .year()
}

fn get_bytes(s: &Session, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = s
        .http
        .get(s.url(path))
        .bearer_auth(&s.token)
        .send()
        .unwrap();
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, resp.bytes().unwrap().to_vec())
}

fn send_toml(s: &Session, method: reqwest::Method, path: &str, body: &str) -> (StatusCode, Value) {
    send(
        s.http
            .request(method, s.url(path))
            .bearer_auth(&s.token)
            .header("content-type", "application/toml")
            .body(body.to_owned()),
    )
}

/// A small town's records: hazards (one major without the 五到位), checks,
/// and an accident outside road traffic with 6 deaths in V2.
fn seed(s: &TestServer) -> String {
    let mut insp1 = s.login("insp1");
    let mut insp2 = s.login("insp2");
    let mut vol1 = s.login("vol1");
    for (sector, level) in [
        (Sector::Construction, HazardLevel::General),
        (Sector::Fire, HazardLevel::General),
        (Sector::Construction, HazardLevel::Major),
    ] {
        let (_, body) = report("V1", sector, level, vec![]);
        let ev = insp1.event(body);
        assert_eq!(insp1.push_one(&ev)["verdict"], "accepted", "{:?}", ev);
    }
    let (_, body) = report("V2", Sector::Gas, HazardLevel::General, vec![]);
    let ev = insp2.event(body);
    assert_eq!(insp2.push_one(&ev)["verdict"], "accepted", "{:?}", ev);
    for verdict in [Verdict::Normal, Verdict::Danger] {
        let ev = vol1.event(check("LS-1", "V1", PointKind::Landslide, verdict));
        assert_eq!(vol1.push_one(&ev)["verdict"], "accepted", "{:?}", ev);
    }
    let accident = AccidentId::new();
    let ev = insp2.event(EventBody::AccidentReported(AccidentReported {
        accident,
        grid: "V2".parse().unwrap(),
        sector: Sector::Construction,
        occurred_at: Utc::now() - Duration::minutes(5),
        place: "柳溪村三组工地".into(),
        deaths: 6,
        injuries: 2,
        description: "脚手架坍塌".into(),
        location: None,
        photos: vec![],
    }));
    assert_eq!(insp2.push_one(&ev)["verdict"], "accepted", "{:?}", ev);
    accident.to_string()
}

/// The last day of quarter `q` of `year`.
fn quarter_last_day(year: i32, q: u32) -> NaiveDate {
    let next = if q == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, q * 3 + 1, 1)
    };
    next.unwrap().pred_opt().unwrap()
}

/// The quarters a grid's assessment counts as without a meeting, as
/// `V1 2026-Q1`; none when there is no such deduction.
fn missed_meetings(g: &Value) -> Vec<String> {
    deduction(g, "missed_quarterly_meeting").map_or_else(Vec::new, |d| {
        d["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    })
}

fn deduction<'a>(g: &'a Value, kind: &str) -> Option<&'a Value> {
    g["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind)
}

#[test]
fn assessment_scores_ranks_vetoes_and_takes_a_rubric_only_when_saved() {
    let s = TestServer::town();
    let accident = seed(&s);
    let office = s.login("office");
    let y = year();
    let path = format!("/api/v1/assessment?grid=T&period={y}");
    let (status, a) = office.get(&path);
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["period"], y.to_string());
    assert_eq!(a["rubric_saved"], false);
    // Every kind of record is held on this server: none is unrecorded.
    assert_eq!(a["unrecorded"], serde_json::json!([]), "{a}");
    // No meeting is on record, so each village misses every quarter of the
    // year that has ended by the day of assessment.
    let as_of: NaiveDate = a["as_of"].as_str().unwrap().parse().unwrap();
    let ended: Vec<u32> = (1..=4u32)
        .filter(|q| quarter_last_day(y, *q) < as_of)
        .collect();
    for g in a["children"].as_array().unwrap() {
        let code = g["grid"].as_str().unwrap();
        let want: Vec<String> = ended.iter().map(|q| format!("{code} {y}-Q{q}")).collect();
        let got = missed_meetings(g);
        assert_eq!(got, want, "{g}");
    }
    for g in std::iter::once(&a["grid"]).chain(a["children"].as_array().unwrap()) {
        // The score is the base less the deductions.
        let off: f64 = g["deductions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["points"].as_f64().unwrap())
            .sum();
        assert!(
            (g["score"].as_f64().unwrap() - (100.0 - off).max(0.0)).abs() < 0.05,
            "{g}"
        );
        for d in g["deductions"].as_array().unwrap() {
            assert_eq!(
                d["records"].as_array().unwrap().len() as u64,
                d["count"].as_u64().unwrap(),
                "{d}"
            );
        }
    }

    // The town: the major hazard without the 五到位, the accident, and the veto.
    let town = &a["grid"];
    let major = deduction(town, "major_without_five").expect("the major hazard");
    assert_eq!(major["count"], 1);
    let acc = deduction(town, "accident").expect("the accident");
    assert_eq!(acc["records"][0], accident.as_str());
    assert_eq!(town["veto"]["rule"], "other_single", "{town}");
    assert_eq!(town["veto"]["accidents"][0]["id"], accident.as_str());
    assert_eq!(town["veto"]["accidents"][0]["deaths"], 6);
    assert_eq!(town["grade"], "fail");

    // The villages ranked, the vetoed V2 last.
    let children = a["children"].as_array().unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(children[0]["grid"], "V1");
    assert_eq!(children[0]["rank"], 1);
    assert_eq!(children[1]["grid"], "V2");
    assert_eq!(children[1]["grade"], "fail");
    assert!(children[0]["veto"].is_null());
    let v1_score = children[0]["score"].as_f64().unwrap();

    // Last year every quarter has ended: each village missed four meetings.
    // A meeting held in V1 in last year's second quarter takes one off V1's
    // count, and nothing else in last year's assessment changes.
    let last = y - 1;
    let last_path = format!("/api/v1/assessment?grid=T&period={last}");
    let (status, before) = office.get(&last_path);
    assert_eq!(status, StatusCode::OK, "{before}");
    let child = |a: &Value, code: &str| -> Value {
        a["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["grid"] == code)
            .unwrap_or_else(|| panic!("{code} in {a}"))
            .clone()
    };
    for code in ["V1", "V2"] {
        let want: Vec<String> = (1..=4).map(|q| format!("{code} {last}-Q{q}")).collect();
        assert_eq!(missed_meetings(&child(&before, code)), want, "{before}");
    }
    let mut insp1 = s.login("insp1");
    let held_on = NaiveDate::from_ymd_opt(last, 5, 15).unwrap();
    let ev = insp1.event(EventBody::MeetingRecorded(MeetingRecorded {
        meeting: MeetingId::new(),
        grid: "V1".parse().unwrap(),
        held_on,
        topic: "第二季度安全生产工作会议".into(),
        attendees: vec!["李明".into()],
        minutes: None,
        photos: vec![],
    }));
    assert_eq!(insp1.push_one(&ev)["verdict"], "accepted", "{ev:?}");
    let (status, after) = office.get(&last_path);
    assert_eq!(status, StatusCode::OK, "{after}");
    let (v1_before, v1_after) = (child(&before, "V1"), child(&after, "V1"));
    assert_eq!(
        missed_meetings(&v1_after),
        [1, 3, 4].map(|q| format!("V1 {last}-Q{q}")),
        "{after}"
    );
    let meeting_points = |g: &Value| {
        deduction(g, "missed_quarterly_meeting").unwrap()["points"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(meeting_points(&v1_before) - meeting_points(&v1_after), 2.0);
    assert_eq!(
        v1_after["score"].as_f64().unwrap() - v1_before["score"].as_f64().unwrap(),
        2.0,
        "{v1_after}"
    );
    let others = |g: &Value| -> Vec<Value> {
        g["deductions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] != "missed_quarterly_meeting")
            .cloned()
            .collect()
    };
    assert_eq!(others(&v1_after), others(&v1_before));
    let (v2_before, v2_after) = (child(&before, "V2"), child(&after, "V2"));
    for k in ["deductions", "score", "grade", "veto"] {
        assert_eq!(v2_after[k], v2_before[k], "V2's {k} is untouched");
    }
    // The town's count drops by one too (its points stay at the cap).
    assert_eq!(
        deduction(&before["grid"], "missed_quarterly_meeting").unwrap()["count"],
        8
    );
    assert_eq!(
        deduction(&after["grid"], "missed_quarterly_meeting").unwrap()["count"],
        7
    );
    // Last year's meeting does not touch this year's assessment.
    let (_, now) = office.get(&path);
    assert_eq!(now["children"], a["children"]);

    // What-if: a dearer major-hazard line changes V1 and the town, not V2's
    // deductions, and saves nothing.
    let (status, r) = office.get("/api/v1/assessment/rubric");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["saved"], false);
    let text = r["toml"].as_str().unwrap().to_owned();
    let dearer = text.replacen(
        "kind = \"major_without_five\"\npoints = 5",
        "kind = \"major_without_five\"\npoints = 8",
        1,
    );
    assert_ne!(dearer, text, "the default rubric has the line");
    let (status, w) = send_toml(
        &office,
        reqwest::Method::POST,
        &format!("/api/v1/assessment/preview?grid=T&period={y}"),
        &dearer,
    );
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["children"][0]["score"].as_f64().unwrap(), v1_score - 3.0);
    assert_eq!(
        w["children"][1]["deductions"], a["children"][1]["deductions"],
        "V2 has no major hazard"
    );
    let (_, again) = office.get(&path);
    assert_eq!(again["children"][0]["score"].as_f64().unwrap(), v1_score);
    assert!(!s.data_dir().join("server/rubric.toml").exists());

    // A bad rubric is refused with the reason and saves nothing.
    let bad = text.replacen("good = 80", "good = 95", 1);
    let (status, e) = send_toml(
        &office,
        reqwest::Method::PUT,
        "/api/v1/assessment/rubric",
        &bad,
    );
    assert_error(status, &e, 422, "bad_rubric");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("bands"),
        "{e}"
    );
    let (status, e) = send_toml(
        &office,
        reqwest::Method::POST,
        &format!("/api/v1/assessment/preview?grid=T&period={y}"),
        "base = ",
    );
    assert_error(status, &e, 422, "bad_rubric");
    assert!(!s.data_dir().join("server/rubric.toml").exists());
    // Not the office: refused.
    let insp1 = s.login("insp1");
    let (status, e) = send_toml(
        &insp1,
        reqwest::Method::PUT,
        "/api/v1/assessment/rubric",
        &dearer,
    );
    assert_error(status, &e, 403, "forbidden");

    // Saved, it is the rubric in force.
    let (status, saved) = send_toml(
        &office,
        reqwest::Method::PUT,
        "/api/v1/assessment/rubric",
        &dearer,
    );
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(s.data_dir().join("server/rubric.toml").exists());
    let (_, after) = office.get(&path);
    assert_eq!(after["rubric_saved"], true);
    assert_eq!(
        after["children"][0]["score"].as_f64().unwrap(),
        v1_score - 3.0
    );

    // Bad periods and grids.
    let (status, e) = office.get("/api/v1/assessment?grid=T&period=2026-Q5");
    assert_error(status, &e, 400, "bad_request");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("2026-H1"),
        "{e}"
    );
    let (status, e) = office.get(&format!("/api/v1/assessment?grid=NOPE&period={y}"));
    assert_error(status, &e, 404, "not_found");
    let office2 = s.login("office2");
    let (status, e) = office2.get(&format!("/api/v1/assessment?grid=T&period={y}"));
    assert_error(status, &e, 403, "forbidden");

    // Every route is in the OpenAPI document.
    let (_, doc) = send(s.http().get(s.url("/api/openapi.json")));
    for p in [
        "/api/v1/assessment",
        "/api/v1/assessment/preview",
        "/api/v1/assessment/rubric",
        "/api/v1/reports/duty",
        "/api/v1/reports/duty/reminder",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} in OpenAPI");
    }
    // The reminder answers, due or not.
    let (status, r) = office.get("/api/v1/reports/duty/reminder");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["period"].is_null(), r["due"].is_null(), "{r}");
}

/// The text of a `.docx`'s body and its XML.
fn document_xml(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The concatenated `<w:t>` texts.
fn text_of(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<w:t") {
        rest = &rest[i + 4..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        if rest[..open_end].ends_with('/') || !(rest.starts_with('>') || rest.starts_with(' ')) {
            continue;
        }
        rest = &rest[open_end + 1..];
        let close = rest.find("</w:t>").unwrap();
        out.push_str(&rest[..close]);
        rest = &rest[close..];
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn rate(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// The report's missed-check sentence, the town's summary, the points page
/// and the assessment's `missed_flood_check` deduction give the same counts.
fn assert_missed_checks_agree(office: &Session, period: &str, text: &str, sum: &Value) {
    let missed = sum["missed_point_checks"].as_u64().unwrap();
    let flood = sum["missed_flood_checks"].as_u64().unwrap();
    assert!(flood <= missed, "{sum}");
    let line = format!("按各监测点的巡查周期，本期应巡未巡{missed}次，其中汛期漏巡{flood}次。");
    assert!(text.contains(&line), "missing {line:?} in {text}");
    let (status, points) = office.get(&format!("/api/v1/points?grid=T&period={period}"));
    assert_eq!(status, StatusCode::OK, "{points}");
    let points = points.as_array().unwrap();
    assert_eq!(points.len() as u64, sum["points"].as_u64().unwrap());
    let total = |k: &str| points.iter().map(|p| p[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(total("missed_checks"), missed, "{points:?}");
    assert_eq!(total("missed_flood_checks"), flood, "{points:?}");
    let (status, a) = office.get(&format!("/api/v1/assessment?grid=T&period={period}"));
    assert_eq!(status, StatusCode::OK, "{a}");
    let count =
        |g: &Value| deduction(g, "missed_flood_check").map_or(0, |d| d["count"].as_u64().unwrap());
    assert_eq!(count(&a["grid"]), flood, "{a}");
    // Each village's deduction is its own summary figure.
    for child in sum["children"].as_array().unwrap() {
        let mine = a["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["grid"] == child["grid"])
            .unwrap();
        assert_eq!(
            count(mine),
            child["missed_flood_checks"].as_u64().unwrap(),
            "{mine}"
        );
    }
}

#[test]
fn the_duty_report_states_the_summary_figures_in_the_official_layout() {
    let s = TestServer::town();
    seed(&s);
    let office = s.login("office");
    let y = year();
    // Township records of today: a meeting and a banquet in V1, and a
    // quarterly big check of V1 due today, not yet covered.
    let today = Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let mut insp1 = s.login("insp1");
    for body in [
        EventBody::MeetingRecorded(MeetingRecorded {
            meeting: MeetingId::new(),
            grid: "V1".parse().unwrap(),
            held_on: today,
            topic: "安全生产工作会议".into(),
            attendees: vec![],
            minutes: None,
            photos: vec![],
        }),
        EventBody::BanquetFiled(BanquetFiled {
            banquet: BanquetId::new(),
            grid: "V1".parse().unwrap(),
            host: "王德贵".into(),
            held_on: today,
            tables: 12,
            cook: None,
            samples_kept: true,
            banned_dishes_absent: vec![],
            photos: vec![],
        }),
    ] {
        let ev = insp1.event(body);
        assert_eq!(insp1.push_one(&ev)["verdict"], "accepted", "{ev:?}");
    }
    let (status, t) = office.post(
        "/api/v1/tasks",
        &serde_json::json!({"kind": "quarterly_check", "title": "季度安全生产大检查",
            "grid": "T", "targets": [{"kind": "grid", "code": "V1"}],
            "due": today.to_string()}),
    );
    assert_eq!(status, StatusCode::CREATED, "{t}");

    let (status, ctype, docx) = get_bytes(
        &office,
        &format!("/api/v1/reports/duty?grid=T&period={y}&format=docx"),
    );
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&docx));
    assert!(ctype.contains("wordprocessingml"), "{ctype}");
    let xml = document_xml(&docx);
    let text = text_of(&xml);
    assert!(
        text.contains(&format!("青石镇{y}年度安全生产履职报告")),
        "{text}"
    );
    assert!(
        text.contains(&format!("（{y}年1月1日至{y}年12月31日）")),
        "{text}"
    );

    // The figures are those of the summary for the same period.
    let (status, sum) = office.get(&format!("/api/v1/grids/T/summary?period={y}"));
    assert_eq!(status, StatusCode::OK);
    let n = |k: &str| sum[k].as_u64().unwrap();
    let by_status = |k: &str| sum["by_status"][k].as_u64().unwrap();
    assert_eq!(n("hazards_total"), 4);
    let rectified = by_status("rectified") + by_status("verified") + by_status("closed");
    for line in [
        format!(
            "本期共排查隐患{}条，已整改{}条，整改率{}，逾期未整改{}条。",
            n("hazards_total"),
            rectified,
            rate(&sum["rectified_rate"]),
            n("overdue")
        ),
        format!(
            "其中重大隐患{}条，尚未销号{}条。",
            sum["by_level"]["major"].as_u64().unwrap(),
            n("major_open")
        ),
        format!(
            "本期危险地段巡查{}次，发出危险预警{}次，目前仍处危险状态的地段{}处。",
            n("checks_total"),
            sum["checks_by_verdict"]["danger"].as_u64().unwrap_or(0),
            n("danger_open")
        ),
    ] {
        assert!(text.contains(&line), "missing {line:?} in {text}");
    }
    // Hazards by sector, the accident, the score, the closing.
    assert!(text.contains("建筑施工"), "{text}");
    assert!(
        text.contains("本期发生生产安全事故1起，死亡6人，受伤2人。"),
        "{text}"
    );
    let (_, a) = office.get(&format!("/api/v1/assessment?grid=T&period={y}"));
    assert!(
        text.contains(&format!(
            "按考核细则自评得分{}分，考评等次为不合格。",
            a["grid"]["score"].as_f64().unwrap()
        )),
        "{text}"
    );
    assert!(text.contains("一票否决"), "{text}");
    assert!(text.contains("行政主要负责人（签字）"), "{text}");
    assert!(text.contains("签章时间"), "{text}");
    // The township records, counted as the summary counts them.
    assert_eq!(n("meetings"), 1, "{sum}");
    assert_eq!(n("banquets"), 1, "{sum}");
    for line in [
        "本期下达检查任务1项，检查对象1个，已覆盖0个，覆盖率0.0%。",
        "本期召开安全生产会议1次。",
        "本期农村家宴备案1起。",
    ] {
        assert!(text.contains(line), "missing {line:?} in {text}");
    }
    assert!(!text.contains("本系统尚未登记此类记录"), "{text}");
    // Missed monitoring-point checks: one rule for the report, the
    // summary, the points page and the deduction.
    assert_missed_checks_agree(&office, &y.to_string(), &text, &sum);
    // Last year every flood-season day has passed with no check at all.
    let last = (y - 1).to_string();
    let (_, _, last_docx) = get_bytes(
        &office,
        &format!("/api/v1/reports/duty?grid=T&period={last}&format=docx"),
    );
    let (status, last_sum) = office.get(&format!("/api/v1/grids/T/summary?period={last}"));
    assert_eq!(status, StatusCode::OK);
    assert!(
        last_sum["missed_flood_checks"].as_u64().unwrap() > 0,
        "{last_sum}"
    );
    assert_missed_checks_agree(
        &office,
        &last,
        &text_of(&document_xml(&last_docx)),
        &last_sum,
    );
    // Fonts: 仿宋 for the body, 黑体 for the headings, set in the document.
    assert!(xml.contains("w:eastAsia=\"仿宋\""), "body font");
    assert!(xml.contains("w:eastAsia=\"黑体\""), "heading font");

    // The appendix.
    let (status, ctype, xlsx) = get_bytes(
        &office,
        &format!("/api/v1/reports/duty?grid=T&period={y}&format=xlsx"),
    );
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.contains("spreadsheetml"), "{ctype}");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["隐患台账", "考核扣分", "考核得分", "生产安全事故"]
    );
    let hazards = book.worksheet_range("隐患台账").unwrap();
    assert_eq!(hazards.height() as u64, n("hazards_total") + 1);
    let scores = book.worksheet_range("考核得分").unwrap();
    assert_eq!(scores.height(), 4, "the town and its two villages");
    let accidents = book.worksheet_range("生产安全事故").unwrap();
    assert_eq!(accidents.height(), 2);

    // Refusals.
    let (status, e) = office.get(&format!(
        "/api/v1/reports/duty?grid=T&period={y}&format=pdf"
    ));
    assert_error(status, &e, 400, "bad_request");
    let insp1 = s.login("insp1");
    let (status, e) = insp1.get(&format!(
        "/api/v1/reports/duty?grid=V1&period={y}&format=docx"
    ));
    assert_error(status, &e, 403, "forbidden");

    // Rendered as LibreOffice renders it: a PDF, then PNG pages to look at.
    let out = artifacts();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let docx_path = out.join("duty-report.docx");
    std::fs::write(&docx_path, &docx).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new("libreoffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(&docx_path)
        .status()
        .expect("libreoffice (scripts/test installs libreoffice-writer-nogui)");
    assert!(status.success());
    let pdf = out.join("duty-report.pdf");
    assert!(std::fs::metadata(&pdf).unwrap().len() > 1000);
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&pdf)
        .arg(out.join("duty-report-page"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
    let pages = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with("duty-report-page") && name.ends_with(".png")
        })
        .count();
    assert!(pages >= 2, "the report runs to {pages} page(s)");
}

#[test]
fn an_accident_marked_of_bad_social_impact_vetoes_its_village_and_town() {
    let s = TestServer::town();
    let office = s.login("office");
    let y = year();
    let mut insp1 = s.login("insp1");
    let accident = AccidentId::new();
    let ev = insp1.event(EventBody::AccidentReported(AccidentReported {
        accident,
        grid: "V1".parse().unwrap(),
        sector: Sector::Gas,
        occurred_at: Utc::now() - Duration::minutes(30),
        place: "石桥村二组".into(),
        deaths: 0,
        injuries: 3,
        description: "液化气罐泄漏起火".into(),
        location: None,
        photos: vec![],
    }));
    assert_eq!(insp1.push_one(&ev)["verdict"], "accepted", "{ev:?}");
    let path = format!("/api/v1/assessment?grid=T&period={y}");
    let (_, before) = office.get(&path);
    assert!(
        before["grid"]["veto"].is_null(),
        "no deaths, no veto: {before}"
    );
    let impact = format!("/api/v1/records/accidents/{accident}/impact");

    // The field may not judge it; an accident that is not there is not found.
    let (status, e) = insp1.post(&impact, &serde_json::json!({"bad_social_impact": true}));
    assert_error(status, &e, 403, "forbidden");
    let (status, e) = office.post(
        &format!("/api/v1/records/accidents/{}/impact", AccidentId::new()),
        &serde_json::json!({"bad_social_impact": true}),
    );
    assert_error(status, &e, 404, "not_found");
    let (_, same) = office.get(&path);
    assert_eq!(same["grid"], before["grid"], "refusals change nothing");

    // The office marks it, with its name on the record.
    let (status, item) = office.post(
        &impact,
        &serde_json::json!({"bad_social_impact": true, "note": "县安委会通报"}),
    );
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["impact"]["bad_social_impact"], true, "{item}");
    assert_eq!(item["impact"]["by"], "office");
    assert_eq!(item["impact"]["note"], "县安委会通报");
    let (_, listed) = office.get(&format!("/api/v1/records/accidents?grid=T&period={y}"));
    assert_eq!(listed[0]["impact"]["bad_social_impact"], true, "{listed}");

    // The village and the town are vetoed by it; the other village is not,
    // and no score moves.
    let (_, after) = office.get(&path);
    let veto = &after["grid"]["veto"];
    assert_eq!(veto["rule"], "bad_impact", "{after}");
    assert_eq!(veto["accidents"][0]["id"], accident.to_string());
    assert_eq!(veto["accidents"][0]["bad_social_impact"], true);
    assert_eq!(after["grid"]["grade"], "fail");
    assert_eq!(after["grid"]["score"], before["grid"]["score"]);
    let child = |a: &Value, code: &str| {
        a["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["grid"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(child(&after, "V1")["veto"]["rule"], "bad_impact");
    assert_eq!(child(&after, "V1")["grade"], "fail");
    assert_eq!(child(&after, "V1")["rank"], 2, "a vetoed grid ranks last");
    assert!(child(&after, "V2")["veto"].is_null());
    assert_eq!(child(&after, "V2"), {
        let mut v2 = child(&before, "V2");
        v2["rank"] = 1.into();
        v2
    });
    for code in ["V1", "V2"] {
        assert_eq!(child(&after, code)["score"], child(&before, code)["score"]);
    }

    // The duty report states it.
    let (status, _, docx) = get_bytes(
        &office,
        &format!("/api/v1/reports/duty?grid=T&period={y}&format=docx"),
    );
    assert_eq!(status, StatusCode::OK);
    let text = text_of(&document_xml(&docx));
    assert!(
        text.contains("因社会影响特别恶劣的事故（事故1起），实行“一票否决”，确定为不合格。"),
        "{text}"
    );

    // Taken back, the veto goes with it.
    let (status, item) = office.post(&impact, &serde_json::json!({"bad_social_impact": false}));
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["impact"]["bad_social_impact"], false);
    let (_, back) = office.get(&path);
    assert!(back["grid"]["veto"].is_null(), "{back}");
    assert_eq!(back["grid"]["grade"], before["grid"]["grade"]);

    // The route is in the OpenAPI document.
    let (_, doc) = send(s.http().get(s.url("/api/openapi.json")));
    assert!(doc["paths"]["/api/v1/records/accidents/{id}/impact"]["post"].is_object());
}
